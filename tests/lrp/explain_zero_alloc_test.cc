// After Session::Create returns, Forward() and Explain() must not touch the
// heap, for every composite: the rules are bound at creation, and their
// modified weights and scratch live in the arena. The counter in
// tests/support/alloc_counter sees every allocation in the process, from any
// thread and any library.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "lrp/lrp.h"
#include "tests/support/alloc_counter.h"
#include "tests/support/status_testing.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {
namespace {

enum class Net { kConv, kResidual };

// composite name, network, threads, keep_relevance
using ExplainAllocParam = std::tuple<std::string, Net, int, bool>;

class ExplainZeroAllocTest : public ::testing::TestWithParam<ExplainAllocParam> {
 protected:
  void SetUp() override {
    if (!AllocCounterAvailable()) GTEST_SKIP() << "allocator owned by a sanitizer";
  }
};

TEST_P(ExplainZeroAllocTest, RepeatedForwardAndExplainAllocateNothing) {
  const auto& [name, net, threads, keep] = GetParam();
  ModelBuilder b;
  if (net == Net::kConv) {
    BuildSmallCnn(31, &b);
  } else {
    BuildResidualNet(32, &b);
  }
  // z^B needs bounds; the models' inputs are uniform in [-1, 1).
  InputDesc desc;
  desc.source_layout = SourceLayout::kNHWC;
  desc.low = {-1.0f};
  desc.high = {1.0f};
  b.SetInputDesc(desc);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.threads = threads;
  options.composite.name = name;
  options.keep_relevance = keep;
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, options, &session));
  const std::vector<float> a = RandomInput(model, 33);
  const std::vector<float> c = RandomInput(model, 34);
  const int last = static_cast<int>(session->output_size()) - 1;

  size_t allocations = 0, deallocations = 0;
  double checksum = 0;
  {
    // The very first calls are included: the contract starts when Create
    // returns, not after a warm-up.
    ScopedAllocCounter counter;
    for (int i = 0; i < 10; ++i) {
      const std::vector<float>& in = (i % 2 == 0) ? a : c;
      Status s = session->Forward(in.data(), in.size());
      if (s.ok()) s = session->Explain(-1, ExplainInit::kLogit);
      if (s.ok()) checksum += session->relevance()[0];
      if (s.ok()) s = session->Explain(0, ExplainInit::kOne);
      if (s.ok()) s = session->Explain(last, ExplainInit::kLogit);
      if (s.ok()) checksum += session->relevance_sums()[model.input()];
      if (!s.ok()) {
        ADD_FAILURE() << "iteration " << i << ": " << s.ToString();
        break;
      }
    }
    allocations = counter.allocations();
    deallocations = counter.deallocations();
  }
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(deallocations, 0u);
  // Keeps the reads above observable.
  EXPECT_FALSE(std::isnan(checksum)) << "relevance is NaN";
}

// The zero above proves something only if the counter sees this binary's
// allocations: creating an explaining session allocates its arena.
TEST(ExplainAllocCounterTest, SeesSessionCreation) {
  if (!AllocCounterAvailable()) GTEST_SKIP() << "allocator owned by a sanitizer";
  ModelBuilder b;
  BuildTinyDense(35, &b);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  SessionOptions options;
  options.mode = Mode::kExplain;
  std::unique_ptr<Session> session;
  ScopedAllocCounter counter;
  LRP_ASSERT_OK(Session::Create(model, options, &session));
  EXPECT_GT(counter.allocations(), 0u);
}

std::vector<std::string> Names() { return CompositeNames(); }

INSTANTIATE_TEST_SUITE_P(Composites, ExplainZeroAllocTest,
                         ::testing::Combine(::testing::ValuesIn(Names()),
                                            ::testing::Values(Net::kConv, Net::kResidual),
                                            ::testing::Values(1, 2), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<ExplainAllocParam>& info) {
                           std::string n = std::get<0>(info.param);
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n +
                                  (std::get<1>(info.param) == Net::kConv ? "_conv" : "_residual") +
                                  "_threads" + std::to_string(std::get<2>(info.param)) +
                                  (std::get<3>(info.param) ? "_keep" : "_input_only");
                         });

}  // namespace
}  // namespace test
}  // namespace lrp
