// Command-line flags of one `lrp` subcommand.
//
// Each subcommand declares its flags up front, so an unknown flag is an error
// rather than silently ignored. Accepted forms: `--name value`,
// `--name=value`, a short alias (`-o value`), bare switches (`--json`), and
// `--` to end flag parsing. A flag may be given more than once only if its
// spec says so (`--param a=1 --param b=2`). Errors come back as a Status
// whose message is the one line the tool prints; callers exit with
// kExitUsage.
#ifndef LRP_TOOLS_CLI_ARGS_H_
#define LRP_TOOLS_CLI_ARGS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace cli {

struct FlagSpec {
  const char* name;         // "--model"
  const char* short_name;   // "-o", or nullptr
  bool takes_value;         // false for switches such as "--json"
  bool repeatable = false;  // values accumulate in order (ParsedArgs::Values)
};

class ParsedArgs {
 public:
  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  // The flag's value, or `fallback` if it was not given.
  std::string Value(const std::string& name, const std::string& fallback = "") const;
  // Every value of a repeatable flag, in command-line order.
  std::vector<std::string> Values(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Required flag: fails naming the flag if it is absent or empty.
  Status Required(const std::string& name, std::string* value) const;
  // Integer flag in [min, max]; `fallback` if absent.
  Status Int(const std::string& name, int64_t min, int64_t max, int64_t fallback,
             int64_t* value) const;
  // Unsigned 64-bit flag (seeds); `fallback` if absent.
  Status UInt64(const std::string& name, uint64_t fallback, uint64_t* value) const;

 private:
  friend Status ParseArgs(const std::vector<std::string>& args, const FlagSpec* specs,
                          size_t num_specs, ParsedArgs* out);
  // By long name; a repeatable flag keeps its last value here and all of
  // them in lists_.
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> lists_;
  std::vector<std::string> positional_;
};

// Parses `args` (what follows the subcommand name) against `num_specs`
// flags. A non-repeatable flag given twice is an error, so a typo cannot
// silently override an earlier value.
Status ParseArgs(const std::vector<std::string>& args, const FlagSpec* specs, size_t num_specs,
                 ParsedArgs* out);
template <size_t N>
Status ParseArgs(const std::vector<std::string>& args, const FlagSpec (&specs)[N],
                 ParsedArgs* out) {
  return ParseArgs(args, specs, N, out);
}

// True if `args` asks for help (`--help` or `-h` before any `--`).
bool WantsHelp(const std::vector<std::string>& args);

// The standard `--threads` flag: 1 to kMaxThreads, default 1.
constexpr int64_t kMaxThreads = 256;
Status ThreadsFlag(const ParsedArgs& args, int* threads);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_ARGS_H_
