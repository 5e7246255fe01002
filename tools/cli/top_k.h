// The highest scores of a model output, for `lrp run` and `lrp explain`.
#ifndef LRP_TOOLS_CLI_TOP_K_H_
#define LRP_TOOLS_CLI_TOP_K_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lrp/model.h"

namespace lrp {
namespace cli {

constexpr size_t kTopK = 5;

// Indices of the min(k, count) highest scores, best first; ties go to the
// lower index so listings are reproducible.
std::vector<size_t> TopK(const float* scores, size_t count, size_t k = kTopK);

// "top 5 of 10:" and one line per class: rank, index, score, label (if the
// model has labels).
void PrintTopK(const Model& model, const float* scores, size_t count, size_t k = kTopK);

// The `--top K` flag of run and explain: 1 to kMaxTopK, default kTopK.
constexpr int64_t kMaxTopK = 1000;


}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_TOP_K_H_
