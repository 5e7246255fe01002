// Composite resolution: a preset name + parameters + per-layer overrides ->
// one Rule per layer. Presets follow Zennit 0.5.1 (RULES.md §6.1) and the
// project's names (RULES.md §11).
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "lrp/explain.h"

namespace lrp {
namespace {

Status Bad(const std::string& msg) { return Status(StatusCode::kInvalidArgument, msg); }

struct NamedRule {
  const char* name;
  RuleKind kind;
};
constexpr NamedRule kRuleNames[] = {
    {"zero", RuleKind::kZero},
    {"epsilon", RuleKind::kEpsilon},
    {"gamma", RuleKind::kGamma},
    {"gamma-classic", RuleKind::kGammaClassic},
    {"alpha-beta", RuleKind::kAlphaBeta},
    {"zbox", RuleKind::kZBox},
    {"flat", RuleKind::kFlat},
    {"wsquare", RuleKind::kWSquare},
    {"pass", RuleKind::kPass},
    {"norm", RuleKind::kNorm},
    {"winner-take-all", RuleKind::kWinnerTakeAll},
    {"gradient", RuleKind::kGradient},
    {"taylor", RuleKind::kLrnTaylor},
    {"taylor-unnormalized", RuleKind::kLrnTaylorUnnormalized},
    {"rlrp", RuleKind::kRelative},
};

bool IsWeighted(LayerKind k) { return k == LayerKind::kConv2D || k == LayerKind::kDense; }

bool ParseFloat(const std::string& text, float* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v)) return false;
  *out = static_cast<float>(v);
  return std::isfinite(*out);
}

Status ParseFloatList(const std::string& key, const std::string& text, std::vector<float>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find_first_of(",;", start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos
                                                                            : comma - start);
    float v = 0;
    if (!ParseFloat(item, &v)) return Bad(key + ": '" + text + "' is not a list of numbers");
    out->push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

Status ParseBool(const std::string& key, const std::string& text, bool* out) {
  if (text == "1" || text == "true" || text == "yes") {
    *out = true;
  } else if (text == "0" || text == "false" || text == "no") {
    *out = false;
  } else {
    return Bad(key + ": '" + text + "' is not 0/1");
  }
  return Status::Ok();
}

// Applies one key=value to a rule (keys that only select presets, flat and
// maxpool, are handled by ResolveComposite).
Status ApplyParam(const std::string& key, const std::string& value, Rule* r) {
  if (key == "epsilon") {
    if (!ParseFloat(value, &r->epsilon) || r->epsilon < 0) return Bad("epsilon must be >= 0");
  } else if (key == "gamma") {
    if (!ParseFloat(value, &r->gamma) || r->gamma < 0) return Bad("gamma must be >= 0");
  } else if (key == "alpha") {
    if (!ParseFloat(value, &r->alpha)) return Bad("alpha: '" + value + "' is not a number");
  } else if (key == "beta") {
    if (!ParseFloat(value, &r->beta)) return Bad("beta: '" + value + "' is not a number");
  } else if (key == "stabilizer") {
    if (!ParseFloat(value, &r->stabilizer) || r->stabilizer < 0) {
      return Bad("stabilizer must be >= 0");
    }
  } else if (key == "low") {
    return ParseFloatList(key, value, &r->low);
  } else if (key == "high") {
    return ParseFloatList(key, value, &r->high);
  } else if (key == "zero_bias") {
    return ParseBool(key, value, &r->zero_bias);
  } else if (key == "rms") {
    return ParseBool(key, value, &r->epsilon_rms);
  } else {
    return Bad("unknown parameter '" + key + "'");
  }
  return Status::Ok();
}

Status CheckRule(const Rule& r) {
  if (r.kind == RuleKind::kAlphaBeta) {
    if (r.alpha < 0 || r.beta < 0 || std::fabs(r.alpha - r.beta - 1.0f) > 1e-6f) {
      return Bad("alpha-beta needs alpha >= 0, beta >= 0 and alpha - beta = 1 (got alpha " +
                 std::to_string(r.alpha) + ", beta " + std::to_string(r.beta) + ")");
    }
  }
  if (r.low.size() != r.high.size()) return Bad("zbox: low and high need the same length");
  for (size_t i = 0; i < r.low.size(); ++i) {
    if (!(r.low[i] <= r.high[i])) return Bad("zbox: low exceeds high");
  }
  return Status::Ok();
}

// Whether `rule` can explain a layer of `kind`.
bool Fits(RuleKind rule, LayerKind kind) {
  switch (rule) {
    case RuleKind::kGradient:
      return true;
    case RuleKind::kPass:  // shape-preserving layers only
      return kind == LayerKind::kRelu || kind == LayerKind::kClamp ||
             kind == LayerKind::kLeakyRelu || kind == LayerKind::kBatchNorm ||
             kind == LayerKind::kLRN || kind == LayerKind::kReshape ||
             kind == LayerKind::kSoftmax;
    case RuleKind::kNorm:
      return kind == LayerKind::kAvgPool2D || kind == LayerKind::kGlobalAvgPool ||
             kind == LayerKind::kAdd || kind == LayerKind::kMaxPool2D;
    case RuleKind::kWinnerTakeAll:
      return kind == LayerKind::kMaxPool2D;
    case RuleKind::kLrnTaylor:
    case RuleKind::kLrnTaylorUnnormalized:
      return kind == LayerKind::kLRN;
    case RuleKind::kRelative:  // R-LRP-P (RULES.md section 5)
      return IsWeighted(kind) || kind == LayerKind::kBatchNorm ||
             kind == LayerKind::kAvgPool2D || kind == LayerKind::kGlobalAvgPool ||
             kind == LayerKind::kAdd;
    case RuleKind::kEpsilon:
    case RuleKind::kZero:
      return IsWeighted(kind) || kind == LayerKind::kBatchNorm;
    default:
      return IsWeighted(kind);
  }
}

// The three LRN forms of RULES.md §11, as composite parameter values.
bool ParseLrnForm(const std::string& text, RuleKind* kind) {
  if (text == "taylor") {
    *kind = RuleKind::kLrnTaylor;
  } else if (text == "taylor-unnormalized") {
    *kind = RuleKind::kLrnTaylorUnnormalized;
  } else if (text == "identity") {
    *kind = RuleKind::kPass;
  } else {
    return false;
  }
  return true;
}

// The rule of the base map (Zennit layer_map_base) for non-weighted layers.
Rule BaseRule(LayerKind kind, const Rule& defaults, RuleKind lrn) {
  Rule r = defaults;
  switch (kind) {
    case LayerKind::kAvgPool2D:
    case LayerKind::kGlobalAvgPool:
    case LayerKind::kAdd:
      r.kind = RuleKind::kNorm;
      break;
    case LayerKind::kMaxPool2D:
      r.kind = defaults.proportional_max ? RuleKind::kNorm : RuleKind::kWinnerTakeAll;
      break;
    case LayerKind::kConcat:
    case LayerKind::kReshape:
      r.kind = RuleKind::kGradient;  // split / identity: the gradient
      break;
    case LayerKind::kLRN:
      r.kind = lrn;  // composite parameter lrn=
      break;
    default:
      r.kind = RuleKind::kPass;  // activations, BatchNorm
      break;
  }
  return r;
}

}  // namespace

