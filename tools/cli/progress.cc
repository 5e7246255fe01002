#include "tools/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace lrp {
namespace cli {
namespace {

constexpr size_t kCells = 30;

}  // namespace

ProgressBar::ProgressBar(const std::string& label, size_t total)
    : label_(label), total_(total), enabled_(total > 0 && isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(size_t done) {
  if (!enabled_) return;
  done = std::min(done, total_);
  // In double: done * 100 could overflow size_t on a 32-bit board for
  // counts above 42 million.
  const double fraction = static_cast<double>(done) / static_cast<double>(total_);
  const size_t percent = static_cast<size_t>(fraction * 100.0);
  const size_t cells = static_cast<size_t>(fraction * kCells);
  if (drawn_ && percent == last_percent_ && cells == last_cells_ && done != total_) return;
  std::string bar(cells, '#');
  bar.resize(kCells, '.');
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %3zu%%", label_.c_str(), bar.c_str(), done, total_,
               percent);
  std::fflush(stderr);
  drawn_ = true;
  last_percent_ = percent;
  last_cells_ = cells;
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  // Carriage return and "erase to end of line" (ECMA-48 EL).
  if (drawn_) std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  enabled_ = false;
}

}  // namespace cli
}  // namespace lrp
