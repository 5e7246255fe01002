#include "tools/cli/top_k.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>

#include "tools/cli/format.h"

namespace lrp {
namespace cli {

std::vector<size_t> TopK(const float* scores, size_t count, size_t k) {
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), size_t{0});
  k = std::min(k, count);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [scores](size_t a, size_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  order.resize(k);
  return order;
}

void PrintTopK(const Model& model, const float* scores, size_t count, size_t k) {
  const std::vector<size_t> top = TopK(scores, count, k);
  const std::vector<std::string>& labels = model.labels();
  std::printf("top %zu of %zu:\n", top.size(), count);
  for (size_t r = 0; r < top.size(); ++r) {
    size_t c = top[r];
    std::string line = "  " + std::to_string(r + 1) + ". " +
                       PadRight("class " + std::to_string(c), 12) +
                       PadRight(FormatFloat(scores[c]), 14);
    if (c < labels.size()) line += Printable(labels[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace cli
}  // namespace lrp
