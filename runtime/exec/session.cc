// Session creation: plan -> arena layout -> operators at fixed addresses.
//
// Arena layout (each region 64-byte aligned):
//   [ tables: State, ExecNode[L], tensor pointers, operator handles ]
//   [ activations (Plan) ][ relevance (Plan, explain mode) ]
//   [ XNNPACK: packed weights, operator objects, indirection buffers ]
// The first three are computed; the last is measured by creating the
// operators once with a measuring allocator (runtime/xnn/arena_allocator.h).
#include "lrp/session.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include <pthreadpool.h>

#include "runtime/exec/forward_ops.h"
#include "runtime/plan/planner.h"
#include "runtime/xnn/arena_allocator.h"
#include "runtime/xnn/xnn_init.h"

namespace lrp {

using internal::ExecNode;

struct Session::State {
  pthreadpool_t pool = nullptr;
  ExecNode* nodes = nullptr;
  uint32_t num_nodes = 0;
  float** tensors = nullptr;
  float* input = nullptr;
  const float* output = nullptr;
  size_t input_size = 0;
  size_t output_size = 0;
};

namespace {

constexpr size_t kAlign = 64;
constexpr int kMaxThreads = 256;

size_t Align(size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

struct ArenaLayout {
  size_t state = 0, nodes = 0, tensors = 0, ops = 0;  // offsets in the tables
  size_t activations = 0, relevance = 0, xnnpack = 0;  // region offsets
};

ArenaLayout Layout(const Model& model, const internal::Plan& plan) {
  ArenaLayout a;
  size_t total_ops = 0;
  for (const LayerDesc& l : model.layers()) total_ops += internal::OperatorCount(l);
  a.state = 0;
  a.nodes = Align(sizeof(Session::State));
  a.tensors = Align(a.nodes + sizeof(ExecNode) * model.layers().size());
  a.ops = Align(a.tensors + sizeof(float*) * model.tensors().size());
  a.activations = Align(a.ops + sizeof(xnn_operator_t) * total_ops);
  a.relevance = Align(a.activations + plan.activation_bytes);
  a.xnnpack = Align(a.relevance + plan.relevance_bytes);
  return a;
}

void ReleaseAll(Session::State* state) {
  if (!state) return;
  for (uint32_t i = 0; i < state->num_nodes; ++i) internal::ReleaseNode(&state->nodes[i]);
  state->num_nodes = 0;
}

}  // namespace

// Builds the tables and operators in [base, base + capacity). With a
// measuring allocator, base only needs to cover the computed regions.
static Status Build(const Model& model, const internal::Plan& plan, const ArenaLayout& layout,
                    pthreadpool_t pool, uint8_t* base, internal::ArenaAllocator* allocator,
                    Session::State** out) {
  auto* state = new (base + layout.state) Session::State();
  state->pool = pool;
  state->nodes = reinterpret_cast<ExecNode*>(base + layout.nodes);
  state->tensors = reinterpret_cast<float**>(base + layout.tensors);
  auto* ops = reinterpret_cast<xnn_operator_t*>(base + layout.ops);

  const auto& tensors = model.tensors();
  std::vector<bool> has_buffer(tensors.size(), false);
  has_buffer[model.input()] = true;
  for (const LayerDesc& l : model.layers()) has_buffer[l.output] = true;
  for (size_t t = 0; t < tensors.size(); ++t) {
    state->tensors[t] = has_buffer[t] ? reinterpret_cast<float*>(
                                            base + layout.activations + plan.activation_offset[t])
                                      : nullptr;
  }
  state->input = state->tensors[model.input()];
  state->output = state->tensors[model.output()];
  state->input_size = tensors[model.input()].shape.elements();
  state->output_size = tensors[model.output()].shape.elements();

  internal::ScopedArenaAllocator scope(allocator);
  const uint32_t num_layers = static_cast<uint32_t>(model.layers().size());
  for (uint32_t i = 0; i < num_layers; ++i) {
    ExecNode* node = new (&state->nodes[i]) ExecNode();
    node->ops = ops;
    node->num_ops = internal::OperatorCount(model.layers()[i]);
    for (uint32_t k = 0; k < node->num_ops; ++k) ops[k] = nullptr;
    ops += node->num_ops;
    state->num_nodes = i + 1;
    Status s = internal::PrepareNode(model, i, state->tensors, pool, node);
    if (!s.ok() || allocator->exhausted()) {
      ReleaseAll(state);
      if (allocator->exhausted()) return Status(StatusCode::kArenaTooSmall, "arena exhausted");
      return s;
    }
  }
  *out = state;
  return Status::Ok();
}

const char* ModeName(Mode mode) { return mode == Mode::kExplain ? "explain" : "forward"; }

static Status CheckOptions(const SessionOptions& options) {
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return Status(StatusCode::kInvalidArgument,
                  "threads = " + std::to_string(options.threads) + " is outside [1, 256]");
  }
  if (options.mode != Mode::kForward && options.mode != Mode::kExplain) {
    return Status(StatusCode::kInvalidArgument, "unknown mode");
  }
  return Status::Ok();
}

static pthreadpool_t CreatePool(int threads) {
  return threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;
}

// Dry creation with the measuring allocator; fills everything but `total`'s
// dependence on the real arena (there is none: the layout is fixed).
static Status Measure(const Model& model, const internal::Plan& plan, pthreadpool_t pool,
                      ArenaReport* report) {
  const ArenaLayout layout = Layout(model, plan);
  void* scratch = nullptr;
  if (posix_memalign(&scratch, kAlign, layout.xnnpack) != 0) {
    return Status(StatusCode::kBackendError, "out of memory while measuring the arena");
  }
  internal::ArenaAllocator measuring;
  Session::State* state = nullptr;
  Status s = Build(model, plan, layout, pool, static_cast<uint8_t*>(scratch), &measuring, &state);
  ReleaseAll(state);
  std::free(scratch);
  LRP_RETURN_IF_ERROR(s);
  report->activations = plan.activation_bytes;
  report->relevance = plan.relevance_bytes;
  report->activation_bytes_unplanned = plan.unplanned_bytes;
  report->total = Align(layout.xnnpack + measuring.used());
  report->operators = report->total - report->activations - report->relevance;
  return Status::Ok();
}

Status Session::RequiredArena(const Model& model, const SessionOptions& options,
                              ArenaReport* report) {
  LRP_RETURN_IF_ERROR(CheckOptions(options));
  LRP_RETURN_IF_ERROR(internal::EnsureXnnInitialized());
  const internal::Plan plan = internal::MakePlan(model, options.mode);
  pthreadpool_t pool = CreatePool(options.threads);
  Status s = Measure(model, plan, pool, report);
  if (pool) pthreadpool_destroy(pool);
  return s;
}

Status Session::Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out) {
  LRP_RETURN_IF_ERROR(CheckOptions(options));
  if (options.arena && reinterpret_cast<uintptr_t>(options.arena) % kAlign != 0) {
    return Status(StatusCode::kInvalidArgument, "the arena must be 64-byte aligned");
  }
  LRP_RETURN_IF_ERROR(internal::EnsureXnnInitialized());
  const internal::Plan plan = internal::MakePlan(model, options.mode);
  const ArenaLayout layout = Layout(model, plan);

  std::unique_ptr<Session> session(new Session());
  session->model_ = &model;
  session->options_ = options;
  pthreadpool_t pool = CreatePool(options.threads);
  if (options.threads > 1 && !pool) {
    return Status(StatusCode::kBackendError, "cannot create a pool of " +
                                                 std::to_string(options.threads) + " threads");
  }
  uint8_t* base = static_cast<uint8_t*>(options.arena);
  Status s;
  if (base) {
    // Caller's arena: build in place; measure only to report a shortfall.
    if (options.arena_bytes >= layout.xnnpack) {
      internal::ArenaAllocator allocator(base + layout.xnnpack,
                                         options.arena_bytes - layout.xnnpack);
      s = Build(model, plan, layout, pool, base, &allocator, &session->state_);
      ArenaReport& r = session->report_;
      r.activations = plan.activation_bytes;
      r.relevance = plan.relevance_bytes;
      r.activation_bytes_unplanned = plan.unplanned_bytes;
      r.total = Align(layout.xnnpack + allocator.used());
      r.operators = r.total - r.activations - r.relevance;
    } else {
      s = Status(StatusCode::kArenaTooSmall, "");
    }
    if (s.code() == StatusCode::kArenaTooSmall) {
      ArenaReport needed;
      s = Measure(model, plan, pool, &needed);
      if (s.ok()) {
        s = Status(StatusCode::kArenaTooSmall,
                   "the arena has " + std::to_string(options.arena_bytes) +
                       " bytes; this model in " + ModeName(options.mode) + " mode with " +
                       std::to_string(options.threads) + " thread(s) needs " +
                       std::to_string(needed.total));
      }
    }
  } else {
    // Own arena: measure, allocate exactly that, build.
    s = Measure(model, plan, pool, &session->report_);
    if (s.ok()) {
      void* block = nullptr;
      if (posix_memalign(&block, kAlign, session->report_.total) != 0) {
        s = Status(StatusCode::kBackendError, "cannot allocate an arena of " +
                                                  std::to_string(session->report_.total) +
                                                  " bytes");
      }
      base = session->owned_arena_ = static_cast<uint8_t*>(block);
    }
    if (s.ok()) {
      internal::ArenaAllocator allocator(base + layout.xnnpack,
                                         session->report_.total - layout.xnnpack);
      s = Build(model, plan, layout, pool, base, &allocator, &session->state_);
      if (s.code() == StatusCode::kArenaTooSmall) {
        s = Status(StatusCode::kInternal, "the measured arena size was not enough");
      }
    }
  }
  if (!s.ok()) {
    if (pool) pthreadpool_destroy(pool);
    return s;  // ~Session frees the owned arena
  }
  *out = std::move(session);
  return Status::Ok();
}

