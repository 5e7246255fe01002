// The latest published FrameResult, shared between the frame loop (one
// writer) and the HTTP threads (many readers).
//
// Double buffered: the writer fills the back buffer without holding the
// lock, then Publish() swaps front and back under it. Readers copy what
// they need from the front buffer under the lock (a status struct or one
// JPEG of a few kilobytes), so the writer waits at most one such copy and
// a slow client never holds anything while it sends. Both buffers are
// allocated by the constructor; Publish() allocates nothing.
#ifndef LRP_TOOLS_DEMO_RESULT_SLOT_H_
#define LRP_TOOLS_DEMO_RESULT_SLOT_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>

#include "tools/demo/frame_result.h"

namespace lrp {
namespace demo {

class ResultSlot {
 public:
  // Each view's JPEG may take up to jpeg_capacity[view] bytes.
  explicit ResultSlot(const size_t (&jpeg_capacity)[kNumViews]);
  ResultSlot(const ResultSlot&) = delete;
  ResultSlot& operator=(const ResultSlot&) = delete;

  // Writer: the buffer to fill next (not visible to readers until Publish).
  FrameResult* back() { return &buffers_[1 - front_]; }
  void Publish();

  // Readers. False while nothing has been published.
  bool ReadStatus(FrameStatus* status) const;
  // Copies the view's JPEG into *jpeg; *frame gets its frame number.
  bool ReadJpeg(View view, std::string* jpeg, uint64_t* frame) const;
  // Waits until a frame newer than `after` is published or `timeout`
  // passes; returns the newest frame number (may still be `after`).
  uint64_t WaitNewer(uint64_t after, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable published_;
  FrameResult buffers_[2];
  int front_ = 0;
  uint64_t frame_ = 0;  // of the front buffer; 0 before the first Publish
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_RESULT_SLOT_H_
