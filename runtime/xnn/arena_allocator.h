// Routes XNNPACK's memory requests into a Session's arena.
//
// XNNPACK takes one process-wide allocator at xnn_initialize(). Ours sends a
// request to the ArenaAllocator installed on the calling thread (a Session
// installs one for the duration of its creation, when XNNPACK packs weights
// and builds indirection buffers) and to the heap otherwise. Every block
// starts after a small header that records where it came from, so frees of
// arena blocks are no-ops and heap blocks are returned to the heap.
//
// In measuring mode the allocator serves requests from the heap but counts
// exactly what the same sequence of requests would take from an arena: this
// is how the arena size is known before the arena exists.
#ifndef LRP_RUNTIME_XNN_ARENA_ALLOCATOR_H_
#define LRP_RUNTIME_XNN_ARENA_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>

namespace lrp {
namespace internal {

class ArenaAllocator {
 public:
  // Serves requests from [base, base + capacity); base 64-byte aligned.
  ArenaAllocator(uint8_t* base, size_t capacity) : base_(base), capacity_(capacity) {}
  // Measuring mode (see above).
  ArenaAllocator() = default;

  void* Allocate(size_t alignment, size_t size);
  bool measuring() const { return base_ == nullptr; }
  size_t used() const { return used_; }
  // True once a request did not fit; XNNPACK then got nullptr.
  bool exhausted() const { return exhausted_; }

 private:
  uint8_t* base_ = nullptr;
  size_t capacity_ = 0;
  size_t used_ = 0;
  bool exhausted_ = false;
};

// Installs `allocator` for XNNPACK requests made by this thread until the
// scope ends.
class ScopedArenaAllocator {
 public:
  explicit ScopedArenaAllocator(ArenaAllocator* allocator);
  ~ScopedArenaAllocator();
  ScopedArenaAllocator(const ScopedArenaAllocator&) = delete;
  ScopedArenaAllocator& operator=(const ScopedArenaAllocator&) = delete;

 private:
  ArenaAllocator* previous_;
};

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_XNN_ARENA_ALLOCATOR_H_
