// End-to-end tests of `lrp demo`: the tool is started on the shipped model
// and images on a free localhost port and driven over HTTP (httplib's
// client, and raw sockets for malformed and oversized requests).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/demo/demo_process.h"
#include "tests/tools/cli_helpers.h"

namespace lrp {
namespace {

using demo_test::DemoProcess;
using demo_test::RawExchange;
using demo_test::StatusCodeOf;

std::string Source(const std::string& path) {
  return cli_test::Quote(std::string(LRP_SOURCE_DIR) + "/" + path);
}

std::string DemoArgs(const std::string& extra) {
  return "--model " + Source("examples/models/fashion_mnist_cnn.lrpm") + " --images " +
         Source("examples/images") + " --listen 127.0.0.1:0 " + extra +
         // A demo a crashed or killed test leaves behind ends by itself.
         (extra.find("--duration") == std::string::npos ? " --duration 300" : "");
}

// The number after "key": (first occurrence at or after `from`); NaN if absent.
double Number(const std::string& json, const std::string& key, size_t from = 0) {
  const size_t at = json.find("\"" + key + "\": ", from);
  if (at == std::string::npos) return std::nan("");
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

// The string after "key": (first occurrence).
std::string String(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\": \"";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return "";
  const size_t end = json.find('"', at + needle.size());
  return json.substr(at + needle.size(), end - at - needle.size());
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class CliDemoTest : public ::testing::Test {
 protected:
  // Starts the demo and waits for its first frame.
  void Start(const std::string& extra) {
    demo_.reset(new DemoProcess(DemoArgs(extra), cli_test::Tmp("stderr.txt")));
    port_ = demo_->Port();
    ASSERT_GT(port_, 0) << demo_->output() << cli_test::ReadFile(cli_test::Tmp("stderr.txt"));
    client_.reset(new httplib::Client("127.0.0.1", port_));
    client_->set_read_timeout(10, 0);
    for (int i = 0; i < 300; ++i) {
      if (Status().find("\"ready\": true") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "no frame within 15 s: " << Status();
  }
  std::string Status() {
    auto res = client_->Get("/status.json");
    return res && res->status == 200 ? res->body : std::string();
  }
  void TearDown() override {
    if (demo_) {
      EXPECT_EQ(demo_->Stop(SIGTERM, 30), 0) << "the demo did not exit cleanly on SIGTERM";
    }
  }

  std::unique_ptr<DemoProcess> demo_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = -1;
};

TEST_F(CliDemoTest, ServesThePage) {
  Start("--interval 50 --composite epsilon-plus");
  auto res = client_->Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(res->body.find("/status.json"), std::string::npos);
  EXPECT_NE(res->body.find("/frame.jpg"), std::string::npos);
  // Self-contained: nothing loaded from elsewhere.
  EXPECT_EQ(res->body.find("http://"), std::string::npos);
  EXPECT_EQ(res->body.find("https://"), std::string::npos);
}

TEST_F(CliDemoTest, StatusHasTopFiveAndTimings) {
  Start("--interval 50 --composite epsilon-plus --composite epsilon");
  const std::string s = Status();
  EXPECT_EQ(String(s, "composite"), "epsilon-plus") << s;
  EXPECT_NE(s.find("\"composites\": [\"epsilon-plus\", \"epsilon\"]"), std::string::npos) << s;
  // Five classes, best first, with the model's labels.
  const size_t top = s.find("\"top\": [");
  ASSERT_NE(top, std::string::npos) << s;
  EXPECT_EQ(Count(s.substr(top), "\"label\": "), 5u) << s;
  double previous = 1e300;
  size_t at = top;
  for (int i = 0; i < 5; ++i) {
    at = s.find("\"score\": ", at + 1);
    const double score = Number(s, "score", at);
    EXPECT_LE(score, previous);
    previous = score;
  }
  const std::vector<std::string> labels = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                           "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};
  const std::string target = String(s, "target_label");
  EXPECT_NE(std::find(labels.begin(), labels.end(), target), labels.end()) << s;
  for (const char* key : {"fit", "forward", "explain", "render", "encode", "total"}) {
    EXPECT_GE(Number(s, key), 0.0) << key << " in " << s;
  }
  EXPECT_GT(Number(s, "forward"), 0.0) << s;
  EXPECT_GT(Number(s, "explain"), 0.0) << s;
  EXPECT_GE(Number(s, "total"), Number(s, "forward") + Number(s, "explain")) << s;
  EXPECT_GE(Number(s, "fps"), 0.0) << s;
  EXPECT_EQ(Number(s, "width", s.find("\"view\"")), 224) << s;
}

TEST_F(CliDemoTest, FramesChange) {
  Start("--interval 100 --composite epsilon-plus");
  // Every view is a complete JPEG.
  for (const char* view : {"frame", "heatmap", "overlay"}) {
    auto res = client_->Get(std::string("/frame.jpg?view=") + view);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << view;
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
    ASSERT_GT(res->body.size(), 4u);
    EXPECT_EQ(static_cast<uint8_t>(res->body[0]), 0xFF);
    EXPECT_EQ(static_cast<uint8_t>(res->body[1]), 0xD8);
    EXPECT_EQ(static_cast<uint8_t>(res->body[res->body.size() - 2]), 0xFF);
    EXPECT_EQ(static_cast<uint8_t>(res->body.back()), 0xD9);
  }
  // Over a few frames the picture, the frame number and the source's
  // sequence move on (the ten shipped images differ).
  auto first = client_->Get("/frame.jpg?view=frame");
  ASSERT_TRUE(first);
  const std::string first_status = Status();
  // Frames come every 100 ms here, but far slower under emulation (qemu-user
  // runs the cross builds' suites) or on a loaded machine: wait for the next
  // one rather than a fixed time.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Number(Status(), "frame") <= Number(first_status, "frame") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto second = client_->Get("/frame.jpg?view=frame");
  ASSERT_TRUE(second);
  // A slow frame loop drops frames, and a newer frame can show the same one
  // of the ten images again; another picture comes soon after.
  while (second->body == first->body && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    second = client_->Get("/frame.jpg?view=frame");
    ASSERT_TRUE(second);
  }
  const std::string second_status = Status();
  EXPECT_GT(std::atoll(second->get_header_value("X-Frame").c_str()),
            std::atoll(first->get_header_value("X-Frame").c_str()));
  EXPECT_NE(first->body, second->body);
  EXPECT_GT(Number(second_status, "frame"), Number(first_status, "frame"));
  EXPECT_GT(Number(second_status, "source_sequence"), Number(first_status, "source_sequence"));
}

TEST_F(CliDemoTest, SwitchesComposites) {
  Start("--interval 50 --composite epsilon-plus --composite epsilon-gamma-box");
  auto res = client_->Get("/composite?name=epsilon-gamma-box");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::string s;
  for (int i = 0; i < 600 && String(s, "composite") != "epsilon-gamma-box"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = Status();
  }
  EXPECT_EQ(String(s, "composite"), "epsilon-gamma-box") << s;
  // POST with a form body, as the page's fallback would send it.
  res = client_->Post("/composite", "name=epsilon-plus", "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  // Only the prepared ones.
  res = client_->Get("/composite?name=epsilon");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("did not prepare"), std::string::npos) << res->body;
  res = client_->Get("/composite");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
}

TEST_F(CliDemoTest, BadRequestsGet4xxAndTheServerStaysUp) {
  Start("--interval 50 --composite epsilon-plus");
  EXPECT_EQ(client_->Get("/nothing-here")->status, 404);
  EXPECT_EQ(client_->Get("/frame.jpg?view=sideways")->status, 400);
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, "GARBAGE\r\n\r\n")), 400);
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, "GET\r\n\r\n")), 400);
  // A request target over the demo's 2048-byte limit, and a request line
  // over the library's 8192-byte one.
  EXPECT_EQ(StatusCodeOf(RawExchange(
                port_, "GET /status.json?" + std::string(3000, 'a') + " HTTP/1.1\r\n\r\n")),
            414);
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, "GET /" + std::string(20000, 'a') +
                                                " HTTP/1.1\r\nHost: x\r\n\r\n")),
            414);
  // A header line over 8192 bytes.
  const int header = StatusCodeOf(RawExchange(
      port_, "GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n"));
  EXPECT_GE(header, 400);
  EXPECT_LT(header, 500);
  // More header fields than the demo's 64.
  std::string many = "GET /status.json HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, many + "\r\n")), 431);
  // A body over the 1024-byte limit.
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, "POST /composite HTTP/1.1\r\nHost: x\r\n"
                                            "Content-Type: application/x-www-form-urlencoded\r\n"
                                            "Content-Length: 100000\r\n\r\n" +
                                                std::string(100000, 'n'))),
            413);
  EXPECT_EQ(StatusCodeOf(RawExchange(port_, "POST /composite HTTP/1.1\r\nContent-Length: "
                                            "99999999999999999999999\r\n\r\n")) / 100,
            4);
  // Still serving.
  EXPECT_TRUE(demo_->Running());
  EXPECT_NE(Status().find("\"ready\": true"), std::string::npos);
}

