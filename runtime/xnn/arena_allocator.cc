#include "runtime/xnn/arena_allocator.h"

#include <cstdlib>
#include <cstring>

#include "runtime/xnn/xnn_init.h"

namespace lrp {
namespace internal {
namespace {

constexpr uint32_t kMagic = 0x4c525041;  // "LRPA"
enum class Origin : uint32_t { kArena = 1, kHeap = 2 };

// Sits right before every block handed to XNNPACK.
struct BlockHeader {
  uint32_t magic;
  Origin origin;
  uint64_t size;
  void* heap_base;  // what to free, for heap blocks
};
constexpr size_t kHeaderBytes = 32;
static_assert(sizeof(BlockHeader) <= kHeaderBytes, "header must fit its slot");
constexpr size_t kMinAlignment = 16;

thread_local ArenaAllocator* current = nullptr;

size_t AlignUp(size_t x, size_t a) { return (x + a - 1) / a * a; }

BlockHeader* HeaderOf(void* p) {
  return reinterpret_cast<BlockHeader*>(static_cast<uint8_t*>(p) - kHeaderBytes);
}

void* HeapAllocate(size_t alignment, size_t size) {
  alignment = alignment < kMinAlignment ? kMinAlignment : alignment;
  const size_t lead = AlignUp(kHeaderBytes, alignment);
  void* base = nullptr;
  if (posix_memalign(&base, alignment, lead + size) != 0) return nullptr;
  void* p = static_cast<uint8_t*>(base) + lead;
  *HeaderOf(p) = BlockHeader{kMagic, Origin::kHeap, size, base};
  return p;
}

void* Route(size_t alignment, size_t size) {
  if (current) return current->Allocate(alignment, size);
  return HeapAllocate(alignment, size);
}

void Release(void* p) {
  if (!p) return;
  BlockHeader* h = HeaderOf(p);
  if (h->origin == Origin::kHeap) std::free(h->heap_base);
  // Arena blocks go away with the arena.
}

void* XnnAllocate(void*, size_t size) { return Route(kMinAlignment, size); }
void* XnnAlignedAllocate(void*, size_t alignment, size_t size) { return Route(alignment, size); }
void XnnDeallocate(void*, void* p) { Release(p); }

void* XnnReallocate(void*, void* p, size_t size) {
  void* q = Route(kMinAlignment, size);
  if (!q || !p) return q;
  const size_t old_size = static_cast<size_t>(HeaderOf(p)->size);
  std::memcpy(q, p, old_size < size ? old_size : size);
  Release(p);
  return q;
}

}  // namespace

void* ArenaAllocator::Allocate(size_t alignment, size_t size) {
  alignment = alignment < kMinAlignment ? kMinAlignment : alignment;
  // Same arithmetic in both modes so a measurement equals the real use; the
  // arena base is 64-byte aligned, larger alignments are budgeted for.
  const size_t slack = alignment > 64 ? alignment - 64 : 0;
  const size_t start = AlignUp(used_ + kHeaderBytes, alignment < 64 ? alignment : 64) + slack;
  const size_t end = start + size;
  if (measuring()) {
    used_ = end;
    return HeapAllocate(alignment, size);
  }
  uint8_t* p = base_ + start;
  p += (alignment - reinterpret_cast<uintptr_t>(p) % alignment) % alignment;
  if (end > capacity_ || static_cast<size_t>(p - base_) + size > capacity_) {
    exhausted_ = true;
    return nullptr;
  }
  used_ = end;
  *HeaderOf(p) = BlockHeader{kMagic, Origin::kArena, size, nullptr};
  return p;
}

ScopedArenaAllocator::ScopedArenaAllocator(ArenaAllocator* allocator) : previous_(current) {
  current = allocator;
}

ScopedArenaAllocator::~ScopedArenaAllocator() { current = previous_; }

const xnn_allocator* XnnAllocator() {
  static const xnn_allocator allocator = {nullptr, XnnAllocate, XnnReallocate, XnnDeallocate,
                                          XnnAlignedAllocate, XnnDeallocate};
  return &allocator;
}

}  // namespace internal
}  // namespace lrp
