#include "tools/cli/command.h"

#include <cstdio>

#include "tools/cli/format.h"

namespace lrp {
namespace cli {

int UsageError(const char* command, const std::string& message) {
  std::fprintf(stderr, "lrp %s: %s (see 'lrp %s --help')\n", command, Printable(message).c_str(),
               command);
  return kExitUsage;
}

int UsageError(const char* command, const Status& status) {
  return UsageError(command, status.message());
}

int Failure(const char* command, const Status& status) {
  std::fprintf(stderr, "lrp %s: %s\n", command, Printable(status.ToString()).c_str());
  return kExitFailure;
}

}  // namespace cli
}  // namespace lrp
