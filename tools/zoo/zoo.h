// Standard architectures with seeded random weights (He initialization), for
// benchmarks and tests: `lrp zoo NAME -o FILE`.
#ifndef LRP_TOOLS_ZOO_ZOO_H_
#define LRP_TOOLS_ZOO_ZOO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "lrp/model_builder.h"
#include "lrp/status.h"

namespace lrp {
namespace zoo {

struct ZooEntry {
  const char* name;         // "vgg16"
  const char* description;  // one line for --help / `lrp zoo --list`
};

const std::vector<ZooEntry>& Entries();

// Adds the architecture `name` to an empty builder. Same name + seed give
// the same bytes on every platform.
Status Build(const std::string& name, uint64_t seed, ModelBuilder* builder);

}  // namespace zoo
}  // namespace lrp

#endif  // LRP_TOOLS_ZOO_ZOO_H_
