// lrp_bench_baseline: how much does lrp's forward pass cost on top of the
// XNNPACK operators it is built from?
//
// In one process it builds a zoo model, runs it through an lrp::Session, and
// builds the same network a second time directly from XNNPACK operators with
// the same weights (read out of the lrp::Model, so there is one weight
// generator). Runs alternate between the two so that frequency
// scaling, thermal state and cache warmth affect both alike. The raw side is
// what a hand-written XNNPACK program would do: one operator per layer,
// created and set up once, activations reused once dead, no copies.
//
//   lrp_bench_baseline --model vgg16 --iterations 10 --threads 1 [--json]

#include <xnnpack.h>
#include <pthreadpool.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/model_builder.h"
#include "lrp/session.h"
#include "lrp/status.h"
#include "tools/zoo/zoo.h"

namespace lrp {
namespace bench {
namespace {

// The check's threshold: both sides run the same XNNPACK kernels on the same
// data, so anything beyond rounding noise means the two networks differ.
constexpr double kMaxRelativeDiff = 1e-4;

struct Options {
  std::string model = "vgg16";
  int iterations = 10;
  int warmup = 2;
  int threads = 1;
  uint64_t seed = 1;
  bool json = false;
};

// ---------------------------------------------------------------------------
// The network built from raw XNNPACK operators.
// ---------------------------------------------------------------------------

class RawNet {
 public:
  RawNet() = default;
  RawNet(const RawNet&) = delete;
  RawNet& operator=(const RawNet&) = delete;
  ~RawNet() {
    for (xnn_operator_t op : ops_) xnn_delete_operator(op);
    for (void* p : slots_) std::free(p);
  }

  // Plans the buffers, creates every operator and sets it up at its final
  // addresses. `pool` may be null (run in the caller) and must outlive this.
  Status Build(const Model& model, pthreadpool_t pool);

  // Copies the input (as lrp::Session::Forward does) and runs every operator.
  Status Run(const float* input, size_t count);

  const float* output() const { return data_[output_]; }
  size_t output_size() const { return output_size_; }

 private:
  Status PlanBuffers(const Model& model);
  Status CreateOp(const Model& model, const LayerDesc& layer);

  pthreadpool_t pool_ = nullptr;
  std::vector<xnn_operator_t> ops_;
  std::vector<void*> slots_;   // owned, 64-byte aligned, padded
  std::vector<float*> data_;   // per tensor, points into a slot
  uint32_t input_ = 0, output_ = 0;
  size_t input_size_ = 0, output_size_ = 0;
};

Status XnnError(const std::string& what, xnn_status s) {
  return Status(StatusCode::kBackendError,
                what + " failed with xnn_status " + std::to_string(s));
}

// A greedy first-fit plan like any careful hand-written program: a tensor
// takes the smallest free buffer that holds it; a Reshape's output is its
// input's buffer (it is a reinterpretation); a buffer is free after the last
// layer that reads any tensor living in it.
Status RawNet::PlanBuffers(const Model& model) {
  const std::vector<TensorDesc>& tensors = model.tensors();
  const std::vector<LayerDesc>& layers = model.layers();
  const size_t n = tensors.size();
  std::vector<uint32_t> root(n);
  for (uint32_t t = 0; t < n; ++t) root[t] = t;
  for (const LayerDesc& l : layers) {
    if (l.kind == LayerKind::kReshape) root[l.output] = root[l.inputs[0]];
  }
  constexpr size_t kForever = std::numeric_limits<size_t>::max();
  std::vector<size_t> last_use(n, 0);
  for (size_t i = 0; i < layers.size(); ++i) {
    for (uint32_t t : layers[i].inputs) {
      last_use[root[t]] = std::max(last_use[root[t]], i);
    }
  }
  last_use[root[model.output()]] = kForever;

  std::vector<size_t> slot_bytes;
  std::vector<int> slot_of(n, -1), free_slots;
  auto assign = [&](uint32_t t) {
    const size_t bytes = tensors[t].shape.elements() * sizeof(float);
    int best = -1;
    for (int s : free_slots) {
      if (slot_bytes[s] >= bytes && (best < 0 || slot_bytes[s] < slot_bytes[best])) {
        best = s;
      }
    }
    if (best < 0) {
      best = static_cast<int>(slot_bytes.size());
      slot_bytes.push_back(bytes);
    } else {
      free_slots.erase(std::find(free_slots.begin(), free_slots.end(), best));
    }
    slot_of[t] = best;
  };
  assign(model.input());
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerDesc& l = layers[i];
    if (root[l.output] == l.output) assign(l.output);
    for (uint32_t t : l.inputs) {
      const uint32_t r = root[t];
      if (last_use[r] == i && slot_of[r] >= 0 &&
          std::find(free_slots.begin(), free_slots.end(), slot_of[r]) ==
              free_slots.end()) {
        free_slots.push_back(slot_of[r]);
      }
    }
  }

