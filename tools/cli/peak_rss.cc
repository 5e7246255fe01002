#include "tools/cli/peak_rss.h"

#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace lrp {
namespace cli {
namespace {

// VmHWM from /proc/self/status, in bytes; 0 if unavailable.
size_t ProcVmHwm() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t kib = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    unsigned long value = 0;
    if (std::strncmp(line, "VmHWM:", 6) == 0 && std::sscanf(line + 6, "%lu", &value) == 1) {
      kib = value;
      break;
    }
  }
  std::fclose(f);
  return kib * 1024;
}

}  // namespace

size_t PeakRssBytes() {
  // Linux reports ru_maxrss in KiB (macOS would say bytes; lrp targets Linux).
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0 && usage.ru_maxrss > 0) {
    return static_cast<size_t>(usage.ru_maxrss) * 1024;
  }
  return ProcVmHwm();
}

}  // namespace cli
}  // namespace lrp
