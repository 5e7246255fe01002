#include "tools/demo/result_slot.h"

namespace lrp {
namespace demo {

ResultSlot::ResultSlot(const size_t (&jpeg_capacity)[kNumViews]) {
  for (FrameResult& buffer : buffers_) {
    for (int v = 0; v < kNumViews; ++v) buffer.jpeg[v].bytes.resize(jpeg_capacity[v]);
  }
}

void ResultSlot::Publish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    front_ = 1 - front_;
    frame_ = buffers_[front_].status.frame;
  }
  published_.notify_all();
}

bool ResultSlot::ReadStatus(FrameStatus* status) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frame_ == 0) return false;
  *status = buffers_[front_].status;
  return true;
}

bool ResultSlot::ReadJpeg(View view, std::string* jpeg, uint64_t* frame) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (frame_ == 0) return false;
  const JpegBuffer& buffer = buffers_[front_].jpeg[static_cast<int>(view)];
  jpeg->assign(reinterpret_cast<const char*>(buffer.bytes.data()), buffer.size);
  *frame = frame_;
  return true;
}

uint64_t ResultSlot::WaitNewer(uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  published_.wait_for(lock, timeout, [&] { return frame_ > after; });
  return frame_;
}

}  // namespace demo
}  // namespace lrp
