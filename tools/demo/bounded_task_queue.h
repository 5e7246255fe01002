// The HTTP server's connection workers, bounded: a fixed number of threads
// and a fixed number of accepted connections waiting for one.
//
// httplib hands every accepted connection to a TaskQueue; its own
// ThreadPool queues without limit, so a crowd of clients (or an MJPEG
// viewer per browser tab, each holding a worker for as long as it watches)
// would pile up sockets. Here a connection that finds every worker busy and
// the wait list full is served at once on the accepting thread with
// RejectingConnection() true, and the demo answers it 503 without routing
// (DemoServer's pre-routing handler): the client hears "busy" promptly and
// the server keeps its shape. That answer is bounded by the server's read
// timeout.
#ifndef LRP_TOOLS_DEMO_BOUNDED_TASK_QUEUE_H_
#define LRP_TOOLS_DEMO_BOUNDED_TASK_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace lrp {
namespace demo {

// True on a thread that is answering a connection the queue turned away.
bool RejectingConnection();

class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t workers, size_t max_waiting);
  ~BoundedTaskQueue() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void Work();

  const size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> waiting_;
  size_t idle_ = 0;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_BOUNDED_TASK_QUEUE_H_