  for (size_t bytes : slot_bytes) {
    // XNNPACK may read (never write) XNN_EXTRA_BYTES past any buffer.
    const size_t padded = (bytes + XNN_EXTRA_BYTES + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, padded);
    if (p == nullptr) return Status(StatusCode::kBackendError, "out of memory");
    std::memset(p, 0, padded);
    slots_.push_back(p);
  }
  data_.assign(n, nullptr);
  for (uint32_t t = 0; t < n; ++t) {
    if (slot_of[root[t]] >= 0) {
      data_[t] = static_cast<float*>(slots_[slot_of[root[t]]]);
    }
  }
  return Status::Ok();
}

void ActivationRange(Activation a, float* lo, float* hi) {
  const float inf = std::numeric_limits<float>::infinity();
  *lo = a == Activation::kNone ? -inf : 0.0f;
  *hi = a == Activation::kRelu6 ? 6.0f : inf;
}

// Creates and sets up the operator the runtime uses for `layer`.
Status RawNet::CreateOp(const Model& model, const LayerDesc& layer) {
  const LayerParams& p = layer.params;
  const Shape& in = model.tensors()[layer.inputs[0]].shape;
  const Shape& out = model.tensors()[layer.output].shape;
  const float* x = data_[layer.inputs[0]];
  float* y = data_[layer.output];
  float lo = 0.0f, hi = 0.0f;
  ActivationRange(p.activation, &lo, &hi);
  const float inf = std::numeric_limits<float>::infinity();
  xnn_operator_t op = nullptr;
  xnn_status s = xnn_status_success;
  const std::string where = "layer '" + layer.name + "'";

  switch (layer.kind) {
    case LayerKind::kConv2D: {
      const size_t in_c = in.dims[2], out_c = out.dims[2];
      const uint32_t g = p.groups;
      s = xnn_create_convolution2d_nhwc_f32(
          p.padding.top, p.padding.right, p.padding.bottom, p.padding.left,
          p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
          p.dilation_w, g, in_c / g, out_c / g, in_c, out_c,
          layer.buffers.data[0], layer.buffers.data[1], lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_convolution2d_nhwc_f32(op, 1, in.dims[0], in.dims[1], x, y,
                                           pool_);
      break;
    }
    case LayerKind::kDense: {
      const size_t in_f = in.elements(), out_f = out.elements();
      s = xnn_create_fully_connected_nc_f32(in_f, out_f, in_f, out_f,
                                            layer.buffers.data[0],
                                            layer.buffers.data[1], lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_fully_connected_nc_f32(op, 1, x, y, pool_);
      break;
    }
    case LayerKind::kMaxPool2D: {
      const size_t c = in.dims[2];
      s = xnn_create_max_pooling2d_nhwc_f32(
          p.padding.top, p.padding.right, p.padding.bottom, p.padding.left,
          p.kernel_h, p.kernel_w, p.stride_h, p.stride_w, p.dilation_h,
          p.dilation_w, c, c, c, -inf, inf, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_max_pooling2d_nhwc_f32(op, 1, in.dims[0], in.dims[1], x, y,
                                           pool_);
      break;
    }
    case LayerKind::kAdd: {
      const Shape& in2 = model.tensors()[layer.inputs[1]].shape;
      std::vector<size_t> a(in.dims, in.dims + in.rank);
      std::vector<size_t> b(in2.dims, in2.dims + in2.rank);
      s = xnn_create_add_nd_f32(lo, hi, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_add_nd_f32(op, a.size(), a.data(), b.size(), b.data(), x,
                               data_[layer.inputs[1]], y, pool_);
      break;
    }
    case LayerKind::kGlobalAvgPool: {
      const size_t c = in.dims[in.rank - 1];
      s = xnn_create_global_average_pooling_nwc_f32(c, c, c, -inf, inf, 0, &op);
      if (s != xnn_status_success) return XnnError(where + " create", s);
      ops_.push_back(op);
      s = xnn_setup_global_average_pooling_nwc_f32(op, 1, in.elements() / c, x,
                                                   y, pool_);
      break;
    }
    case LayerKind::kReshape:
      return Status::Ok();  // shares its input's buffer, nothing runs
    default:
      return Status(StatusCode::kUnsupported,
                    where + ": the baseline has no raw XNNPACK version of " +
                        LayerKindName(layer.kind));
  }
  if (s != xnn_status_success) return XnnError(where + " setup", s);
  return Status::Ok();
}

Status RawNet::Build(const Model& model, pthreadpool_t pool) {
  pool_ = pool;
  input_ = model.input();
  output_ = model.output();
  input_size_ = model.input_shape().elements();
  output_size_ = model.output_shape().elements();
  LRP_RETURN_IF_ERROR(PlanBuffers(model));
  for (const LayerDesc& layer : model.layers()) {
    LRP_RETURN_IF_ERROR(CreateOp(model, layer));
  }
  return Status::Ok();
}

Status RawNet::Run(const float* input, size_t count) {
  if (count != input_size_) {
    return Status(StatusCode::kInvalidArgument, "raw: wrong input size");
  }
  std::memcpy(data_[input_], input, count * sizeof(float));
  for (xnn_operator_t op : ops_) {
    const xnn_status s = xnn_run_operator(op, pool_);
    if (s != xnn_status_success) return XnnError("xnn_run_operator", s);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Driver.
// ---------------------------------------------------------------------------

struct Stats {
  double median_ms = 0, min_ms = 0;
};

Stats Summarize(std::vector<double> ms) {
  Stats s;
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  s.median_ms = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  s.min_ms = ms.front();
  return s;
}

// A fixed pseudo-random image inside the model's declared per-channel range.
std::vector<float> MakeInput(const Model& model) {
  const Shape& shape = model.input_shape();
  const size_t channels = shape.rank > 0 ? shape.dims[shape.rank - 1] : 1;
  const InputDesc& d = model.input_desc();
  std::vector<float> x(shape.elements());
  uint32_t state = 12345u;
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t c = i % channels;
    const float lo = d.low.empty() ? 0.0f : d.low[d.low.size() == 1 ? 0 : c];
    const float hi = d.high.empty() ? 1.0f : d.high[d.high.size() == 1 ? 0 : c];
    state = state * 1664525u + 1013904223u;
    x[i] = lo + (hi - lo) * static_cast<float>(state >> 8) * 0x1.0p-24f;
  }
  return x;
}

double MaxRelativeDiff(const float* a, const float* b, size_t n) {
  double max_diff = 0.0, max_abs = 0.0;
  for (size_t i = 0; i < n; ++i) {
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    max_abs = std::max(max_abs, std::fabs(static_cast<double>(b[i])));
  }
  return max_abs > 0.0 ? max_diff / max_abs : max_diff;
}

double ElapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--model" && has_value) {
      o->model = argv[++i];
    } else if (arg == "--iterations" && has_value) {
      o->iterations = std::atoi(argv[++i]);
    } else if (arg == "--warmup" && has_value) {
      o->warmup = std::atoi(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      o->threads = std::atoi(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      o->seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      return false;
    }
  }
  return o->iterations > 0 && o->warmup >= 0 && o->threads > 0;
}

void Usage() {
  std::fprintf(stderr,
               "usage: lrp_bench_baseline [--model NAME] [--iterations N] "
               "[--warmup N] [--threads T] [--seed S] [--json]\n"
               "  times lrp::Session::Forward against the same network built "
               "from raw XNNPACK operators\n  models:");
  for (const zoo::ZooEntry& e : zoo::Entries()) {
    std::fprintf(stderr, " %s", e.name);
  }
  std::fprintf(stderr, "\n");
}

int Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "lrp_bench_baseline: %s: %s\n", what,
               s.ToString().c_str());
  return 1;
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) {
    Usage();
    return 2;
  }

  ModelBuilder builder;
  Status s = zoo::Build(o.model, o.seed, &builder);
  if (!s.ok()) return Fail("zoo", s);
  std::vector<uint8_t> bytes;
  s = builder.Finish(&bytes);
  if (!s.ok()) return Fail("build", s);
  Model model;
  s = Model::FromBytes(std::move(bytes), &model);
  if (!s.ok()) return Fail("load", s);

  SessionOptions session_options;
  session_options.mode = Mode::kForward;
  session_options.threads = o.threads;
  std::unique_ptr<Session> session;
  s = Session::Create(model, session_options, &session);
  if (!s.ok()) return Fail("session", s);

  // The Session has initialized XNNPACK with lrp's allocator; this call only
  // makes the raw side's use of XNNPACK correct on its own terms.
  if (xnn_initialize(nullptr) != xnn_status_success) {
    return Fail("xnn_initialize", Status(StatusCode::kBackendError, "failed"));
  }
  pthreadpool_t pool = o.threads > 1 ? pthreadpool_create(o.threads) : nullptr;
  double raw_max_diff = 0.0;
  std::vector<double> lrp_ms, raw_ms;
  {
    RawNet raw;
    s = raw.Build(model, pool);
    if (!s.ok()) return Fail("raw xnnpack", s);

    const std::vector<float> input = MakeInput(model);
    for (int i = 0; i < o.warmup + o.iterations; ++i) {
      auto start = std::chrono::steady_clock::now();
      s = session->Forward(input.data(), input.size());
      const double lrp_time = ElapsedMs(start);
      if (!s.ok()) return Fail("lrp forward", s);
      start = std::chrono::steady_clock::now();
      s = raw.Run(input.data(), input.size());
      const double raw_time = ElapsedMs(start);
      if (!s.ok()) return Fail("raw forward", s);
      if (i >= o.warmup) {
        lrp_ms.push_back(lrp_time);
        raw_ms.push_back(raw_time);
      }
    }
    if (session->output_size() != raw.output_size()) {
      return Fail("check", Status(StatusCode::kInternal, "output sizes differ"));
    }
    raw_max_diff =
        MaxRelativeDiff(session->output(), raw.output(), raw.output_size());
  }
  if (pool != nullptr) pthreadpool_destroy(pool);
  // No xnn_deinitialize: the Session still owns XNNPACK's state.

  const Stats lrp = Summarize(lrp_ms), raw = Summarize(raw_ms);
  const double ratio = raw.median_ms > 0 ? lrp.median_ms / raw.median_ms : 0;
  const size_t arena = session->arena_report().total;
  if (o.json) {
    std::printf(
        "{\"model\": \"%s\", \"threads\": %d, \"iterations\": %d, "
        "\"lrp_median_ms\": %.3f, \"lrp_min_ms\": %.3f, "
        "\"raw_median_ms\": %.3f, \"raw_min_ms\": %.3f, \"ratio\": %.4f, "
        "\"max_rel_diff\": %.3e, \"arena_bytes\": %zu}\n",
        o.model.c_str(), o.threads, o.iterations, lrp.median_ms, lrp.min_ms,
        raw.median_ms, raw.min_ms, ratio, raw_max_diff, arena);
  } else {
    std::printf("model %s, threads %d, %d iterations (+%d warm-up)\n",
                o.model.c_str(), o.threads, o.iterations, o.warmup);
    std::printf("  lrp forward   median %9.3f ms   min %9.3f ms   arena %zu B\n",
                lrp.median_ms, lrp.min_ms, arena);
    std::printf("  raw XNNPACK   median %9.3f ms   min %9.3f ms\n",
                raw.median_ms, raw.min_ms);
    std::printf("  ratio lrp/raw (medians) %.3f\n", ratio);
    std::printf("  max |lrp - raw| / max |raw| = %.3e\n", raw_max_diff);
  }
  if (!(raw_max_diff <= kMaxRelativeDiff)) {
    std::fprintf(stderr, "lrp_bench_baseline: outputs differ (%.3e > %.0e)\n",
                 raw_max_diff, kMaxRelativeDiff);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace lrp

int main(int argc, char** argv) { return lrp::bench::Main(argc, argv); }