TEST_F(CliDemoTest, StreamsAndSurvivesClientsThatLeaveMidStream) {
  Start("--interval 20 --composite epsilon-plus --max-clients 4");
  // Raw clients that read part of the stream and hang up.
  for (int i = 0; i < 4; ++i) {
    const std::string answer =
        RawExchange(port_, "GET /stream.mjpg?view=overlay HTTP/1.1\r\nHost: x\r\n\r\n", 6000, 10);
    EXPECT_EQ(StatusCodeOf(answer), 200);
    EXPECT_NE(answer.find("multipart/x-mixed-replace; boundary=lrpframe"), std::string::npos);
    EXPECT_NE(answer.find("--lrpframe\r\nContent-Type: image/jpeg"), std::string::npos);
  }
  // httplib's client reading several parts, then cancelling.
  std::string received;
  client_->Get("/stream.mjpg", [&](const char* data, size_t n) {
    received.append(data, n);
    return Count(received, "--lrpframe") < 3;
  });
  EXPECT_GE(Count(received, "--lrpframe"), 3u);
  EXPECT_TRUE(demo_->Running());
  EXPECT_NE(Status().find("\"ready\": true"), std::string::npos);
}

TEST_F(CliDemoTest, LimitsStreams) {
  Start("--interval 50 --composite epsilon-plus --max-clients 4");
  // max-clients 4 allows two streams; hold them open on raw sockets.
  const std::string request = "GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n";
  int held[2];
  for (int& fd : held) {
    fd = demo_test::Connect(port_);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  // Once the server has taken both (soon, but slower under emulation), a
  // third stream is refused.
  int refused = 0;
  for (int i = 0; i < 60 && refused != 503; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    refused = StatusCodeOf(RawExchange(port_, request, 200, 5));
  }
  EXPECT_EQ(refused, 503);
  for (int fd : held) close(fd);
  // The closed streams are released (on their next failed write).
  int code = 0;
  for (int i = 0; i < 300 && code != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    code = StatusCodeOf(RawExchange(port_, request, 200, 5));
  }
  EXPECT_EQ(code, 200);
}

TEST(CliDemoRunTest, StopsAfterFrames) {
  DemoProcess demo(DemoArgs("--interval 0 --frames 20 --composite epsilon"), cli_test::Tmp("e"));
  EXPECT_EQ(demo.Wait(120), 0) << cli_test::ReadFile(cli_test::Tmp("e"));
  demo.ReadUntil("frames per second", 5);
  EXPECT_NE(demo.output().find("lrp demo: 20 frames in "), std::string::npos) << demo.output();
}

TEST(CliDemoRunTest, StopsOnSigint) {
  DemoProcess demo(DemoArgs("--composite epsilon"), cli_test::Tmp("e"));
  const int port = demo.Port();
  ASSERT_GT(port, 0);
  // A second demo on the same port fails with a message, the first runs on.
  const cli_test::CliResult r = cli_test::Lrp(
      "demo --model " + Source("examples/models/fashion_mnist_cnn.lrpm") + " --images " +
      Source("examples/images") + " --composite epsilon --duration 30 --listen 127.0.0.1:" +
      std::to_string(port));
  cli_test::ExpectOneLineError(r, 1, "lrp demo: ", "cannot listen on 127.0.0.1:");
  EXPECT_TRUE(demo.Running());
  EXPECT_EQ(demo.Stop(SIGINT, 30), 0);
}

TEST(CliDemoRunTest, UsageErrors) {
  const std::string model = " --model " + Source("examples/models/fashion_mnist_cnn.lrpm");
  cli_test::CliResult r = cli_test::Lrp("demo" + model);
  cli_test::ExpectOneLineError(r, 2, "lrp demo: ",
                               "give exactly one of --camera, --images and --image");
  r = cli_test::Lrp("demo" + model + " --image a.png --images b");
  cli_test::ExpectOneLineError(r, 2, "lrp demo: ", "give exactly one");
  r = cli_test::Lrp("demo" + model + " --image a.png --listen nowhere");
  cli_test::ExpectOneLineError(r, 2, "lrp demo: ", "--listen: expected HOST:PORT");
  r = cli_test::Lrp("demo" + model + " --image a.png --camera-size 3x3");
  cli_test::ExpectOneLineError(r, 2, "lrp demo: ", "--camera-size needs --camera");
  r = cli_test::Lrp("demo" + model + " --images " + Source("examples/images") +
                    " --composite no-such-composite --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no-such-composite"), std::string::npos) << r.err;
  r = cli_test::Lrp("demo" + model + " --camera /dev/no-such-camera --composite epsilon"
                    " --listen 127.0.0.1:0");
  cli_test::ExpectOneLineError(r, 1, "lrp demo: ", "/dev/no-such-camera");
  r = cli_test::Lrp("demo" + model + " --image /no/such/image.png --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("/no/such/image.png"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lrp
