// Runs an .lrpm model in a caller-owned arena: the smallest complete use of
// the C++ API. Usage: lrp_example_run_model MODEL.lrpm
//
// The input here is a constant image; `lrp run` shows how to feed real data.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "lrp/lrp.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL.lrpm\n", argv[0]);
    return 2;
  }
  lrp::Model model;
  lrp::Status status = lrp::Model::Load(argv[1], &model);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }

  // Ask for the exact arena before anything runs, then hand it over.
  lrp::SessionOptions options;
  lrp::ArenaReport report;
  status = lrp::Session::RequiredArena(model, options, &report);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  void* arena = std::aligned_alloc(64, (report.total + 63) / 64 * 64);
  options.arena = arena;
  options.arena_bytes = report.total;

  std::unique_ptr<lrp::Session> session;
  status = lrp::Session::Create(model, options, &session);
  if (status.ok()) {
    std::vector<float> input(session->input_size(), 0.5f);
    status = session->Forward(input.data(), input.size());
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    session.reset();
    std::free(arena);
    return 1;
  }

  size_t best = 0;
  for (size_t i = 1; i < session->output_size(); ++i) {
    if (session->output()[i] > session->output()[best]) best = i;
  }
  std::printf("arena: %zu bytes\ntop-1: class %zu (%g)\n", report.total, best,
              static_cast<double>(session->output()[best]));
  session.reset();  // the Session must go before its arena
  std::free(arena);
  return 0;
}
