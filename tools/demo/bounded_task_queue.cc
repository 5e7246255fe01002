#include "tools/demo/bounded_task_queue.h"

#include <utility>

namespace lrp {
namespace demo {
namespace {

thread_local bool rejecting = false;

}  // namespace

bool RejectingConnection() { return rejecting; }

BoundedTaskQueue::BoundedTaskQueue(size_t workers, size_t max_waiting)
    : max_waiting_(max_waiting) {
  for (size_t i = 0; i < workers; ++i) threads_.emplace_back(&BoundedTaskQueue::Work, this);
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Busy means: more connections waiting than idle workers can take, and
    // the wait list at its cap.
    if (waiting_.size() < idle_ + max_waiting_) {
      waiting_.push_back(std::move(fn));
      ready_.notify_one();
      return;
    }
  }
  rejecting = true;
  fn();
  rejecting = false;
}

void BoundedTaskQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutdown_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void BoundedTaskQueue::Work() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++idle_;
      ready_.wait(lock, [&] { return shutdown_ || !waiting_.empty(); });
      --idle_;
      // Connections already accepted are still answered on shutdown.
      if (waiting_.empty()) return;
      fn = std::move(waiting_.front());
      waiting_.pop_front();
    }
    fn();
  }
}

}  // namespace demo
}  // namespace lrp
