// Offline placement of buffers with known lifetimes in one block of memory.
//
// Each request is a size and an inclusive range of steps in which the buffer
// is alive. Two buffers may share bytes only if their ranges do not overlap.
// Greedy by size (largest first, ties by first use), each buffer goes to the
// lowest offset that does not collide with an already placed buffer alive at
// the same time. O(n^2) in the number of buffers, which is fine for networks
// with thousands of layers; the result is deterministic.
#ifndef LRP_RUNTIME_PLAN_GREEDY_ALLOCATOR_H_
#define LRP_RUNTIME_PLAN_GREEDY_ALLOCATOR_H_

#include <cstddef>
#include <vector>

namespace lrp {
namespace internal {

struct BufferRequest {
  size_t bytes = 0;     // multiple of kBufferAlignment
  int first_step = 0;   // inclusive
  int last_step = 0;    // inclusive
};

constexpr size_t kBufferAlignment = 64;

// Fills `offsets` (one per request, multiples of kBufferAlignment) and
// returns the total size of the block.
size_t PlaceBuffers(const std::vector<BufferRequest>& requests, std::vector<size_t>* offsets);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_PLAN_GREEDY_ALLOCATOR_H_
