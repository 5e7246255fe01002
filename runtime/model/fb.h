// Access to the verified flatbuffer behind a Model, for lrp's internals only.
#ifndef LRP_RUNTIME_MODEL_FB_H_
#define LRP_RUNTIME_MODEL_FB_H_

#include <cstdint>

#include "lrp/model.h"
#include "schema/lrpm_generated.h"

namespace lrp {
namespace internal {

// Files written by this version of lrp; readers reject newer versions.
constexpr uint32_t kFormatVersion = 1;

inline const fb::Model* FlatModel(const Model& model) { return fb::GetModel(model.data()); }

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_MODEL_FB_H_
