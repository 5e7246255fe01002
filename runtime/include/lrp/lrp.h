// lrp: run a neural network on an edge device and explain each prediction
// with Layer-wise Relevance Propagation. Include this one header.
#ifndef LRP_LRP_H_
#define LRP_LRP_H_

#include "lrp/layer_params.h"
#include "lrp/model.h"
#include "lrp/model_builder.h"
#include "lrp/session.h"
#include "lrp/shape.h"
#include "lrp/status.h"

#endif  // LRP_LRP_H_
