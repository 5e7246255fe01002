#include "ports/os/memory.h"

#include <cstdlib>
#include <cstring>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace lrp {
namespace ports {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void* AllocateArena(size_t bytes) {
  void* block = nullptr;
  const size_t alignment = bytes >= kHugePage ? kHugePage : 64;
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  if (posix_memalign(&block, alignment, rounded) != 0) return nullptr;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (alignment == kHugePage) madvise(block, rounded, MADV_HUGEPAGE);  // a hint; may fail
#endif
  return block;
}

void FreeArena(void* block) { std::free(block); }

void TouchPages(void* p, size_t bytes) {
  constexpr size_t kPage = 4096;
  volatile unsigned char* c = static_cast<unsigned char*>(p);
  for (size_t i = 0; i < bytes; i += kPage) c[i] = c[i];
}

}  // namespace ports
}  // namespace lrp