const char* RuleKindName(RuleKind kind) {
  for (const NamedRule& n : kRuleNames) {
    if (n.kind == kind) return n.name;
  }
  return "unknown";
}

bool ParseRuleKind(const std::string& name, RuleKind* kind) {
  for (const NamedRule& n : kRuleNames) {
    if (name == n.name) {
      *kind = n.kind;
      return true;
    }
  }
  if (name == "zplus" || name == "z-plus") {
    *kind = RuleKind::kAlphaBeta;
    return true;
  }
  if (name == "identity") {  // LRN's identity rule (RULES.md §4.2 a)
    *kind = RuleKind::kPass;
    return true;
  }
  return false;
}

const std::vector<std::string>& CompositeNames() {
  static const std::vector<std::string> names = {
      "epsilon",      "epsilon-plus",   "epsilon-plus-flat",         "epsilon-gamma-box",
      "epsilon-alpha2-beta1", "epsilon-alpha2-beta1-flat", "lrp-cmp", "lrp-overview",
      "gradient",     "gradient-x-input", "rlrp"};
  return names;
}

Status ParseRule(const std::string& text, Rule* rule) {
  const size_t colon = text.find(':');
  const std::string name = text.substr(0, colon);
  Rule r;
  if (!ParseRuleKind(name, &r.kind)) return Bad("unknown rule '" + name + "'");
  if (name == "zplus" || name == "z-plus") {
    r.alpha = 1.0f;
    r.beta = 0.0f;
  }
  if (r.kind == RuleKind::kZero) r.epsilon = 0.0f;
  if (colon != std::string::npos) {
    // key=value items separated by ','; an item without '=' continues the
    // previous value (per-channel lists: "low=-1,-2,-3,high=1,2,3").
    std::vector<std::pair<std::string, std::string>> items;
    const std::string params = text.substr(colon + 1);
    size_t start = 0;
    while (start <= params.size()) {
      const size_t comma = params.find(',', start);
      const std::string item = params.substr(start, comma == std::string::npos
                                                        ? std::string::npos
                                                        : comma - start);
      const size_t eq = item.find('=');
      if (eq != std::string::npos) {
        items.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      } else if (!items.empty()) {
        items.back().second += "," + item;
      } else {
        return Bad("rule parameter '" + item + "' is not key=value");
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    for (const auto& kv : items) LRP_RETURN_IF_ERROR(ApplyParam(kv.first, kv.second, &r));
  }
  LRP_RETURN_IF_ERROR(CheckRule(r));
  *rule = r;
  return Status::Ok();
}

Status ParseLayerRule(const std::string& text, LayerSelector* selector, Rule* rule) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Bad("layer rule '" + text + "' is not SELECTOR=RULE");
  }
  const std::string sel = text.substr(0, eq);
  LayerSelector s;
  // "I" or "I-J" selects by index; anything else is a layer name.
  const size_t dash = sel.find('-');
  const std::string a = sel.substr(0, dash);
  const std::string b = dash == std::string::npos ? a : sel.substr(dash + 1);
  auto is_number = [](const std::string& x) {
    return !x.empty() && x.size() < 10 && x.find_first_not_of("0123456789") == std::string::npos;
  };
  if (is_number(a) && is_number(b)) {
    s.first = std::atoi(a.c_str());
    s.last = std::atoi(b.c_str());
    if (s.first > s.last) return Bad("layer range '" + sel + "' is empty");
  } else {
    s.name = sel;
  }
  LRP_RETURN_IF_ERROR(ParseRule(text.substr(eq + 1), rule));
  *selector = s;
  return Status::Ok();
}

