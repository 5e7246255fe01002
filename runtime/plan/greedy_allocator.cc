#include "runtime/plan/greedy_allocator.h"

#include <algorithm>
#include <numeric>

namespace lrp {
namespace internal {

size_t PlaceBuffers(const std::vector<BufferRequest>& requests, std::vector<size_t>* offsets) {
  const size_t n = requests.size();
  offsets->assign(n, 0);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first_step < requests[b].first_step;
  });
  std::vector<size_t> placed;  // indices already given an offset
  size_t total = 0;
  for (size_t id : order) {
    const BufferRequest& r = requests[id];
    // Buffers alive at the same time, by offset.
    std::vector<size_t> live;
    for (size_t p : placed) {
      const BufferRequest& q = requests[p];
      if (q.first_step <= r.last_step && r.first_step <= q.last_step) live.push_back(p);
    }
    std::sort(live.begin(), live.end(),
              [&](size_t a, size_t b) { return (*offsets)[a] < (*offsets)[b]; });
    size_t offset = 0;
    for (size_t p : live) {
      if ((*offsets)[p] >= offset + r.bytes) break;  // the gap before p fits
      offset = std::max(offset, (*offsets)[p] + requests[p].bytes);
    }
    (*offsets)[id] = offset;
    placed.push_back(id);
    total = std::max(total, offset + r.bytes);
  }
  return total;
}

}  // namespace internal
}  // namespace lrp