Session::~Session() {
  if (state_) {
    ReleaseAll(state_);
    if (state_->pool) pthreadpool_destroy(state_->pool);
  }
  std::free(owned_arena_);
}

Status Session::Forward() {
  const State& s = *state_;
  for (uint32_t i = 0; i < s.num_nodes; ++i) {
    LRP_RETURN_IF_ERROR(internal::RunNode(s.nodes[i], s.pool));
  }
  return Status::Ok();
}

Status Session::Forward(const float* input, size_t count) {
  if (input == nullptr) return Status(StatusCode::kInvalidArgument, "input is null");
  if (count != state_->input_size) {
    return Status(StatusCode::kInvalidArgument,
                  "input has " + std::to_string(count) + " values, the model expects " +
                      std::to_string(state_->input_size) + " " + model_->input_shape().ToString());
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(input[i])) {
      return Status(StatusCode::kInvalidArgument,
                    "input value " + std::to_string(i) + " is NaN or infinite");
    }
  }
  std::memcpy(state_->input, input, count * sizeof(float));
  return Forward();
}

float* Session::input() { return state_->input; }
size_t Session::input_size() const { return state_->input_size; }
const float* Session::output() const { return state_->output; }
size_t Session::output_size() const { return state_->output_size; }

const float* Session::tensor(uint32_t index) const {
  return index < model_->tensors().size() ? state_->tensors[index] : nullptr;
}

}  // namespace lrp
