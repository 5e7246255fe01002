// Loads the model given on the command line, runs one forward pass on a
// constant input and prints the output size and the top class.
#include <cstdio>
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
  std::unique_ptr<lrp::Session> session;
  if (status.ok()) status = lrp::Session::Create(model, lrp::SessionOptions(), &session);
  if (status.ok()) {
    std::vector<float> input(session->input_size(), 0.5f);
    status = session->Forward(input.data(), input.size());
  }
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  size_t best = 0;
  for (size_t i = 1; i < session->output_size(); ++i) {
    if (session->output()[i] > session->output()[best]) best = i;
  }
  std::printf("output size: %zu\ntop-1: class %zu\n", session->output_size(), best);
  return 0;
}
