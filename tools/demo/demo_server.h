// The HTTP side of `lrp demo` on cpp-httplib (Debian's libcpp-httplib):
//
//   GET  /                  the page (page.html, compiled in)
//   GET  /status.json       the latest frame's prediction and timings (status_json.h)
//   GET  /frame.jpg?view=V  the latest JPEG of view V (frame, heatmap, overlay; default overlay)
//   GET  /stream.mjpg?view=V  the same as a multipart/x-mixed-replace stream
//   GET|POST /composite?name=N  switch to composite N (one the demo prepared)
//
// Anything else is 404. The server only reads the ResultSlot, so no client
// can slow the frame loop. Bounds: a fixed set of worker threads and
// waiting connections (BoundedTaskQueue; beyond them 503), at most
// max_streams MJPEG viewers at once (503 beyond), request bodies of at
// most max_body bytes (413), request targets of at most max_target bytes
// (414; the library itself refuses request lines and header lines over
// 8192 bytes with 414 / 400), at most max_headers header fields (431), read
// and write timeouts. A client that goes
// away mid-stream ends only its own stream (write failure; SIGPIPE must be
// ignored by the process, cmd_demo.cc does).
//
// Not bounded: cpp-httplib 0.11 reads every header line (each at most
// 8192 bytes) before any handler runs, and its read timeout restarts with
// each line, so a client that keeps sending header lines holds memory for
// as long as it keeps sending; the 431 comes only at the end. Later
// cpp-httplib releases cap the header count inside the library.
#ifndef LRP_TOOLS_DEMO_DEMO_SERVER_H_
#define LRP_TOOLS_DEMO_DEMO_SERVER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "lrp/status.h"
#include "tools/demo/result_slot.h"
#include "tools/demo/status_json.h"

namespace httplib {
class Server;
}

namespace lrp {
namespace demo {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port (see port())
  size_t workers = 8;
  size_t max_waiting = 8;
  int max_streams = 4;
  size_t max_body = 1024;
  size_t max_target = 2048;
  size_t max_headers = 64;
  int timeout_seconds = 5;  // read and write
  int stream_fps = 30;      // at most this many MJPEG parts per second per viewer
};

class DemoServer {
 public:
  // `slot` and the function must outlive the server. select(name) switches
  // composites and returns false for a name the demo did not prepare.
  DemoServer(const ResultSlot* slot, DemoInfo info, std::function<bool(const std::string&)> select);
  ~DemoServer();  // Stop()s
  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;

  // Binds and starts serving on a thread of its own; port() then tells the
  // port (useful with port 0).
  Status Start(const ServerOptions& options);
  int port() const { return port_; }
  // Ends open streams, stops accepting and joins every server thread.
  void Stop();

 private:
  void Route();

  const ResultSlot* const slot_;
  const DemoInfo info_;
  const std::function<bool(const std::string&)> select_;
  ServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> streams_{0};
  int port_ = 0;
};

}  // namespace demo
}  // namespace lrp

#endif  // LRP_TOOLS_DEMO_DEMO_SERVER_H_
