#include "tools/cli/args.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lrp {
namespace cli {
namespace {

Status UsageError(const std::string& message) {
  return Status(StatusCode::kInvalidArgument, message);
}

const FlagSpec* FindSpec(const FlagSpec* specs, size_t num_specs, const std::string& name) {
  for (size_t i = 0; i < num_specs; ++i) {
    const FlagSpec& spec = specs[i];
    if (name == spec.name || (spec.short_name != nullptr && name == spec.short_name)) {
      return &spec;
    }
  }
  return nullptr;
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string ParsedArgs::Value(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> ParsedArgs::Values(const std::string& name) const {
  auto it = lists_.find(name);
  return it == lists_.end() ? std::vector<std::string>() : it->second;
}

Status ParsedArgs::Required(const std::string& name, std::string* value) const {
  auto it = values_.find(name);
  if (it == values_.end()) return UsageError("missing required flag " + name);
  if (it->second.empty()) return UsageError(name + ": expected a value, got ''");
  *value = it->second;
  return Status::Ok();
}

Status ParsedArgs::Int(const std::string& name, int64_t min, int64_t max, int64_t fallback,
                       int64_t* value) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    *value = fallback;
    return Status::Ok();
  }
  const std::string& text = it->second;
  std::string range = min == 0 ? "a non-negative integer" : "an integer";
  range += " in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  bool negative = !text.empty() && text[0] == '-';
  if (!AllDigits(negative ? text.substr(1) : text)) {
    return UsageError(name + ": expected " + range + ", got '" + text + "'");
  }
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), nullptr, 10);
  if (errno == ERANGE || parsed < min || parsed > max) {
    return UsageError(name + ": expected " + range + ", got '" + text + "'");
  }
  *value = parsed;
  return Status::Ok();
}

Status ParsedArgs::UInt64(const std::string& name, uint64_t fallback, uint64_t* value) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    *value = fallback;
    return Status::Ok();
  }
  const std::string& text = it->second;
  // strtoull would accept "-1" and wrap it around; only plain digits pass.
  if (!AllDigits(text)) {
    return UsageError(name + ": expected a non-negative integer, got '" + text + "'");
  }
  errno = 0;
  unsigned long long parsed = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    return UsageError(name + ": '" + text + "' does not fit in 64 bits");
  }
  *value = parsed;
  return Status::Ok();
}

Status ParseArgs(const std::vector<std::string>& args, const FlagSpec* specs, size_t num_specs,
                 ParsedArgs* out) {
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      out->positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string name = arg, value;
    bool inline_value = false;
    size_t eq = arg.find('=');
    if (arg.compare(0, 2, "--") == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    const FlagSpec* spec = FindSpec(specs, num_specs, name);
    if (spec == nullptr) return UsageError("unknown flag '" + name + "'");
    if (out->values_.count(spec->name) != 0 && !spec->repeatable) {
      return UsageError(std::string(spec->name) + " given more than once");
    }
    if (!spec->takes_value) {
      if (inline_value) return UsageError(std::string(spec->name) + " takes no value");
    } else if (!inline_value) {
      if (i + 1 == args.size()) return UsageError(std::string(spec->name) + " needs a value");
      value = args[++i];
    }
    out->values_[spec->name] = value;
    if (spec->repeatable) out->lists_[spec->name].push_back(value);
  }
  return Status::Ok();
}

bool WantsHelp(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--") return false;
    if (arg == "--help" || arg == "-h") return true;
  }
  return false;
}

Status ThreadsFlag(const ParsedArgs& args, int* threads) {
  int64_t value = 1;
  LRP_RETURN_IF_ERROR(args.Int("--threads", 1, kMaxThreads, 1, &value));
  *threads = static_cast<int>(value);
  return Status::Ok();
}

}  // namespace cli
}  // namespace lrp
