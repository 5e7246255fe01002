#include "tests/lrp/explain_harness.h"

#include <cmath>
#include <sstream>

namespace lrp {
namespace test {

std::vector<float> Dyadic(Rng* rng, size_t n, double lo, double hi, int denom) {
  const int k_lo = static_cast<int>(std::ceil(lo * denom));
  const int k_hi = static_cast<int>(std::floor(hi * denom));
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng->Int(k_lo, k_hi)) / static_cast<float>(denom);
  return v;
}

Status CreateExplainSession(const Model& model, const Composite& composite, bool keep_relevance,
                            std::unique_ptr<Session>* out) {
  SessionOptions options;
  options.mode = Mode::kExplain;
  options.composite = composite;
  options.keep_relevance = keep_relevance;
  return Session::Create(model, options, out);
}

Composite WithOverride(const std::string& base, const std::string& layer, const Rule& rule) {
  Composite c;
  c.name = base;
  LayerSelector selector;
  selector.name = layer;
  c.overrides.push_back({selector, rule});
  return c;
}

Status ExplainSeed(Session* session, const oracle::Vec& seed, const std::vector<uint32_t>& tensors,
                   std::vector<oracle::Vec>* out) {
  const Model& model = session->model();
  out->assign(tensors.size() + 1, oracle::Vec());
  (*out)[0].assign(model.input_shape().elements(), 0.0);
  for (size_t i = 0; i < tensors.size(); ++i) {
    (*out)[i + 1].assign(model.tensors()[tensors[i]].shape.elements(), 0.0);
  }
  for (size_t t = 0; t < seed.size(); ++t) {
    if (seed[t] == 0) continue;
    LRP_RETURN_IF_ERROR(session->Explain(static_cast<int>(t), ExplainInit::kOne));
    const float* r = session->relevance();
    if (r == nullptr) return Status(StatusCode::kInternal, "relevance() is null");
    for (size_t j = 0; j < (*out)[0].size(); ++j) (*out)[0][j] += seed[t] * r[j];
    for (size_t i = 0; i < tensors.size(); ++i) {
      const float* ri = session->tensor_relevance(tensors[i]);
      if (ri == nullptr) {
        return Status(StatusCode::kInternal,
                      "tensor_relevance(" + std::to_string(tensors[i]) + ") is null");
      }
      oracle::Vec& dst = (*out)[i + 1];
      for (size_t j = 0; j < dst.size(); ++j) dst[j] += seed[t] * ri[j];
    }
  }
  return Status::Ok();
}

::testing::AssertionResult NearByMax(const oracle::Vec& actual, const oracle::Vec& expected,
                                     double tol) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "size " << actual.size() << " vs expected " << expected.size();
  }
  double scale = 0;
  for (double e : expected) scale = std::max(scale, std::fabs(e));
  size_t worst = 0;
  double worst_err = -1;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!std::isfinite(actual[i])) {
      return ::testing::AssertionFailure()
             << "element " << i << " is " << actual[i] << " (expected " << expected[i] << ")";
    }
    const double err = std::fabs(actual[i] - expected[i]);
    if (err > worst_err) {
      worst_err = err;
      worst = i;
    }
  }
  // The floor keeps rounding residue of exactly cancelling sums (expected
  // ~1e-17 where the truth is 0) from counting as a mismatch.
  const double bound = tol * scale + 1e-9;
  if (actual.empty() || worst_err <= bound) return ::testing::AssertionSuccess();
  size_t bad = 0;
  for (size_t i = 0; i < actual.size(); ++i) bad += std::fabs(actual[i] - expected[i]) > bound;
  std::ostringstream os;
  os.precision(9);
  os << bad << " of " << actual.size() << " elements off by more than " << bound << " (tol " << tol
     << " x max|expected| " << scale << "); worst: element " << worst << " = " << actual[worst]
     << ", expected " << expected[worst];
  return ::testing::AssertionFailure() << os.str();
}

::testing::AssertionResult AllFinite(const float* data, size_t n) {
  if (data == nullptr) return ::testing::AssertionFailure() << "null buffer";
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      return ::testing::AssertionFailure() << "element " << i << " of " << n << " is " << data[i];
    }
  }
  return ::testing::AssertionSuccess();
}

std::string Describe(const Rule& rule) {
  std::ostringstream os;
  os << RuleKindName(rule.kind) << " eps=" << rule.epsilon << (rule.epsilon_rms ? " (rms)" : "")
     << " gamma=" << rule.gamma << " alpha=" << rule.alpha << " beta=" << rule.beta
     << " stab=" << rule.stabilizer << " zero_bias=" << rule.zero_bias << " low=[";
  for (float v : rule.low) os << v << ' ';
  os << "] high=[";
  for (float v : rule.high) os << v << ' ';
  os << "] proportional_max=" << rule.proportional_max;
  return os.str();
}

}  // namespace test
}  // namespace lrp
