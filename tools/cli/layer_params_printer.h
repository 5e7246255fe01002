// The hyper-parameters of a layer, named, for `lrp info` (text and JSON).
//
// One walk over LayerParams per layer kind feeds a sink, so the text table
// and the JSON object cannot drift apart. Values equal to their default are
// flagged so the text form can leave them out while JSON lists everything.
#ifndef LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_
#define LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/model.h"

namespace lrp {
namespace cli {

class ParamSink {
 public:
  virtual ~ParamSink() = default;
  virtual void Int(const char* key, int64_t value, bool is_default) = 0;
  virtual void Float(const char* key, float value, bool is_default) = 0;
  virtual void Ints(const char* key, const std::vector<int64_t>& values, bool is_default) = 0;
  virtual void Bool(const char* key, bool value, bool is_default) = 0;
  virtual void String(const char* key, const std::string& value, bool is_default) = 0;
};

// Feeds the parameters that `layer`'s kind reads to `sink`.
void DescribeLayerParams(const LayerDesc& layer, ParamSink* sink);

// "relu", "relu6" or "none".
const char* ActivationName(Activation activation);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_LAYER_PARAMS_PRINTER_H_
