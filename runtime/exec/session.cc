// Session creation: plan -> arena layout -> operators at fixed addresses.
//
// Arena layout (each region 64-byte aligned):
//   [ tables: State, ExecNode[L], tensor pointers, operator handles,
//     explain tables (relevance_setup.h) ]
//   [ activations (Plan) ][ relevance (Plan) ][ pre-activations ]
//   [ relevance scratch ][ rule constants ]              (explain mode)
//   [ XNNPACK: packed weights, operator objects, indirection buffers ]
// Everything but the last region is computed; the last is measured by
// creating the operators once with a measuring allocator
// (runtime/xnn/arena_allocator.h).
#include "lrp/session.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include <pthreadpool.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ports/os/memory.h"
#include "runtime/exec/forward_ops.h"
#include "runtime/lrp/relevance_setup.h"
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
  internal::ExplainState* explain = nullptr;  // explain mode only
};

namespace {

constexpr size_t kAlign = 64;
constexpr int kMaxThreads = 256;

size_t Align(size_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

// Everything decided before the arena exists.
struct Blueprint {
  std::vector<Rule> rules;
  internal::Plan plan;
  internal::ExplainFootprint footprint;
  bool explain = false;
  // Region offsets.
  size_t nodes = 0, tensors = 0, ops = 0, explain_tables = 0;
  size_t activations = 0, relevance = 0, pre = 0, scratch = 0, constants = 0, xnnpack = 0;
};

float* PreActivation(const Blueprint& bp, uint8_t* base, size_t layer) {
  if (!bp.explain || bp.footprint.pre_offset[layer] == SIZE_MAX) return nullptr;
  return reinterpret_cast<float*>(base + bp.pre + bp.footprint.pre_offset[layer]);
}

Status MakeBlueprint(const Model& model, const SessionOptions& options, Blueprint* bp) {
  bp->explain = options.mode == Mode::kExplain;
  internal::PlanOptions plan_options;
  plan_options.mode = options.mode;
  if (bp->explain) {
    LRP_RETURN_IF_ERROR(ResolveComposite(model, options.composite, &bp->rules));
    bp->footprint = internal::MeasureExplain(model, bp->rules);
    plan_options.explained_layers = bp->footprint.explained_layers;
    plan_options.keep_relevance = options.keep_relevance;
  }
  bp->plan = internal::MakePlan(model, plan_options);

  size_t total_ops = 0;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const bool pre = bp->explain && bp->footprint.pre_offset[i] != SIZE_MAX;
    total_ops += internal::OperatorCount(model.layers()[i], pre);
  }
  bp->nodes = Align(sizeof(Session::State));
  bp->tensors = Align(bp->nodes + sizeof(ExecNode) * model.layers().size());
  bp->ops = Align(bp->tensors + sizeof(float*) * model.tensors().size());
  bp->explain_tables = Align(bp->ops + sizeof(xnn_operator_t) * total_ops);
  bp->activations = Align(bp->explain_tables + (bp->explain ? bp->footprint.table_bytes : 0));
  bp->relevance = Align(bp->activations + bp->plan.activation_bytes);
  bp->pre = Align(bp->relevance + bp->plan.relevance_bytes);
  bp->scratch = Align(bp->pre + (bp->explain ? bp->footprint.pre_bytes : 0));
  bp->constants = Align(bp->scratch + (bp->explain ? bp->footprint.scratch_bytes : 0));
  bp->xnnpack = Align(bp->constants + (bp->explain ? bp->footprint.constant_bytes : 0));
  return Status::Ok();
}

void ReleaseAll(Session::State* state) {
  if (!state) return;
  internal::ReleaseExplain(state->explain);
  for (uint32_t i = 0; i < state->num_nodes; ++i) internal::ReleaseNode(&state->nodes[i]);
  state->num_nodes = 0;
}

void FillReport(const Blueprint& bp, size_t xnnpack_used, ArenaReport* r) {
  r->activations = bp.plan.activation_bytes + (bp.scratch - bp.pre);
  r->relevance = bp.plan.relevance_bytes + (bp.xnnpack - bp.scratch);
  r->activation_bytes_unplanned = bp.plan.unplanned_bytes;
  // Not rounded up: the last XNNPACK block need not end on 64 bytes (its
  // blocks are 16-byte aligned on ARM), and total is the exact minimum.
  r->total = bp.xnnpack + xnnpack_used;
  r->operators = r->total - r->activations - r->relevance;
}

}  // namespace

