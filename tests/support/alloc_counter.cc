#include "tests/support/alloc_counter.h"

#include <malloc.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LRP_ALLOC_COUNTER_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define LRP_ALLOC_COUNTER_DISABLED 1
#endif
#endif

namespace lrp {
namespace test {
namespace {

// Constant-initialized: the loader and libc call malloc before any static
// constructor of this file could run.
std::atomic<bool> g_enabled{false};
std::atomic<size_t> g_allocations{0};
std::atomic<size_t> g_deallocations{0};
std::atomic<size_t> g_bytes{0};

}  // namespace

ScopedAllocCounter::ScopedAllocCounter() {
  g_allocations.store(0);
  g_deallocations.store(0);
  g_bytes.store(0);
  g_enabled.store(true);
}

ScopedAllocCounter::~ScopedAllocCounter() { g_enabled.store(false); }

size_t ScopedAllocCounter::allocations() const { return g_allocations.load(); }
size_t ScopedAllocCounter::deallocations() const { return g_deallocations.load(); }
size_t ScopedAllocCounter::bytes() const { return g_bytes.load(); }

#ifdef LRP_ALLOC_COUNTER_DISABLED

bool AllocCounterAvailable() { return false; }

}  // namespace test
}  // namespace lrp

#else  // !LRP_ALLOC_COUNTER_DISABLED

bool AllocCounterAvailable() { return true; }

namespace {

void CountAllocation(size_t size) {
  if (g_enabled.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(size, std::memory_order_relaxed);
  }
}

void CountDeallocation(const void* ptr) {
  if (ptr != nullptr && g_enabled.load(std::memory_order_relaxed)) {
    g_deallocations.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace
}  // namespace test
}  // namespace lrp

// glibc's own allocator, exported for exactly this purpose: a program that
// replaces malloc can still reach the real one without dlsym (which itself
// allocates).
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void __libc_free(void* ptr);
void* __libc_memalign(size_t alignment, size_t size);
void* __libc_valloc(size_t size);
void* __libc_pvalloc(size_t size);
}

using lrp::test::CountAllocation;
using lrp::test::CountDeallocation;

extern "C" {

void* malloc(size_t size) noexcept {
  CountAllocation(size);
  return __libc_malloc(size);
}

void* calloc(size_t count, size_t size) noexcept {
  CountAllocation(count * size);
  return __libc_calloc(count, size);
}

void* realloc(void* ptr, size_t size) noexcept {
  // realloc(p, 0) only frees; realloc(nullptr, n) only allocates.
  if (size != 0) CountAllocation(size);
  CountDeallocation(ptr);
  return __libc_realloc(ptr, size);
}

void free(void* ptr) noexcept {
  CountDeallocation(ptr);
  __libc_free(ptr);
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
  // The checks glibc makes, since __libc_memalign accepts any alignment.
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0 ||
      alignment == 0) {
    return EINVAL;
  }
  CountAllocation(size);
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
  CountAllocation(size);
  return __libc_memalign(alignment, size);
}

void* memalign(size_t alignment, size_t size) noexcept {
  CountAllocation(size);
  return __libc_memalign(alignment, size);
}

void* valloc(size_t size) noexcept {
  CountAllocation(size);
  return __libc_valloc(size);
}

void* pvalloc(size_t size) noexcept {
  CountAllocation(size);
  return __libc_pvalloc(size);
}

}  // extern "C"

namespace {

// The loop the standard prescribes for the throwing forms: retry after the
// new-handler, throw when there is none.
void* NewImpl(size_t size, size_t alignment) {
  CountAllocation(size);
  if (size == 0) size = 1;
  for (;;) {
    void* p = alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__
                  ? __libc_malloc(size)
                  : __libc_memalign(alignment, size);
    if (p != nullptr) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* NewNothrowImpl(size_t size, size_t alignment) noexcept {
  try {
    return NewImpl(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

void DeleteImpl(void* ptr) noexcept {
  CountDeallocation(ptr);
  __libc_free(ptr);
}

constexpr size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

}  // namespace

void* operator new(size_t size) { return NewImpl(size, kDefault); }
void* operator new[](size_t size) { return NewImpl(size, kDefault); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return NewNothrowImpl(size, kDefault);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return NewNothrowImpl(size, kDefault);
}
void* operator new(size_t size, std::align_val_t align) {
  return NewImpl(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align) {
  return NewImpl(size, static_cast<size_t>(align));
}
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return NewNothrowImpl(size, static_cast<size_t>(align));
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return NewNothrowImpl(size, static_cast<size_t>(align));
}

void operator delete(void* ptr) noexcept { DeleteImpl(ptr); }
void operator delete[](void* ptr) noexcept { DeleteImpl(ptr); }
void operator delete(void* ptr, size_t) noexcept { DeleteImpl(ptr); }
void operator delete[](void* ptr, size_t) noexcept { DeleteImpl(ptr); }
void operator delete(void* ptr, const std::nothrow_t&) noexcept { DeleteImpl(ptr); }
void operator delete[](void* ptr, const std::nothrow_t&) noexcept { DeleteImpl(ptr); }
void operator delete(void* ptr, std::align_val_t) noexcept { DeleteImpl(ptr); }
void operator delete[](void* ptr, std::align_val_t) noexcept { DeleteImpl(ptr); }
void operator delete(void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  DeleteImpl(ptr);
}
void operator delete[](void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  DeleteImpl(ptr);
}
void operator delete(void* ptr, size_t, std::align_val_t) noexcept { DeleteImpl(ptr); }
void operator delete[](void* ptr, size_t, std::align_val_t) noexcept { DeleteImpl(ptr); }

#endif  // LRP_ALLOC_COUNTER_DISABLED
