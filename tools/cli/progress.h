// A progress bar on stderr for commands that loop over many items.
//
// It draws only when stderr is a terminal: in a pipe, a log file or a test
// the output stays exactly what the command prints, and stderr stays free
// for the one-line error. The bar is redrawn in place with '\r', at most
// once per percent and per cell so a fast loop does not spend its time
// writing to the terminal, and erased when done (or destroyed early, as on
// an error) so nothing of it is left between the results and the prompt.
#ifndef LRP_TOOLS_CLI_PROGRESS_H_
#define LRP_TOOLS_CLI_PROGRESS_H_

#include <cstddef>
#include <string>

namespace lrp {
namespace cli {

class ProgressBar {
 public:
  // `label` precedes the bar ("images"); `total` items are expected.
  ProgressBar(const std::string& label, size_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` of the total items are finished.
  void Update(size_t done);
  // Erases the bar; later updates draw nothing.
  void Finish();

  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  size_t last_percent_ = 0;
  size_t last_cells_ = 0;
};

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_PROGRESS_H_