Status ResolveComposite(const Model& model, const Composite& composite,
                        std::vector<Rule>* rules) {
  const std::string& name = composite.name;
  bool known = false;
  for (const std::string& n : CompositeNames()) known = known || n == name;
  if (!known) {
    std::string list;
    for (const std::string& n : CompositeNames()) list += (list.empty() ? "" : ", ") + n;
    return Bad("unknown composite '" + name + "' (known: " + list + ")");
  }

  // Defaults shared by every rule of the preset, then parameter overrides.
  Rule defaults;
  bool flat_first = name == "epsilon-plus-flat" || name == "epsilon-alpha2-beta1-flat" ||
                    name == "lrp-cmp";
  bool alpha_given = false, beta_given = false, epsilon_given = false;
  RuleKind lrn = RuleKind::kLrnTaylor;  // RULES.md §11: the normalized form
  // R-LRP divides by nothing per neuron but at residual Adds: its LRN layers
  // pass relevance through unless lrn= asks for a Taylor form.
  if (name == "rlrp") lrn = RuleKind::kPass;
  for (const auto& kv : composite.params) {
    if (kv.first == "flat") {
      LRP_RETURN_IF_ERROR(ParseBool("flat", kv.second, &flat_first));
    } else if (kv.first == "lrn") {
      if (!ParseLrnForm(kv.second, &lrn)) {
        return Bad("lrn must be taylor, taylor-unnormalized or identity (got '" + kv.second +
                   "')");
      }
    } else if (kv.first == "maxpool") {
      if (kv.second == "wta") {
        defaults.proportional_max = false;
      } else if (kv.second == "avg") {
        defaults.proportional_max = true;
      } else {
        return Bad("maxpool must be wta or avg");
      }
    } else {
      LRP_RETURN_IF_ERROR(ApplyParam(kv.first, kv.second, &defaults));
      alpha_given = alpha_given || kv.first == "alpha";
      beta_given = beta_given || kv.first == "beta";
      epsilon_given = epsilon_given || kv.first == "epsilon";
    }
  }
  if (name == "lrp-cmp" && !epsilon_given) defaults.epsilon = 0.1f;  // RULES.md §6.2

  const auto& layers = model.layers();
  const int n = static_cast<int>(layers.size());
  // The explained output: a final Softmax is cut off.
  const int explained = (n > 0 && layers[n - 1].kind == LayerKind::kSoftmax) ? n - 1 : n;
  std::vector<int> weighted;
  for (int i = 0; i < explained; ++i) {
    if (IsWeighted(layers[i].kind)) weighted.push_back(i);
  }
  int first_conv = -1, first_weighted = weighted.empty() ? -1 : weighted[0];
  for (int i : weighted) {
    if (layers[i].kind == LayerKind::kConv2D) {
      first_conv = i;
      break;
    }
  }

  rules->assign(n, Rule());
  for (int i = 0; i < n; ++i) {
    const LayerKind kind = layers[i].kind;
    Rule r = BaseRule(kind, defaults, lrn);
    if (i >= explained) {
      r.kind = RuleKind::kPass;
    } else if (name == "gradient" || name == "gradient-x-input") {
      r.kind = RuleKind::kGradient;
    } else if (name == "rlrp" && Fits(RuleKind::kRelative, kind)) {
      r.kind = RuleKind::kRelative;  // the rest keeps the base map (Pass, WTA, routing)
    } else if (IsWeighted(kind)) {
      const bool conv = kind == LayerKind::kConv2D;
      r = defaults;
      r.kind = RuleKind::kEpsilon;
      if (name == "epsilon-plus" || name == "epsilon-plus-flat" ||
          (name == "lrp-cmp" && !alpha_given && !beta_given)) {
        if (conv) {
          r.kind = RuleKind::kAlphaBeta;
          r.alpha = 1.0f;
          r.beta = 0.0f;
        }
      } else if (name == "epsilon-alpha2-beta1" || name == "epsilon-alpha2-beta1-flat" ||
                 name == "lrp-cmp") {
        if (conv) {
          r.kind = RuleKind::kAlphaBeta;
          if (!alpha_given) r.alpha = 2.0f;
          if (!beta_given) r.beta = 1.0f;
        }
      } else if (name == "epsilon-gamma-box") {
        if (conv) r.kind = i == first_conv ? RuleKind::kZBox : RuleKind::kGamma;
      } else if (name == "lrp-overview") {
        // z^B on the input layer, then gamma / eps*RMS / LRP-0 from bottom to
        // top. The 40/40/20 split reproduces the tutorial's VGG-16 layering
        // exactly (conv1_2..conv3_3 gamma, conv4_1..conv5_3 eps, fc LRP-0).
        const int count = static_cast<int>(weighted.size());
        int w = 0;
        while (weighted[w] != i) ++w;
        if (w == 0) {
          r.kind = RuleKind::kZBox;
        } else if (w <= static_cast<int>(std::floor(0.4 * count))) {
          r.kind = RuleKind::kGammaClassic;
          r.stabilizer = 1e-9f;
        } else if (w <= static_cast<int>(std::floor(0.8 * count))) {
          r.kind = RuleKind::kEpsilon;
          r.epsilon_rms = true;
          if (!epsilon_given) r.epsilon = 0.25f;
        } else {
          // The tutorial's +1e-9 only keeps z = 0 from dividing; LRP-0 here
          // passes nothing through z = 0 instead.
          r.kind = RuleKind::kZero;
        }
      }
      if (flat_first && i == (name == "lrp-cmp" ? first_conv : first_weighted)) {
        r.kind = RuleKind::kFlat;
      }
    }
    (*rules)[i] = r;
  }

  // Per-layer overrides, in order.
  for (const auto& ov : composite.overrides) {
    const LayerSelector& s = ov.first;
    bool matched = false;
    if (!s.name.empty()) {
      for (int i = 0; i < n; ++i) {
        if (layers[i].name == s.name) {
          (*rules)[i] = ov.second;
          matched = true;
        }
      }
      if (!matched) return Bad("no layer is named '" + s.name + "'");
    } else {
      if (s.first < 0 || s.last >= n || s.first > s.last) {
        return Bad("layer range " + std::to_string(s.first) + "-" + std::to_string(s.last) +
                   " is outside 0-" + std::to_string(n - 1));
      }
      for (int i = s.first; i <= s.last; ++i) {
        // A range sets weighted layers only, unless the rule fits the kind.
        if (Fits(ov.second.kind, layers[i].kind)) (*rules)[i] = ov.second;
      }
    }
  }

  for (int i = 0; i < n; ++i) {
    Rule& r = (*rules)[i];
    LRP_RETURN_IF_ERROR(CheckRule(r));
    if (!Fits(r.kind, layers[i].kind)) {
      return Bad(std::string("rule ") + RuleKindName(r.kind) + " cannot explain layer " +
                 std::to_string(i) + " '" + layers[i].name + "' (" +
                 LayerKindName(layers[i].kind) + ")");
    }
    if (r.kind == RuleKind::kZBox) {
      if (r.low.empty()) r.low = model.input_desc().low;
      if (r.high.empty()) r.high = model.input_desc().high;
      if (r.low.empty() || r.high.empty()) {
        return Bad("zbox on layer '" + layers[i].name +
                   "' needs bounds: the model has no input range; pass low=... high=...");
      }
      LRP_RETURN_IF_ERROR(CheckRule(r));
      const Shape& in = model.tensors()[layers[i].inputs[0]].shape;
      const size_t channels = static_cast<size_t>(in.dims[in.rank - 1]);
      if ((r.low.size() != 1 && r.low.size() != channels) ||
          (r.high.size() != 1 && r.high.size() != channels)) {
        return Bad("zbox on layer '" + layers[i].name + "' needs 1 or " +
                   std::to_string(channels) + " low/high values");
      }
    }
  }
  return Status::Ok();
}

}  // namespace lrp
