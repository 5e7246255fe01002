// A double-precision reference of R-LRP-P (RULES.md section 5), written from
// the document with plain loops on the primitives of tests/lrp/oracle.h. It
// shares no code with runtime/: no rescaling (double has the range the
// small test networks need), factors measured as sums of what each layer
// gave, and the residual structure given by the test rather than detected.
#ifndef LRP_TESTS_LRP_RLRP_ORACLE_H_
#define LRP_TESTS_LRP_RLRP_ORACLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lrp/explain.h"
#include "lrp/model.h"
#include "tests/lrp/oracle.h"

namespace lrp {
namespace test {
namespace rlrp {

// A residual Add whose branch the oracle equalizes (§5.3): the branch's
// relevance at block_input is everything the branch_readers give it.
struct Residual {
  size_t add_layer = 0;
  uint32_t block_input = 0;
  int skip_input = 0;                // which Add input is the skip path
  std::vector<size_t> branch_readers;  // layers reading block_input on the branch
};

struct Result {
  std::vector<oracle::Vec> rel;       // per tensor, unscaled (empty: not reached)
  std::vector<double> factor;         // per layer: sum given / sum received (NaN: none)
  std::vector<double> branch_scale;   // per layer: the Add's branch scalar (NaN: none)
  int target = -1;
};

// Forward in double, then R-LRP from logit `target` (-1: the largest) of the
// input of a final Softmax (else the output); Add stabilizer `eps`.
// `activations` (optional, per tensor) replaces the forward pass: deep
// networks then take the same ReLU decisions and Add splits as the float
// forward they are compared with (an Add's split u / (u + v) amplifies
// any difference in u + v near 0).
bool Explain(const Model& model, const std::vector<float>& input, int target, ExplainInit init,
             const std::vector<Residual>& residuals, double eps, Result* out,
             std::string* error, const std::vector<oracle::Vec>* activations = nullptr);

}  // namespace rlrp
}  // namespace test
}  // namespace lrp

#endif  // LRP_TESTS_LRP_RLRP_ORACLE_H_
