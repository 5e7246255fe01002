#include "tools/demo/demo_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "tools/cli/json_writer.h"
#include "tools/demo/bounded_task_queue.h"
#include "tools/demo/page_html.h"

namespace lrp {
namespace demo {
namespace {

constexpr char kBoundary[] = "lrpframe";

void Text(httplib::Response& res, int code, const std::string& text) {
  res.status = code;
  res.set_content(text + "\n", "text/plain; charset=utf-8");
}

// The ?view= parameter; overlay when absent. False for an unknown view.
bool RequestedView(const httplib::Request& req, View* view) {
  *view = View::kOverlay;
  if (!req.has_param("view")) return true;
  return ParseView(req.get_param_value("view").c_str(), view);
}

}  // namespace

DemoServer::DemoServer(const ResultSlot* slot, DemoInfo info,
                       std::function<bool(const std::string&)> select)
    : slot_(slot), info_(std::move(info)), select_(std::move(select)) {}

DemoServer::~DemoServer() { Stop(); }

Status DemoServer::Start(const ServerOptions& options) {
  options_ = options;
  server_.reset(new httplib::Server());
  const size_t workers = options.workers, waiting = options.max_waiting;
  server_->new_task_queue = [workers, waiting] { return new BoundedTaskQueue(workers, waiting); };
  server_->set_payload_max_length(options.max_body);
  server_->set_read_timeout(options.timeout_seconds, 0);
  server_->set_write_timeout(options.timeout_seconds, 0);
  server_->set_keep_alive_timeout(options.timeout_seconds);
  // httplib's default sets SO_REUSEPORT, with which a second demo could
  // bind the same port and share its connections. SO_REUSEADDR alone
  // still allows an immediate restart on the port of a demo just stopped.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  Route();
  if (options.port == 0) {
    port_ = server_->bind_to_any_port(options.host);
  } else {
    port_ = server_->bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (port_ <= 0) {
    return Status(StatusCode::kIoError, "cannot listen on " + options.host + ":" +
                                            std::to_string(options.port) +
                                            " (address in use, or not an address of this host)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return Status::Ok();
}

void DemoServer::Stop() {
  stopping_.store(true);
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void DemoServer::Route() {
  httplib::Server& s = *server_;
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (RejectingConnection()) {
      res.set_header("Connection", "close");
      Text(res, 503, "busy: too many clients");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.target.size() > options_.max_target) {
      Text(res, 414, "request target longer than " + std::to_string(options_.max_target) +
                         " bytes");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.headers.size() > options_.max_headers) {
      Text(res, 431, "more than " + std::to_string(options_.max_headers) + " header fields");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Library-made errors (404, 400, 413, ...) get a one-line body.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) Text(res, res.status, "HTTP error " + std::to_string(res.status));
  });

  s.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kPageHtml, "text/html; charset=utf-8");
  });
  s.Get("/status.json", [this](const httplib::Request&, httplib::Response& res) {
    FrameStatus status;
    const bool ready = slot_->ReadStatus(&status);
    res.set_header("Cache-Control", "no-store");
    res.set_content(StatusJson(info_, ready, status), "application/json");
  });
  s.Get("/frame.jpg", [this](const httplib::Request& req, httplib::Response& res) {
    View view;
    if (!RequestedView(req, &view)) {
      return Text(res, 400, "view: expected frame, heatmap or overlay");
    }
    std::string jpeg;
    uint64_t frame = 0;
    if (!slot_->ReadJpeg(view, &jpeg, &frame)) return Text(res, 503, "no frame yet");
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Frame", std::to_string(frame));
    res.set_content(std::move(jpeg), "image/jpeg");
  });
  s.Get("/stream.mjpg", [this](const httplib::Request& req, httplib::Response& res) {
    View view;
    if (!RequestedView(req, &view)) {
      return Text(res, 400, "view: expected frame, heatmap or overlay");
    }
    if (streams_.fetch_add(1) >= options_.max_streams) {
      streams_.fetch_sub(1);
      return Text(res, 503, "busy: " + std::to_string(options_.max_streams) + " streams open");
    }
    res.set_header("Cache-Control", "no-store");
    auto last = std::make_shared<uint64_t>(0);
    const auto gap = std::chrono::milliseconds(1000 / std::max(1, options_.stream_fps));
    res.set_content_provider(
        std::string("multipart/x-mixed-replace; boundary=") + kBoundary,
        [this, view, last, gap](size_t, httplib::DataSink& sink) {
          // Waits for a newer frame in short steps so Stop() is noticed.
          while (!stopping_.load()) {
            if (slot_->WaitNewer(*last, std::chrono::milliseconds(100)) <= *last) continue;
            std::string jpeg;
            if (!slot_->ReadJpeg(view, &jpeg, last.get())) continue;
            const std::string head = std::string("--") + kBoundary +
                                     "\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                     std::to_string(jpeg.size()) + "\r\n\r\n";
            // A failed write is a client that went away: end this stream only.
            if (!sink.write(head.data(), head.size()) || !sink.write(jpeg.data(), jpeg.size()) ||
                !sink.write("\r\n", 2)) {
              return false;
            }
            std::this_thread::sleep_for(gap);
            return true;
          }
          return false;
        },
        [this](bool) { streams_.fetch_sub(1); });
  });
  auto composite = [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("name")) return Text(res, 400, "composite: expected ?name=NAME");
    const std::string name = req.get_param_value("name");
    if (!select_(name)) {
      return Text(res, 400, "composite: this demo did not prepare '" + name + "'");
    }
    res.set_content("{\"composite\": " + cli::JsonWriter::Quote(name) + "}\n", "application/json");
  };
  s.Get("/composite", composite);
  s.Post("/composite", composite);
}

}  // namespace demo
}  // namespace lrp
