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

// Each LRN relevance form (composite parameter lrn=) on a network with two
// LRN layers of different widths, one with an even window: the Taylor
// rules' per-row work lives in the arena's scratch, and the forward runs
// the dispatched LRN kernel.
class ExplainZeroAllocLrnTest
    : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(ExplainZeroAllocLrnTest, RepeatedForwardAndExplainAllocateNothing) {
  if (!AllocCounterAvailable()) GTEST_SKIP() << "allocator owned by a sanitizer";
  const auto& [form, threads] = GetParam();
  Rng rng(36);
  ModelBuilder b;
  uint32_t t = b.Input("image", Shape{8, 8, 3});
  LayerParams conv = ConvParams(6, 3, 3);
  conv.activation = Activation::kRelu;
  t = AddRandomConv(&b, &rng, "conv1", t, conv);
  t = b.LRN("lrn1", t, 5, 1e-2f, 0.75f, 2.0f);
  conv.out_channels = 9;
  t = AddRandomConv(&b, &rng, "conv2", t, conv);
  t = b.LRN("lrn2", t, 4, 0.5f, 0.6f, 1.0f);
  t = b.Flatten("flatten", t);
  AddRandomDense(&b, &rng, "fc", t, 4);
  Model model;
  LRP_ASSERT_OK(FinishModel(b, &model));
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.threads = threads;
  options.composite.name = "epsilon";
  options.composite.params = {{"lrn", form}};
  std::unique_ptr<Session> session;
  LRP_ASSERT_OK(Session::Create(model, options, &session));
  const std::vector<float> a = RandomInput(model, 37);
  double checksum = 0;
  ScopedAllocCounter counter;
  for (int i = 0; i < 5; ++i) {
    Status s = session->Forward(a.data(), a.size());
    if (s.ok()) s = session->Explain(-1, ExplainInit::kLogit);
    if (s.ok()) checksum += session->relevance()[0];
    if (!s.ok()) {
      ADD_FAILURE() << "iteration " << i << ": " << s.ToString();
      break;
    }
  }
  EXPECT_EQ(counter.allocations(), 0u);
  EXPECT_EQ(counter.deallocations(), 0u);
  EXPECT_FALSE(std::isnan(checksum)) << "relevance is NaN";
}

INSTANTIATE_TEST_SUITE_P(LrnForms, ExplainZeroAllocLrnTest,
                         ::testing::Combine(::testing::Values("taylor", "taylor-unnormalized",
                                                              "identity"),
                                            ::testing::Values(1, 2)),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, int>>& info) {
                           std::string n = std::get<0>(info.param);
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n + "_threads" + std::to_string(std::get<1>(info.param));
                         });

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
