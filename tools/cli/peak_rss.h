// Peak resident set size of this process, for `lrp bench`.
#ifndef LRP_TOOLS_CLI_PEAK_RSS_H_
#define LRP_TOOLS_CLI_PEAK_RSS_H_

#include <cstddef>

namespace lrp {
namespace cli {

// The high-water mark of resident memory so far, in bytes, or 0 if the OS
// does not report it.
size_t PeakRssBytes();

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_PEAK_RSS_H_
