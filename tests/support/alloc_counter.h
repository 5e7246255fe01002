// Counts every heap allocation the process makes, for the zero-allocation
// tests.
//
// alloc_counter.cc replaces the global operator new / delete (every variant:
// sized, aligned, nothrow, array) and interposes the C allocator (malloc,
// calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc,
// pvalloc), forwarding to glibc's __libc_* entry points. Because the
// executable defines these symbols, calls from shared libraries (XNNPACK,
// pthreadpool, libstdc++, libc itself) land here too.
//
// Linking: the definitions live in a static library, and the linker only
// pulls an archive member that resolves a symbol the binary needs. A test
// that uses ScopedAllocCounter references this object file and so gets the
// interposers; a test that does not may or may not get them (they are
// pass-through while no counter is alive).
//
// Under AddressSanitizer or ThreadSanitizer the sanitizer owns malloc, so
// the interposers are compiled out and AllocCounterAvailable() is false.
#ifndef LRP_TESTS_SUPPORT_ALLOC_COUNTER_H_
#define LRP_TESTS_SUPPORT_ALLOC_COUNTER_H_

#include <cstddef>

namespace lrp {
namespace test {

// While alive, counts allocations and deallocations made by any thread.
// Counters are process-wide, so at most one may be alive at a time.
class ScopedAllocCounter {
 public:
  ScopedAllocCounter();   // resets the counts and starts counting
  ~ScopedAllocCounter();  // stops counting
  ScopedAllocCounter(const ScopedAllocCounter&) = delete;
  ScopedAllocCounter& operator=(const ScopedAllocCounter&) = delete;

  // Calls that returned memory (malloc, new, a growing realloc, ...).
  size_t allocations() const;
  // Calls that released memory (free of non-null, delete of non-null).
  size_t deallocations() const;
  // Bytes requested by the counted allocations.
  size_t bytes() const;
};

// False when this build cannot interpose the allocator (sanitizers).
bool AllocCounterAvailable();

}  // namespace test
}  // namespace lrp

#endif  // LRP_TESTS_SUPPORT_ALLOC_COUNTER_H_
