// `lrp demo`: live prediction and LRP heatmap from a camera or images,
// served to a browser by the same process (tools/demo/).
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "ports/camera/frame_source.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/demo/demo_server.h"
#include "tools/demo/frame_loop.h"
#include "tools/demo/frame_processor.h"
#include "tools/demo/result_slot.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "demo";

constexpr char kUsage[] =
    "usage: lrp demo --model MODEL (--camera DEVICE | --images DIR | --image FILE)\n"
    "                [--composite NAME ...] [--listen HOST:PORT] [--threads N]\n"
    "                [--interval MS] [--camera-size WxH] [--scale N] [--quality Q]\n"
    "                [--max-clients N] [--frames N] [--duration SECONDS]\n"
    "\n"
    "Runs MODEL on frames from a camera or images and explains each prediction\n"
    "with Layer-wise Relevance Propagation, and serves a web page that shows\n"
    "the latest frame, its heatmap or the heatmap over the frame, the five\n"
    "highest scores, the composite in use (switchable on the page), frames per\n"
    "second and the forward / explain / total milliseconds per frame.\n"
    "\n"
    "A frame that arrives while the previous one is still being explained\n"
    "replaces the one waiting, so the page shows the newest frame; the dropped\n"
    "frames are counted. Memory is fixed at start: one Session per composite\n"
    "plus three frame buffers and two sets of result pictures.\n"
    "\n"
    "Prints 'lrp demo: listening on http://HOST:PORT/' once the page is\n"
    "served (the port chosen when PORT is 0); stops on SIGINT or SIGTERM, after\n"
    "--frames N or after --duration SECONDS, and prints the frame count and\n"
    "the mean frames per second.\n"
    "\n"
    "routes: /  /status.json  /frame.jpg?view=frame|heatmap|overlay\n"
    "        /stream.mjpg?view=...  /composite?name=NAME (GET or POST)\n"
    "\n"
    "flags:\n"
    "  --model MODEL       the .lrpm file (an image input [H, W, 1|3])\n"
    "  --camera DEVICE     a V4L2 camera, e.g. /dev/video0\n"
    "  --images DIR        the images of DIR, in name order, over and over\n"
    "  --image FILE        one image, over and over\n"
    "  --composite NAME    a composite to prepare (repeatable; the first is\n"
    "                      used at start; default: epsilon-gamma-box,\n"
    "                      epsilon-plus, epsilon-alpha2-beta1, epsilon)\n"
    "  --listen HOST:PORT  where to serve the page (default 0.0.0.0:8080)\n"
    "  --threads N         worker threads per Session (default 1)\n"
    "  --interval MS       images only: milliseconds between frames (default\n"
    "                      1000; 0: the next image as soon as the last one is\n"
    "                      done, as fast as the model runs)\n"
    "  --camera-size WxH   the frame size asked of the camera (default 640x480)\n"
    "  --scale N           view pixels per input pixel, 1 to 64 (default: 224\n"
    "                      pixels or more on the long side)\n"
    "  --quality Q         JPEG quality, 1 to 100 (default 85)\n"
    "  --max-clients N     connections served at once, 2 to 256 (default 8; as\n"
    "                      many more may wait; beyond that 503; MJPEG streams\n"
    "                      at most N/2)\n"
    "  --frames N          stop after N frames\n"
    "  --duration SECONDS  stop after this many seconds\n";

constexpr FlagSpec kFlags[] = {
    {"--model", nullptr, true},       {"--camera", nullptr, true},
    {"--images", nullptr, true},      {"--image", nullptr, true},
    {"--composite", nullptr, true, true},
    {"--listen", nullptr, true},      {"--threads", nullptr, true},
    {"--interval", nullptr, true},    {"--camera-size", nullptr, true},
    {"--scale", nullptr, true},       {"--quality", nullptr, true},
    {"--max-clients", nullptr, true}, {"--frames", nullptr, true},
    {"--duration", nullptr, true},
};

const std::vector<std::string>& DefaultComposites() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "epsilon-gamma-box", "epsilon-plus", "epsilon-alpha2-beta1", "epsilon"};
  return *names;
}

struct Request {
  std::string model_path;
  camera::FrameSourceOptions source;
  std::vector<std::string> composites;
  bool default_composites = false;
  demo::ServerOptions server;
  int threads = 1;
  int64_t interval_ms = 1000;
  int64_t scale = 0, quality = 85, frames = 0, duration = 0;
};

