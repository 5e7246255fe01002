// Helpers the LRP tests share: exact-in-float test data, explain-mode
// sessions, seeding an arbitrary relevance vector at the logits, and
// tolerance checks against the double-precision oracle.
#ifndef LRP_TESTS_LRP_EXPLAIN_HARNESS_H_
#define LRP_TESTS_LRP_EXPLAIN_HARNESS_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lrp/lrp.h"
#include "tests/lrp/oracle.h"
#include "tests/support/test_models.h"

namespace lrp {
namespace test {

// `n` values k / denom with k uniform in [lo * denom, hi * denom]. Sums of
// products of a few hundred such values are exact in float whatever the
// summation order (FMA included), so the runtime's pre-activations equal the
// oracle's bit for bit and every sign decision (ReLU, Gamma's masks, the
// stabilizer's sign, max-pool ties) is taken the same way on both sides.
std::vector<float> Dyadic(Rng* rng, size_t n, double lo, double hi, int denom);

// An explain-mode Session.
Status CreateExplainSession(const Model& model, const Composite& composite, bool keep_relevance,
                            std::unique_ptr<Session>* out);

// `base` with `rule` on the layer named `layer`.
Composite WithOverride(const std::string& base, const std::string& layer, const Rule& rule);

// Relevance for an arbitrary `seed` at the logits. Every rule is linear in
// the relevance it receives, so this is Σ_t seed[t] · Explain(t, kOne). Reads
// relevance() and, for each of `tensors`, tensor_relevance() (which needs
// keep_relevance). `out` gets the input's relevance first, then the others.
Status ExplainSeed(Session* session, const oracle::Vec& seed, const std::vector<uint32_t>& tensors,
                   std::vector<oracle::Vec>* out);

// max_i |actual_i - expected_i| <= tol * max_i |expected_i| + 1e-9, no
// NaN/Inf, equal lengths. Names the worst element on failure.
::testing::AssertionResult NearByMax(const oracle::Vec& actual, const oracle::Vec& expected,
                                     double tol);

// Every value finite.
::testing::AssertionResult AllFinite(const float* data, size_t n);

// A readable label of a rule for failure messages.
std::string Describe(const Rule& rule);

}  // namespace test
}  // namespace lrp

#endif  // LRP_TESTS_LRP_EXPLAIN_HARNESS_H_
