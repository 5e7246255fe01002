// Feeds files to the fuzz target without libFuzzer, so the corpus (and any
// crash reproducer dropped into it) is replayed by every ordinary build.
//
//   model_loader_replay [--min-valid N] PATH...
//
// PATH is a file or a directory (its regular files, not recursive). Fails
// if no input was found, or if fewer than N inputs load as valid models
// (which catches a seed corpus gone stale after a format change).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "lrp/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool ReadFile(const std::filesystem::path& path, std::vector<uint8_t>* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  long min_valid = 0;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--min-valid") == 0 && i + 1 < argc) {
      min_valid = std::strtol(argv[++i], nullptr, 10);
      continue;
    }
    const std::filesystem::path path(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (std::filesystem::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s [--min-valid N] FILE_OR_DIR...  (no inputs found)\n",
                 argv[0]);
    return 1;
  }
  long valid = 0;
  for (const std::filesystem::path& file : files) {
    std::vector<uint8_t> bytes;
    if (!ReadFile(file, &bytes)) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 1;
    }
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    lrp::Model model;
    if (lrp::Model::FromBytes(bytes, &model).ok()) ++valid;
  }
  std::printf("replayed %zu inputs, %ld valid models\n", files.size(), valid);
  if (valid < min_valid) {
    std::fprintf(stderr, "expected at least %ld valid models\n", min_valid);
    return 1;
  }
  return 0;
}