Status Usage(const std::string& message) { return Status(StatusCode::kInvalidArgument, message); }

// "W" "x" "H", both in [1, max].
bool ParseSize(const std::string& text, int max, int* width, int* height) {
  const size_t x = text.find('x');
  if (x == std::string::npos || x == 0 || x + 1 == text.size()) return false;
  char* end = nullptr;
  const long w = std::strtol(text.c_str(), &end, 10);
  if (end != text.c_str() + x) return false;
  const long h = std::strtol(text.c_str() + x + 1, &end, 10);
  if (*end != '\0' || w < 1 || h < 1 || w > max || h > max) return false;
  *width = static_cast<int>(w);
  *height = static_cast<int>(h);
  return true;
}

Status ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  const Status bad = Usage("--listen: expected HOST:PORT (e.g. 0.0.0.0:8080), got '" + text + "'");
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad;
  char* end = nullptr;
  const long p = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) return bad;
  *host = text.substr(0, colon);
  *port = static_cast<int>(p);
  return Status::Ok();
}

Status ParseRequest(const ParsedArgs& args, Request* req) {
  if (!args.positional().empty()) {
    return Usage("unexpected argument '" + args.positional()[0] + "'");
  }
  LRP_RETURN_IF_ERROR(args.Required("--model", &req->model_path));
  int sources = 0;
  using Kind = camera::FrameSourceOptions::Kind;
  const std::pair<const char*, Kind> kinds[] = {{"--camera", Kind::kCamera},
                                                {"--images", Kind::kImageDirectory},
                                                {"--image", Kind::kImageFile}};
  for (const auto& kind : kinds) {
    if (!args.Has(kind.first)) continue;
    ++sources;
    LRP_RETURN_IF_ERROR(args.Required(kind.first, &req->source.path));
    req->source.kind = kind.second;
  }
  if (sources != 1) return Usage("give exactly one of --camera, --images and --image");
  if (args.Has("--camera-size")) {
    if (req->source.kind != Kind::kCamera) return Usage("--camera-size needs --camera");
    const std::string size = args.Value("--camera-size");
    if (!ParseSize(size, 8192, &req->source.width, &req->source.height)) {
      return Usage("--camera-size: expected WxH (e.g. 640x480), got '" + size + "'");
    }
  }
  if (args.Has("--interval") && req->source.kind == Kind::kCamera) {
    return Usage("--interval is for images; a camera sets its own pace");
  }
  req->composites = args.Values("--composite");
  for (const std::string& c : req->composites) {
    if (c.empty()) return Usage("--composite: expected a value, got ''");
  }
  if (req->composites.empty()) {
    req->composites = DefaultComposites();
    req->default_composites = true;
  }
  LRP_RETURN_IF_ERROR(
      ParseListen(args.Value("--listen", "0.0.0.0:8080"), &req->server.host, &req->server.port));
  LRP_RETURN_IF_ERROR(ThreadsFlag(args, &req->threads));
  LRP_RETURN_IF_ERROR(args.Int("--interval", 0, 3600 * 1000, 1000, &req->interval_ms));
  LRP_RETURN_IF_ERROR(args.Int("--scale", 1, 64, 0, &req->scale));
  LRP_RETURN_IF_ERROR(args.Int("--quality", 1, 100, 85, &req->quality));
  int64_t clients = 0;
  LRP_RETURN_IF_ERROR(args.Int("--max-clients", 2, 256, 8, &clients));
  req->server.workers = static_cast<size_t>(clients);
  req->server.max_waiting = static_cast<size_t>(clients);
  req->server.max_streams = static_cast<int>(clients / 2);
  LRP_RETURN_IF_ERROR(args.Int("--frames", 1, INT64_MAX, 0, &req->frames));
  LRP_RETURN_IF_ERROR(args.Int("--duration", 1, 365LL * 24 * 3600, 0, &req->duration));
  return Status::Ok();
}

