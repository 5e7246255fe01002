// After Session::Create returns, Forward() must not touch the heap: the
// whole point of the fixed arena. The counter in tests/support/alloc_counter
// sees every allocation in the process, from any thread and any library.
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

// The counter must be able to fail, or the zero below proves nothing.
class AllocCounterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!AllocCounterAvailable()) GTEST_SKIP() << "allocator owned by a sanitizer";
  }
};

TEST_F(AllocCounterTest, CountsNewAndDelete) {
  ScopedAllocCounter counter;
  // Stored through a volatile pointer so the pair cannot be elided.
  int* volatile p = new int(42);
  EXPECT_EQ(counter.allocations(), 1u);
  delete p;
  EXPECT_EQ(counter.deallocations(), 1u);
  EXPECT_EQ(counter.bytes(), sizeof(int));
}

TEST_F(AllocCounterTest, CountsEveryCAllocatorEntry) {
  ScopedAllocCounter counter;
  void* volatile a = std::malloc(16);
  void* volatile b = std::calloc(4, 8);
  void* volatile c = std::realloc(nullptr, 8);
  void* d = nullptr;
  ASSERT_EQ(posix_memalign(&d, 64, 100), 0);
  void* volatile e = std::aligned_alloc(64, 128);
  EXPECT_EQ(counter.allocations(), 5u);
  std::free(a);
  std::free(b);
  std::free(c);
  std::free(d);
  std::free(e);
  EXPECT_EQ(counter.deallocations(), 5u);
}

TEST_F(AllocCounterTest, CountsAlignedAndArrayNew) {
  struct alignas(128) Wide {
    float v[32];
  };
  ScopedAllocCounter counter;
  Wide* volatile w = new Wide();
  float* volatile f = new float[100];
  EXPECT_EQ(counter.allocations(), 2u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(static_cast<Wide*>(w)) % 128, 0u);
  delete w;
  delete[] f;
  EXPECT_EQ(counter.deallocations(), 2u);
}

TEST_F(AllocCounterTest, CountsAllocationsInsideSharedLibraries) {
  // libstdc++ (std::string), libc itself (strdup) and pthreadpool all call
  // into the allocator through the dynamic linker; each must land here.
  ScopedAllocCounter counter;
  std::string s(1000, 'x');
  const size_t after_string = counter.allocations();
  EXPECT_GE(after_string, 1u);
  char* volatile dup = strdup(s.c_str());
  EXPECT_GT(counter.allocations(), after_string);
  std::free(dup);
  const size_t before_pool = counter.allocations();
  pthreadpool_t pool = pthreadpool_create(2);
  ASSERT_NE(pool, nullptr);
  EXPECT_GT(counter.allocations(), before_pool);
  pthreadpool_destroy(pool);
}

TEST_F(AllocCounterTest, CountsOtherThreads) {
  ScopedAllocCounter counter;
  std::thread t([] {
    void* volatile p = std::malloc(32);
    std::free(p);
  });
  t.join();
  // Thread creation allocates too; at least our malloc is there.
  EXPECT_GE(counter.allocations(), 1u);
}

TEST_F(AllocCounterTest, EachScopeStartsFromZero) {
  {
    ScopedAllocCounter first;
    void* volatile p = std::malloc(8);
    std::free(p);
    ASSERT_EQ(first.allocations(), 1u);
  }
  ScopedAllocCounter second;
  EXPECT_EQ(second.allocations(), 0u);
  EXPECT_EQ(second.deallocations(), 0u);
}

// ----------------------------------------------------------------- Session

enum class Net { kConv, kResidual };

using ZeroAllocParam = std::tuple<Net, int, Mode>;

class ZeroAllocForwardTest : public ::testing::TestWithParam<ZeroAllocParam> {
 protected:
  void SetUp() override {
    if (!AllocCounterAvailable()) GTEST_SKIP() << "allocator owned by a sanitizer";
  }
};

TEST_P(ZeroAllocForwardTest, FiftyForwardCallsAllocateNothing) {
  const auto [net, threads, mode] = GetParam();
  ModelBuilder b;
  if (net == Net::kConv) {
    BuildSmallCnn(21, &b);
  } else {
    BuildResidualNet(22, &b);
  }
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  SessionOptions options;
  options.threads = threads;
  options.mode = mode;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, options, &session));
  const std::vector<float> a = RandomInput(model, 23);
  const std::vector<float> c = RandomInput(model, 24);

  size_t allocations = 0, deallocations = 0;
  {
    // The very first call is included: the contract starts when Create
    // returns, not after a warm-up.
    ScopedAllocCounter counter;
    for (int i = 0; i < 50; ++i) {
      const std::vector<float>& in = (i % 2 == 0) ? a : c;
      const Status s = session->Forward(in.data(), in.size());
      if (!s.ok()) {
        ADD_FAILURE() << "call " << i << ": " << s.ToString();
        break;
      }
    }
    // Forward() on the input already in the arena is the other entry point.
    std::memcpy(session->input(), a.data(), a.size() * sizeof(float));
    const Status s = session->Forward();
    EXPECT_TRUE(s.ok()) << s.ToString();
    allocations = counter.allocations();
    deallocations = counter.deallocations();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(deallocations, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Nets, ZeroAllocForwardTest,
    ::testing::Combine(::testing::Values(Net::kConv, Net::kResidual), ::testing::Values(1, 2),
                       ::testing::Values(Mode::kForward, Mode::kExplain)),
    [](const ::testing::TestParamInfo<ZeroAllocParam>& info) {
      return std::string(std::get<0>(info.param) == Net::kConv ? "conv" : "residual") +
             "_threads" + std::to_string(std::get<1>(info.param)) +
             (std::get<2>(info.param) == Mode::kForward ? "_forward" : "_explain");
    });

}  // namespace
}  // namespace test
}  // namespace lrp
