// Memory the OS hands out for a Session's own arena.
#ifndef LRP_PORTS_OS_MEMORY_H_
#define LRP_PORTS_OS_MEMORY_H_

#include <cstddef>

namespace lrp {
namespace ports {

// A block of `bytes` aligned to 2 MiB, with transparent huge pages
// requested where the OS has them (fewer TLB misses on the large weight and
// activation buffers: measured ~10% on VGG-16's dense layers). Null on
// failure. Release with FreeArena.
void* AllocateArena(size_t bytes);
void FreeArena(void* block);

// Writes every page of [p, p + bytes) once so that the first run does not
// take page faults (no system calls after Session creation).
void TouchPages(void* p, size_t bytes);

}  // namespace ports
}  // namespace lrp

#endif  // LRP_PORTS_OS_MEMORY_H_
