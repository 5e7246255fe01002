#include "tools/demo/frame_loop.h"

namespace lrp {
namespace demo {
namespace {

using Clock = std::chrono::steady_clock;

// Frames per second over the last kWindow frames, from their end times in a
// ring (no allocation).
constexpr int kWindow = 16;

}  // namespace

FrameLoop::FrameLoop(camera::FrameSource* source, FrameProcessor* processor, ResultSlot* slot,
                     const FrameLoopOptions& options)
    : source_(source), processor_(processor), slot_(slot), options_(options) {}

FrameLoop::~FrameLoop() { Stop(); }

Status FrameLoop::Start() {
  const size_t bytes =
      static_cast<size_t>(source_->max_width()) * static_cast<size_t>(source_->max_height()) * 3;
  if (bytes == 0) return Status(StatusCode::kInvalidArgument, "demo: the frame source is empty");
  for (int i = 0; i < 3; ++i) {
    storage_[i].resize(bytes);
    frames_buf_[i].pixels = storage_[i].data();
    frames_buf_[i].capacity = bytes;
  }
  capture_ = std::thread(&FrameLoop::CaptureThread, this);
  process_ = std::thread(&FrameLoop::ProcessThread, this);
  return Status::Ok();
}

void FrameLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  // A camera's Next() returns within a frame time; an image source's at once.
  if (capture_.joinable()) capture_.join();
  if (process_.joinable()) process_.join();
}

void FrameLoop::SelectComposite(int index) {
  if (index >= 0 && index < static_cast<int>(processor_->composites().size())) {
    composite_.store(index);
  }
}

bool FrameLoop::WaitDone(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return done_.load(); });
  return done_.load();
}

Status FrameLoop::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void FrameLoop::Fail(const Status& status) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.ok()) error_ = status;
    stop_ = true;
    done_.store(true);
  }
  changed_.notify_all();
}

int FrameLoop::FreeBuffer() const {
  for (int i = 0; i < 3; ++i) {
    if (i != writing_ && i != pending_ && i != processing_) return i;
  }
  return -1;  // unreachable: three buffers, at most two others in use
}

void FrameLoop::CaptureThread() {
  Clock::time_point next = Clock::now();
  for (;;) {
    int index = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) return;
      index = writing_;
    }
    // Only this thread touches the buffer it is writing.
    Status s = source_->Next(&frames_buf_[index]);
    if (!s.ok()) {
      Fail(s);
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (pending_ >= 0) ++dropped_;  // the older pending frame is never processed
    const int old_pending = pending_;
    pending_ = writing_;
    writing_ = old_pending >= 0 ? old_pending : FreeBuffer();
    changed_.notify_all();
    if (!options_.paced) continue;
    if (options_.interval.count() > 0) {
      next += options_.interval;
      changed_.wait_until(lock, next, [&] { return stop_; });
    } else {
      changed_.wait(lock, [&] { return stop_ || pending_ < 0; });
    }
  }
}

void FrameLoop::ProcessThread() {
  Clock::time_point ends[kWindow];
  uint64_t count = 0;
  for (;;) {
    int index = 0;
    uint64_t dropped = 0;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || pending_ >= 0; });
      if (stop_) return;
      processing_ = pending_;
      pending_ = -1;
      index = processing_;
      dropped = dropped_;
    }
    changed_.notify_all();  // a paced source waits for the pending frame to be taken

    FrameResult* result = slot_->back();
    Status s = processor_->Process(frames_buf_[index], composite_.load(), result);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      processing_ = -1;
    }
    if (!s.ok()) {
      Fail(s);
      return;
    }
    const Clock::time_point now = Clock::now();
    ends[count % kWindow] = now;
    ++count;
    FrameStatus& st = result->status;
    st.frame = count;
    st.dropped = dropped;
    if (count >= 2) {
      const uint64_t span = count < kWindow ? count : kWindow;
      const Clock::time_point first = ends[(count - span) % kWindow];
      const double seconds = std::chrono::duration<double>(now - first).count();
      st.fps = seconds > 0 ? static_cast<double>(span - 1) / seconds : 0;
    } else {
      st.fps = 0;
    }
    slot_->Publish();
    frames_.store(count);
    if (options_.max_frames > 0 && count >= options_.max_frames) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.store(true);
      }
      changed_.notify_all();
      return;
    }
  }
}

}  // namespace demo
}  // namespace lrp
