// The demo's two threads: capture (the frame source) and processing
// (FrameProcessor), joined by three frame buffers, publishing into a
// ResultSlot that the HTTP threads read.
//
// Capture never waits for processing: it writes each new frame into a free
// buffer and makes it the pending one; a pending frame that processing has
// not taken yet is dropped (and counted), never queued, so a slow explain
// shows the newest frame rather than an ever older backlog. Image sources
// (which can deliver instantly) are paced: one frame per `interval`, or,
// with interval 0, the next frame as soon as the previous one was taken,
// which runs the model as fast as it can without dropping.
//
// Memory: the three frame buffers are allocated by Start() at the source's
// largest frame; after that neither thread allocates (the processor's
// contract, FrameProcessor).
#ifndef LRP_TOOLS_DEMO_FRAME_LOOP_H_
#define LRP_TOOLS_DEMO_FRAME_LOOP_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "lrp/status.h"
#include "ports/camera/frame_source.h"
#include "tools/demo/frame_processor.h"
#include "tools/demo/result_slot.h"

namespace lrp {
namespace demo {

struct FrameLoopOptions {
  bool paced = false;                     // an image source (see above)
  std::chrono::milliseconds interval{0};  // paced sources only
  uint64_t max_frames = 0;                // stop after this many; 0: run until Stop()
};

class FrameLoop {
 public:
  // Everything passed in must outlive the loop.
  FrameLoop(camera::FrameSource* source, FrameProcessor* processor, ResultSlot* slot,
            const FrameLoopOptions& options);
  ~FrameLoop();  // Stop()s
  FrameLoop(const FrameLoop&) = delete;
  FrameLoop& operator=(const FrameLoop&) = delete;

  // Allocates the frame buffers and starts both threads.
  Status Start();
  // Asks both threads to end and joins them. Idempotent.
  void Stop();

  // The composite the next frames use (any thread; out-of-range is ignored).
  void SelectComposite(int index);
  int composite() const { return composite_.load(); }

  // True once max_frames were processed or either thread failed.
  bool done() const { return done_.load(); }
  // Waits up to `timeout` for done(); returns done().
  bool WaitDone(std::chrono::milliseconds timeout);
  // The first error of either thread (ok while none). Call after done().
  Status error() const;
  uint64_t frames() const { return frames_.load(); }

 private:
  void CaptureThread();
  void ProcessThread();
  void Fail(const Status& status);
  // The buffer neither pending nor processing nor being written.
  int FreeBuffer() const;

  camera::FrameSource* const source_;
  FrameProcessor* const processor_;
  ResultSlot* const slot_;
  const FrameLoopOptions options_;

  std::vector<uint8_t> storage_[3];
  camera::RgbFrame frames_buf_[3];

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int writing_ = 0, pending_ = -1, processing_ = -1;  // buffer indices
  uint64_t dropped_ = 0;
  bool stop_ = false;
  Status error_;

  std::atomic<int> composite_{0};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> frames_{0};
  std::thread capture_, process_;
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_FRAME_LOOP_H_