// One Session per composite. The default list skips presets this model
// cannot use (with a note); a composite asked for by name must work.
Status CreateProcessor(const Request& req, const Model& model,
                       std::unique_ptr<demo::FrameProcessor>* processor) {
  demo::ProcessorOptions options;
  options.threads = req.threads;
  options.jpeg_quality = static_cast<int>(req.quality);
  options.scale = static_cast<int>(req.scale);
  if (req.default_composites) {
    for (const std::string& name : req.composites) {
      demo::ProcessorOptions one = options;
      one.composites = {name};
      std::unique_ptr<demo::FrameProcessor> probe;
      const Status s = demo::FrameProcessor::Create(model, one, &probe);
      if (s.ok()) {
        options.composites.push_back(name);
      } else {
        std::fprintf(stderr, "lrp demo: note: skipping %s\n", Printable(s.message()).c_str());
      }
    }
    if (options.composites.empty()) {
      return Status(StatusCode::kInvalidArgument, "none of the default composites fits this model");
    }
  } else {
    options.composites = req.composites;
  }
  return demo::FrameProcessor::Create(model, options, processor);
}

// Waits for SIGINT/SIGTERM (blocked in every thread, see Run), the end of
// the frame loop, or the deadline.
void WaitForEnd(const sigset_t& signals, demo::FrameLoop* loop, int64_t duration_seconds) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(duration_seconds);
  for (;;) {
    const timespec tick = {0, 100 * 1000 * 1000};
    if (sigtimedwait(&signals, nullptr, &tick) > 0) return;
    if (loop->done()) return;
    if (duration_seconds > 0 && Clock::now() >= deadline) return;
  }
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  Request req;
  s = ParseRequest(args, &req);
  if (!s.ok()) return UsageError(kName, s);

  Model model;
  s = Model::Load(req.model_path, &model);
  if (!s.ok()) return Failure(kName, s);
  std::unique_ptr<demo::FrameProcessor> processor;
  s = CreateProcessor(req, model, &processor);
  if (!s.ok()) return Failure(kName, s);
  std::unique_ptr<camera::FrameSource> source;
  s = camera::OpenFrameSource(req.source, &source);
  if (!s.ok()) return Failure(kName, s);

  // Signals go to WaitForEnd only: blocked before any thread starts, so
  // every thread inherits the mask. A client that disconnects must not
  // kill the process through SIGPIPE.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  size_t capacity[demo::kNumViews];
  for (size_t& c : capacity) c = processor->jpeg_capacity();
  demo::ResultSlot slot(capacity);
  demo::FrameLoopOptions loop_options;
  loop_options.paced = req.source.kind != camera::FrameSourceOptions::Kind::kCamera;
  loop_options.interval = std::chrono::milliseconds(req.interval_ms);
  loop_options.max_frames = static_cast<uint64_t>(req.frames);
  demo::FrameLoop loop(source.get(), processor.get(), &slot, loop_options);

  demo::DemoInfo info;
  info.model = req.model_path;
  info.source = source->Describe();
  info.composites = processor->composites();
  info.labels = model.labels();
  info.threads = req.threads;
  info.view_width = processor->view_width();
  info.view_height = processor->view_height();
  const std::vector<std::string> names = processor->composites();
  demo::DemoServer server(&slot, info, [&loop, names](const std::string& name) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) {
        loop.SelectComposite(static_cast<int>(i));
        return true;
      }
    }
    return false;
  });
  s = server.Start(req.server);
  if (!s.ok()) return Failure(kName, s);
  s = loop.Start();
  if (!s.ok()) return Failure(kName, s);
  const std::string shown_host = req.server.host == "0.0.0.0" ? "127.0.0.1" : req.server.host;
  std::printf("lrp demo: listening on http://%s:%d/\n", shown_host.c_str(), server.port());
  std::printf("lrp demo: %s on %s, composites", req.model_path.c_str(), info.source.c_str());
  for (const std::string& name : names) std::printf(" %s", name.c_str());
  std::printf(", %zu arena bytes\n", processor->arena_bytes());
  std::fflush(stdout);

  const auto start = std::chrono::steady_clock::now();
  WaitForEnd(signals, &loop, req.duration);
  server.Stop();
  loop.Stop();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  s = loop.error();
  if (!s.ok()) return Failure(kName, s);
  std::printf("lrp demo: %llu frames in %.2f s (%.2f frames per second)\n",
              static_cast<unsigned long long>(loop.frames()), seconds,
              seconds > 0 ? loop.frames() / seconds : 0.0);
  return kExitOk;
}

}  // namespace

const Command& DemoCommand() {
  static const Command command = {kName, "serve live predictions and heatmaps to a browser",
                                  kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
