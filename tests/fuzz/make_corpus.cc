// Writes the fuzz seed corpus: small valid models covering every layer kind,
// plus a few damaged copies so the fuzzer starts on both sides of the
// verifier. Run once and commit the output (tests/fuzz/README.md):
//
//   make_fuzz_corpus tests/fuzz/corpus
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "lrp/model_builder.h"
#include "tests/support/test_models.h"

namespace {

bool Write(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out.good()) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return false;
  }
  std::printf("%s: %zu bytes\n", path.c_str(), bytes.size());
  return true;
}

bool Finish(void (*build)(uint64_t, lrp::ModelBuilder*), uint64_t seed,
            std::vector<uint8_t>* bytes) {
  lrp::ModelBuilder b;
  build(seed, &b);
  const lrp::Status s = b.Finish(bytes);
  if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
  return s.ok();
}

void BuildDeep3(uint64_t seed, lrp::ModelBuilder* b) {
  lrp::test::BuildDeepSequential(3, seed, b);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 1;
  }
  const std::string dir = argv[1];
  std::vector<uint8_t> tiny, cnn, residual, all, deep;
  if (!Finish(lrp::test::BuildTinyDense, 1, &tiny) ||
      !Finish(lrp::test::BuildSmallCnn, 1, &cnn) ||
      !Finish(lrp::test::BuildResidualNet, 1, &residual) ||
      !Finish(lrp::test::BuildAllLayers, 1, &all) || !Finish(BuildDeep3, 1, &deep)) {
    return 1;
  }
  bool ok = Write(dir, "tiny_dense.lrpm", tiny) && Write(dir, "small_cnn.lrpm", cnn) &&
            Write(dir, "residual.lrpm", residual) && Write(dir, "all_layers.lrpm", all) &&
            Write(dir, "deep3.lrpm", deep);

  std::vector<uint8_t> truncated(all.begin(), all.begin() + all.size() / 2);
  ok = ok && Write(dir, "bad_truncated.lrpm", truncated);
  std::vector<uint8_t> identifier = tiny;
  identifier[4] = 'X';
  ok = ok && Write(dir, "bad_identifier.lrpm", identifier);
  // Every 7th of the first 512 bytes inverted; near the front of a
  // flatbuffer sit the root table, vtables and offsets.
  std::vector<uint8_t> flipped = cnn;
  for (size_t i = 8; i < flipped.size() && i < 512; i += 7) flipped[i] ^= 0xFF;
  ok = ok && Write(dir, "bad_flipped.lrpm", flipped);
  ok = ok && Write(dir, "bad_empty.lrpm", {});
  return ok ? 0 : 1;
}
