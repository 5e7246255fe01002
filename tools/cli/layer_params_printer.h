// The hyper-parameters of a layer, named, for `lrp info` (text and JSON).
//
// One walk over LayerParams per layer kind feeds a ParamSink, so the text
// table and the JSON object cannot drift apart.
#ifndef LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_
#define LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_

#include "lrp/model.h"
#include "tools/cli/param_sink.h"

namespace lrp {
namespace cli {

// Feeds the parameters that `layer`'s kind reads to `sink`.
void DescribeLayerParams(const LayerDesc& layer, ParamSink* sink);

// "relu", "relu6" or "none".
const char* ActivationName(Activation activation);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_
