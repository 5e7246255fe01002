// lrp_gallery: renders the heatmap gallery (docs/gallery/); see
// tools/gallery/gallery.h. tools/scripts/make_gallery.sh is the one command
// that rebuilds and regenerates the committed files.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tools/gallery/gallery.h"

namespace {

constexpr char kUsage[] =
    "usage: lrp_gallery --output-dir DIR [--source-dir DIR] [--panel NAME ...]\n"
    "                   [--columns 'SPEC SPEC ...'] [--scale N] [--command TEXT]\n"
    "\n"
    "Explains shipped test images with several composites on the shipped\n"
    "models and writes one grid per model, DIR/<panel>.png, and the page\n"
    "DIR/README.md.\n"
    "\n"
    "  --output-dir DIR    where the PNGs and README.md go (must exist)\n"
    "  --source-dir DIR    the source tree holding examples/ (default .)\n"
    "  --panel NAME        render only this panel, repeatable:\n"
    "                      fashion_mnist_cnn, fashion_mnist_lrn (default all)\n"
    "  --columns LIST      replace every panel's columns: space-separated\n"
    "                      specs, 'image' or COMPOSITE[:KEY=VALUE,...]\n"
    "                      (e.g. 'image epsilon epsilon-gamma-box:lrn=identity')\n"
    "  --scale N           tile pixels per input pixel (default 6)\n"
    "  --command TEXT      the regenerating command shown on the page\n"
    "                      (default: this command line)\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "lrp_gallery: %s (--help for usage)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  lrp::gallery::GalleryOptions options;
  std::string command = "lrp_gallery";
  bool command_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (flag.rfind("--", 0) != 0) return Usage("unexpected argument '" + flag + "'");
    if (i + 1 >= argc) return Usage(flag + ": expected a value");
    const std::string value = argv[++i];
    const bool quote = value.empty() || value.find_first_of(" \t'") != std::string::npos;
    command += " " + flag + " " + (quote ? "'" + value + "'" : value);
    if (flag == "--output-dir") {
      options.output_dir = value;
    } else if (flag == "--source-dir") {
      options.source_dir = value;
    } else if (flag == "--panel") {
      options.panels.push_back(value);
    } else if (flag == "--columns") {
      options.columns = value;
      if (value.find_first_not_of(" \t") == std::string::npos) {
        return Usage("--columns: expected at least one column");
      }
    } else if (flag == "--scale") {
      char* end = nullptr;
      const long scale = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || scale < 1 || scale > 64) {
        return Usage("--scale: expected an integer from 1 to 64, got '" + value + "'");
      }
      options.tile_scale = static_cast<int>(scale);
    } else if (flag == "--command") {
      options.command = value;
      command_given = true;
    } else {
      return Usage("unknown flag '" + flag + "'");
    }
  }
  if (options.output_dir.empty()) return Usage("--output-dir is required");
  if (!command_given) options.command = command;

  std::vector<std::string> written;
  const lrp::Status status = lrp::gallery::RunGallery(options, &written);
  if (!status.ok()) {
    std::fprintf(stderr, "lrp_gallery: %s\n", status.ToString().c_str());
    return 1;
  }
  for (const std::string& path : written) std::printf("wrote %s\n", path.c_str());
  return 0;
}
