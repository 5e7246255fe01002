#include "tests/lrp/rlrp_oracle.h"

#include <cmath>
#include <limits>

namespace lrp {
namespace test {
namespace rlrp {
namespace {

using oracle::Vec;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Total(const Vec& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

void AddInto(const Vec& v, Vec* dst) {
  if (dst->empty()) dst->assign(v.size(), 0.0);
  for (size_t i = 0; i < v.size(); ++i) (*dst)[i] += v[i];
}

struct Pending {
  const Residual* residual = nullptr;
  Vec branch;                        // relevance the branch gave block_input
  double to_skip = 0, to_branch = 0;  // what the Add gave its inputs
};

}  // namespace

bool Explain(const Model& model, const std::vector<float>& input, int target, ExplainInit init,
             const std::vector<Residual>& residuals, double eps, Result* out,
             std::string* error, const std::vector<oracle::Vec>* activations) {
  oracle::NetResult net;
  if (activations) {
    net.act = *activations;
  } else if (!oracle::Forward(model, input, &net, error)) {
    return false;
  }
  const auto& layers = model.layers();
  const auto& tensors = model.tensors();
  const size_t n = layers.size();
  const size_t explained = n > 0 && layers[n - 1].kind == LayerKind::kSoftmax ? n - 1 : n;
  const uint32_t logits = layers[explained - 1].output;
  const Vec& f = net.act[logits];
  if (target < 0) {
    target = 0;
    for (size_t k = 1; k < f.size(); ++k) {
      if (f[k] > f[target]) target = static_cast<int>(k);
    }
  }
  out->target = target;
  out->rel.assign(tensors.size(), Vec());
  out->factor.assign(n, kNaN);
  out->branch_scale.assign(n, kNaN);
  out->rel[logits].assign(f.size(), 0.0);
  out->rel[logits][target] = init == ExplainInit::kLogit ? f[target] : 1.0;

  std::vector<int> producer(tensors.size(), -1);
  for (size_t i = 0; i < explained; ++i) producer[layers[i].output] = static_cast<int>(i);
  std::vector<Pending> pending(residuals.size());
  for (size_t k = 0; k < residuals.size(); ++k) pending[k].residual = &residuals[k];

  // s = sum R_branch_input * (skip's factor) / sum(branch at x); x += s * branch.
  auto merge = [&](int before) {
    for (Pending& p : pending) {
      const Residual& r = *p.residual;
      if (producer[r.block_input] != before || p.branch.empty()) continue;
      Vec& x = out->rel[r.block_input];
      if (x.empty()) x.assign(p.branch.size(), 0.0);
      const double skip_factor = Total(x) / p.to_skip;
      const double s = p.to_branch * skip_factor / Total(p.branch);
      out->branch_scale[r.add_layer] = s;
      for (size_t i = 0; i < x.size(); ++i) x[i] += s * p.branch[i];
      p.branch.clear();
    }
  };

  for (size_t i = explained; i-- > 0;) {
    merge(static_cast<int>(i));
    const LayerDesc& l = layers[i];
    const Vec& r = out->rel[l.output];
    if (r.empty()) continue;
    const Vec& a = net.act[l.inputs[0]];
    const Shape& in = tensors[l.inputs[0]].shape;
    std::vector<Vec> given(l.inputs.size());
    switch (l.kind) {
      case LayerKind::kConv2D:
      case LayerKind::kDense: {  // R_j = a_j sum_k w_jk R_k
        const oracle::WeightedLayer w = oracle::WeightedFromLayer(model, l);
        const Vec c = w.op.Transposed(w.w, r);
        given[0].assign(a.size(), 0.0);
        for (size_t j = 0; j < a.size(); ++j) given[0][j] = a[j] * c[j];
        break;
      }
      case LayerKind::kBatchNorm: {  // y = w x + c per channel: R = a w R
        const size_t channels = static_cast<size_t>(in.dims[in.rank - 1]);
        given[0].assign(a.size(), 0.0);
        for (size_t j = 0; j < a.size(); ++j) {
          const size_t c = j % channels;
          const double w = double{l.buffers.data[2][c]} /
                           std::sqrt(double{l.buffers.data[1][c]} + l.params.epsilon);
          given[0][j] = a[j] * w * r[j];
        }
        break;
      }
      case LayerKind::kAvgPool2D:
      case LayerKind::kGlobalAvgPool: {  // R = a J^T R (J^T = the pool's gradient)
        const LayerParams p =
            l.kind == LayerKind::kAvgPool2D ? l.params : oracle::GlobalPoolWindow(in);
        const Vec c = oracle::AvgPoolGradient(in, p, r);
        given[0].assign(a.size(), 0.0);
        for (size_t j = 0; j < a.size(); ++j) given[0][j] = a[j] * c[j];
        break;
      }
      case LayerKind::kMaxPool2D:
        given[0] = oracle::MaxPoolWinnerTakeAll(in, l.params, a, r);
        break;
      case LayerKind::kAdd: {
        oracle::AddNorm(a, net.act[l.inputs[1]], r, eps, &given[0], &given[1]);
        for (Pending& p : pending) {
          if (p.residual->add_layer != i) continue;
          p.to_skip = Total(given[p.residual->skip_input]);
          p.to_branch = Total(given[1 - p.residual->skip_input]);
        }
        break;
      }
      case LayerKind::kConcat: {
        const size_t total = static_cast<size_t>(tensors[l.output].shape.dims[tensors[l.output].shape.rank - 1]);
        size_t offset = 0;
        for (size_t k = 0; k < l.inputs.size(); ++k) {
          const Shape& s = tensors[l.inputs[k]].shape;
          const size_t width = static_cast<size_t>(s.dims[s.rank - 1]);
          given[k].assign(s.elements(), 0.0);
          for (size_t j = 0; j < s.elements(); ++j) {
            given[k][j] = r[j / width * total + offset + j % width];
          }
          offset += width;
        }
        break;
      }
      default:  // activations, Reshape, LRN, Softmax: pass
        given[0] = r;
        break;
    }
    double sum_given = 0;
    for (size_t k = 0; k < l.inputs.size(); ++k) {
      sum_given += Total(given[k]);
      Vec* dst = &out->rel[l.inputs[k]];
      for (Pending& p : pending) {
        const Residual& res = *p.residual;
        for (size_t reader : res.branch_readers) {
          if (reader == i && l.inputs[k] == res.block_input) dst = &p.branch;
        }
      }
      AddInto(given[k], dst);
    }
    out->factor[i] = sum_given / Total(r);
  }
  merge(-1);
  return true;
}

}  // namespace rlrp
}  // namespace test
}  // namespace lrp