// Builds the tables and operators in the arena at `base`. With a measuring
// allocator, base only needs to cover the computed regions.
static Status Build(const Model& model, const Blueprint& bp, pthreadpool_t pool, uint8_t* base,
                    internal::ArenaAllocator* allocator, Session::State** out) {
  auto* state = new (base) Session::State();
  state->pool = pool;
  state->nodes = reinterpret_cast<ExecNode*>(base + bp.nodes);
  state->tensors = reinterpret_cast<float**>(base + bp.tensors);
  auto* ops = reinterpret_cast<xnn_operator_t*>(base + bp.ops);

  const auto& tensors = model.tensors();
  std::vector<bool> has_buffer(tensors.size(), false);
  has_buffer[model.input()] = true;
  for (const LayerDesc& l : model.layers()) has_buffer[l.output] = true;
  for (size_t t = 0; t < tensors.size(); ++t) {
    state->tensors[t] = has_buffer[t] ? reinterpret_cast<float*>(
                                            base + bp.activations + bp.plan.activation_offset[t])
                                      : nullptr;
  }
  state->input = state->tensors[model.input()];
  state->output = state->tensors[model.output()];
  state->input_size = tensors[model.input()].shape.elements();
  state->output_size = tensors[model.output()].shape.elements();

  internal::ScopedArenaAllocator scope(allocator);
  const uint32_t num_layers = static_cast<uint32_t>(model.layers().size());
  Status s;
  for (uint32_t i = 0; i < num_layers && s.ok(); ++i) {
    ExecNode* node = new (&state->nodes[i]) ExecNode();
    float* pre = PreActivation(bp, base, i);
    node->ops = ops;
    node->num_ops = internal::OperatorCount(model.layers()[i], pre != nullptr);
    for (uint32_t k = 0; k < node->num_ops; ++k) ops[k] = nullptr;
    ops += node->num_ops;
    state->num_nodes = i + 1;
    s = internal::PrepareNode(model, i, state->tensors, pre, pool, node);
  }
  if (s.ok() && bp.explain) {
    const internal::ExplainRegions regions{base + bp.explain_tables, base + bp.relevance,
                                           base + bp.pre, base + bp.scratch,
                                           base + bp.constants};
    s = internal::BuildExplain(model, bp.rules, bp.footprint, bp.plan, state->tensors, regions,
                               pool, &state->explain);
  }
  if (!s.ok() || allocator->exhausted()) {
    ReleaseAll(state);
    if (allocator->exhausted()) return Status(StatusCode::kArenaTooSmall, "arena exhausted");
    return s;
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

// Dry creation with the measuring allocator.
static Status Measure(const Model& model, const Blueprint& bp, pthreadpool_t pool,
                      ArenaReport* report) {
  void* scratch = nullptr;
  if (posix_memalign(&scratch, kAlign, bp.xnnpack) != 0) {
    return Status(StatusCode::kBackendError, "out of memory while measuring the arena");
  }
  internal::ArenaAllocator measuring;
  Session::State* state = nullptr;
  Status s = Build(model, bp, pool, static_cast<uint8_t*>(scratch), &measuring, &state);
  ReleaseAll(state);
  std::free(scratch);
  bool weighted = false;
  for (const LayerDesc& l : model.layers()) {
    weighted = weighted || l.kind == LayerKind::kConv2D || l.kind == LayerKind::kDense;
  }
  if (s.ok() && weighted && measuring.used() == 0) {
    // XNNPACK takes one allocator per process: someone else initialized it
    // first, so packed weights would live outside the arena, unaccounted.
    s = Status(StatusCode::kBackendError,
               "XNNPACK was initialized before lrp with another allocator; create an lrp "
               "Session (or call RequiredArena) before any other XNNPACK use");
  }
#if defined(__GLIBC__)
  // The dry run packed every weight on the heap; hand those pages back
  // before the arena takes their place, so peak memory is not doubled.
  malloc_trim(0);
#endif
  LRP_RETURN_IF_ERROR(s);
  FillReport(bp, measuring.used(), report);
  return Status::Ok();
}

Status Session::RequiredArena(const Model& model, const SessionOptions& options,
                              ArenaReport* report) {
  LRP_RETURN_IF_ERROR(CheckOptions(options));
  LRP_RETURN_IF_ERROR(internal::EnsureXnnInitialized());
  Blueprint bp;
  LRP_RETURN_IF_ERROR(MakeBlueprint(model, options, &bp));
  pthreadpool_t pool = CreatePool(options.threads);
  Status s = Measure(model, bp, pool, report);
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
  Blueprint bp;
  LRP_RETURN_IF_ERROR(MakeBlueprint(model, options, &bp));

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
    if (options.arena_bytes >= bp.xnnpack) {
      internal::ArenaAllocator allocator(base + bp.xnnpack, options.arena_bytes - bp.xnnpack);
      s = Build(model, bp, pool, base, &allocator, &session->state_);
      FillReport(bp, allocator.used(), &session->report_);
    } else {
      s = Status(StatusCode::kArenaTooSmall, "");
    }
    if (s.code() == StatusCode::kArenaTooSmall) {
      ArenaReport needed;
      s = Measure(model, bp, pool, &needed);
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
    s = Measure(model, bp, pool, &session->report_);
    if (s.ok()) {
      void* block = ports::AllocateArena(session->report_.total);
      if (!block) {
        s = Status(StatusCode::kBackendError, "cannot allocate an arena of " +
                                                  std::to_string(session->report_.total) +
                                                  " bytes");
      }
      base = session->owned_arena_ = static_cast<uint8_t*>(block);
    }
    if (s.ok()) {
      internal::ArenaAllocator allocator(base + bp.xnnpack, session->report_.total - bp.xnnpack);
      s = Build(model, bp, pool, base, &allocator, &session->state_);
      if (s.code() == StatusCode::kArenaTooSmall) {
        s = Status(StatusCode::kInternal, "the measured arena size was not enough");
      }
    }
  }
  if (!s.ok()) {
    if (pool) pthreadpool_destroy(pool);
    return s;  // ~Session frees the owned arena
  }
  // Fault in the planned buffers now rather than in the first run.
  ports::TouchPages(base + bp.activations, bp.xnnpack - bp.activations);
  if (session->state_->explain) {
    session->state_->explain->gradient_x_input = options.composite.name == "gradient-x-input";
  }
  session->rules_ = std::move(bp.rules);
  *out = std::move(session);
  return Status::Ok();
}

Session::~Session() {
  if (state_) {
    ReleaseAll(state_);
    if (state_->pool) pthreadpool_destroy(state_->pool);
  }
  ports::FreeArena(owned_arena_);
}

Status Session::Forward() {
  State& s = *state_;
  if (s.explain) s.explain->forward_done = false;
  for (uint32_t i = 0; i < s.num_nodes; ++i) {
    LRP_RETURN_IF_ERROR(internal::RunNode(s.nodes[i], s.pool));
  }
  if (s.explain) s.explain->forward_done = true;
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

Status Session::Explain(int target, ExplainInit init) {
  if (!state_->explain) {
    return Status(StatusCode::kInvalidArgument,
                  "this Session was created in forward mode; use Mode::kExplain");
  }
  return internal::RunExplain(*model_, state_->explain, state_->pool, state_->tensors, target,
                              init);
}

int Session::explained_target() const { return state_->explain ? state_->explain->target : -1; }

const float* Session::relevance() const {
  return state_->explain ? state_->explain->relevance[model_->input()] : nullptr;
}

const float* Session::tensor_relevance(uint32_t index) const {
  if (!state_->explain || index >= model_->tensors().size()) return nullptr;
  if (!options_.keep_relevance && index != model_->input()) return nullptr;
  return state_->explain->relevance[index];
}

const double* Session::relevance_sums() const {
  return state_->explain ? state_->explain->sums : nullptr;
}

const LayerConservation* Session::layer_conservation() const {
  return state_->explain ? state_->explain->conservation : nullptr;
}

int Session::relevance_exponent(uint32_t index) const {
  if (!state_->explain || index >= model_->tensors().size()) return 0;
  return state_->explain->exponents[index];
}

uint32_t Session::logits_tensor() const {
  return state_->explain ? state_->explain->logits
                         : static_cast<uint32_t>(model_->output());
}

float* Session::input() { return state_->input; }
size_t Session::input_size() const { return state_->input_size; }
const float* Session::output() const { return state_->output; }
size_t Session::output_size() const { return state_->output_size; }

const float* Session::tensor(uint32_t index) const {
  return index < model_->tensors().size() ? state_->tensors[index] : nullptr;
}

}  // namespace lrp
