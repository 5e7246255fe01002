// The page in a real browser: Debian's headless Chromium renders it from a
// running `lrp demo`; the screenshot must show the heatmap overlay (the bwr
// colour map's red and blue) and the DOM the top-5 labels the script filled
// in. Skipped when chromium is not installed
// (tools/scripts/install_deps.sh browser).
#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "tests/demo/demo_process.h"
#include "tests/tools/cli_helpers.h"

namespace lrp {
namespace {

bool HaveChromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

std::string Chromium(const std::string& flags, const std::string& url) {
  // Root needs --no-sandbox; the GPU is irrelevant for a screenshot.
  return "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
         "--window-size=860,540 --virtual-time-budget=4000 " +
         flags + " " + url + " 2>/dev/null";
}

TEST(DemoBrowserTest, ScreenshotShowsOverlayAndLabels) {
  if (!HaveChromium()) GTEST_SKIP() << "chromium is not installed (install_deps.sh browser)";
  demo_test::DemoProcess demo(
      "--model " + cli_test::Quote(std::string(LRP_SOURCE_DIR) +
                                   "/examples/models/fashion_mnist_cnn.lrpm") +
          " --images " + cli_test::Quote(std::string(LRP_SOURCE_DIR) + "/examples/images") +
          " --listen 127.0.0.1:0 --interval 1000 --composite epsilon-gamma-box --duration 300",
      cli_test::Tmp("stderr.txt"));
  const int port = demo.Port();
  ASSERT_GT(port, 0) << demo.output();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

  const std::string png = cli_test::Tmp("page.png");
  std::remove(png.c_str());
  ASSERT_EQ(std::system(Chromium("--screenshot=" + cli_test::Quote(png), url).c_str()), 0);
  int w = 0, h = 0, c = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &w, &h, &c, 3);
  ASSERT_NE(pixels, nullptr) << png;
  // The overlay draws relevance in bwr over the picture in gray: red for
  // evidence for the class (the strongest relevance of a prediction is
  // positive), blue against (often too faint to count on). The shipped
  // images are gray, so red inside the left card below the view buttons
  // can only come from the overlay; the score bars (red) and links (blue)
  // are elsewhere on the page.
  size_t red_in_picture = 0, blue = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const unsigned char* p = pixels + (static_cast<size_t>(y) * w + x) * 3;
      const int r = p[0], g = p[1], b = p[2];
      const bool is_red = r - std::max(g, b) > 60;
      const bool is_blue = b - std::max(r, g) > 40;
      const bool in_picture = x < 380 && y > 100;
      if (is_red && in_picture) ++red_in_picture;
      if (is_blue && in_picture) ++blue;
    }
  }
  stbi_image_free(pixels);
  EXPECT_GT(red_in_picture, 50u) << png;
  std::printf("overlay pixels: %zu red, %zu blue\n", red_in_picture, blue);

  // The DOM after the scripts ran: five labelled rows and the timings.
  const std::string dom_path = cli_test::Tmp("dom.html");
  ASSERT_EQ(std::system((Chromium("--dump-dom", url) + " >" + cli_test::Quote(dom_path)).c_str()),
            0);
  const std::string dom = cli_test::ReadFile(dom_path);
  size_t labels = 0;
  for (const char* label : {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                            "Shirt", "Sneaker", "Bag", "Ankle boot"}) {
    labels += dom.find(std::string("<td>") + label + "</td>") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(labels, 5u) << dom;
  EXPECT_EQ(dom.find("id=\"forward\">-<"), std::string::npos) << "timings not filled in";
  EXPECT_NE(dom.find("<option value=\"epsilon-gamma-box\">"), std::string::npos) << dom;
  EXPECT_EQ(demo.Stop(SIGTERM, 30), 0);
}

}  // namespace
}  // namespace lrp
