// lrp::Session: a model prepared to run, with all of its run-time memory in
// one arena.
//
// Create() plans the arena (shapes, liveness, offsets), creates and sets up
// every XNNPACK operator at its final arena address, and packs the weights
// into the arena through XNNPACK's allocator. After Create() returns ok,
// Forward() performs no heap allocation, no system call and throws nothing;
// it only runs the prepared operators.
//
// Memory: the arena is either supplied by the caller (options.arena, which
// must outlive the Session; Create() fails with kArenaTooSmall and the exact
// required size if it is too small) or allocated by the Session as a single
// block. RequiredArena() returns the exact size before anything runs. Besides
// the arena, a Session owns only its own small object and, with threads > 1,
// a pthreadpool (its worker threads and their control block).
//
// The Model must outlive the Session (weights are read in place at Create()).
// A Session is not thread-safe: one thread drives it at a time.
#ifndef LRP_SESSION_H_
#define LRP_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lrp/explain.h"
#include "lrp/model.h"
#include "lrp/status.h"

namespace lrp {

enum class Mode : uint8_t {
  kForward,  // activations are reused once dead: the smallest arena
  kExplain,  // every activation the relevance pass reads is kept
};
const char* ModeName(Mode mode);

struct SessionOptions {
  Mode mode = Mode::kForward;
  int threads = 1;               // pthreadpool workers; 1 = run in the caller
  void* arena = nullptr;         // caller's buffer, 64-byte aligned, or null
  size_t arena_bytes = 0;        // its size
  // Explain mode: the rules (bound at creation: they decide which operators
  // and buffers exist) and whether every tensor's relevance is kept for
  // reading after Explain() (more arena) or only the input's.
  Composite composite;
  bool keep_relevance = false;
};

// One layer's line of the conservation report (explain mode, after
// Explain()). Only R-LRP ("rlrp", RuleKind::kRelative) rescales, so for
// every other rule exponent is 0.
struct LayerConservation {
  // lambda_l = (relevance this layer gave its inputs) / (relevance it
  // received), both before any rescaling: the multiplicative factor up to
  // which the layer conserves. Computed for kRelative (e.g. sum_k (z_k - b_k)
  // R_k / sum_k R_k on Conv2D/Dense), 1 for Pass, winner-take-all and the
  // routing of Concat/Reshape; NaN for other rules and unreached layers.
  double factor = 0;
  // e_l: the relevance the layer received was multiplied by 2^e_l (exact)
  // before its rule ran, so relevance_exponent(input) =
  // relevance_exponent(output) + e_l.
  int exponent = 0;
  // Add with kRelative whose branch was equalized: the scalar the branch's
  // relevance at the block input was multiplied by (RULES.md section 5.3);
  // NaN otherwise.
  double branch_scale = 0;
};

// How the arena is spent, in bytes. total is what a caller must supply.
struct ArenaReport {
  size_t total = 0;
  size_t activations = 0;  // planned activation buffers (incl. reuse)
  size_t relevance = 0;    // relevance buffers (explain mode)
  size_t operators = 0;    // XNNPACK packed weights, operator state, node table
  size_t activation_bytes_unplanned = 0;  // sum of all activations, no reuse
};

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  static Status Create(const Model& model, const SessionOptions& options,
                       std::unique_ptr<Session>* out);
  // The exact arena a Session with these options needs (options.arena is
  // ignored). Costs one dry creation of the operators.
  static Status RequiredArena(const Model& model, const SessionOptions& options,
                              ArenaReport* report);

  // Copies `count` floats (the input in the runtime layout, NHWC) into the
  // input tensor and runs the network. Non-finite input values are rejected.
  Status Forward(const float* input, size_t count);
  // Runs the network on what is already in input().
  Status Forward();

  float* input();
  size_t input_size() const;
  const float* output() const;
  size_t output_size() const;
  // Any tensor's data after Forward(): in explain mode every activation; in
  // forward mode only the input and the output are guaranteed to be intact.
  const float* tensor(uint32_t index) const;

  // Explain mode, after Forward(): propagates relevance from output `target`
  // (-1: the highest-scoring one) of the logits (the input of a final
  // Softmax, else the model output) back to the input. Can be called for
  // several targets after one Forward(). Allocation-free.
  Status Explain(int target = -1, ExplainInit init = ExplainInit::kLogit);
  // The target the last Explain() used.
  int explained_target() const;
  // Relevance of the model input after Explain(): input_size() values in
  // the runtime layout (NHWC).
  const float* relevance() const;
  // Relevance of any tensor after Explain(); null unless keep_relevance
  // (the input's is always available).
  const float* tensor_relevance(uint32_t index) const;
  // Sum of the relevance of each tensor after Explain() (conservation
  // report), indexed like Model::tensors(); NaN for tensors not on the
  // relevance path.
  const double* relevance_sums() const;
  // Per layer (indexed like Model::layers()), after Explain(); null in
  // forward mode.
  const LayerConservation* layer_conservation() const;
  // E_t after Explain(): the relevance stored for tensor t (tensor_relevance,
  // relevance_sums) is 2^E_t times the unscaled rule result. 0 unless an
  // R-LRP layer rescaled; 0 in forward mode.
  int relevance_exponent(uint32_t index) const;
  // The rule each layer uses (explain mode).
  const std::vector<Rule>& rules() const { return rules_; }
  // The tensor relevance starts from (the logits).
  uint32_t logits_tensor() const;

  const ArenaReport& arena_report() const { return report_; }
  const Model& model() const { return *model_; }
  const SessionOptions& options() const { return options_; }

  struct State;  // opaque; lives in the arena

 private:
  Session() = default;

  const Model* model_ = nullptr;
  SessionOptions options_;
  ArenaReport report_;
  State* state_ = nullptr;        // lives in the arena
  std::vector<Rule> rules_;
  uint8_t* owned_arena_ = nullptr;
};

}  // namespace lrp

#endif  // LRP_SESSION_H_
