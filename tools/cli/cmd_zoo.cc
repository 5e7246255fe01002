// `lrp zoo`: standard architectures with seeded random weights.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "lrp/model.h"
#include "lrp/model_builder.h"
#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"
#include "tools/zoo/zoo.h"

namespace lrp {
namespace cli {
namespace {

constexpr char kName[] = "zoo";
constexpr uint64_t kDefaultSeed = 1;

constexpr char kUsage[] =
    "usage: lrp zoo NAME -o FILE [--seed S]\n"
    "       lrp zoo --list\n"
    "\n"
    "Writes the architecture NAME with random (He-initialized) weights to the\n"
    "model file FILE, for benchmarks and tests. The same NAME and seed give\n"
    "the same file on every platform.\n"
    "\n"
    "flags:\n"
    "  -o, --output FILE  the .lrpm file to write\n"
    "  --seed S           random seed, a non-negative integer (default 1)\n"
    "  --list             list the available architectures\n";

constexpr FlagSpec kFlags[] = {
    {"--output", "-o", true},
    {"--seed", nullptr, true},
    {"--list", nullptr, false},
};

int List() {
  size_t width = 0;
  for (const zoo::ZooEntry& e : zoo::Entries()) width = std::max(width, std::string(e.name).size());
  for (const zoo::ZooEntry& e : zoo::Entries()) {
    std::printf("%s%s\n", PadRight(e.name, width + 2).c_str(), e.description);
  }
  return kExitOk;
}

bool IsKnown(const std::string& name, std::string* known) {
  bool found = false;
  for (const zoo::ZooEntry& e : zoo::Entries()) {
    if (name == e.name) found = true;
    if (!known->empty()) *known += ", ";
    *known += e.name;
  }
  return found;
}

int Run(const std::vector<std::string>& argv) {
  ParsedArgs args;
  Status s = ParseArgs(argv, kFlags, &args);
  if (!s.ok()) return UsageError(kName, s);
  if (args.Has("--list")) {
    if (!args.positional().empty() || args.Has("--output") || args.Has("--seed")) {
      return UsageError(kName, "--list takes no other arguments");
    }
    return List();
  }
  if (args.positional().size() != 1) {
    return UsageError(kName, args.positional().empty()
                                 ? "missing NAME"
                                 : "expected one NAME, got " +
                                       std::to_string(args.positional().size()) + " arguments");
  }
  const std::string& name = args.positional()[0];
  std::string known;
  if (!IsKnown(name, &known)) {
    return UsageError(kName, "unknown architecture '" + name + "' (available: " + known + ")");
  }
  std::string path;
  uint64_t seed = kDefaultSeed;
  for (Status check :
       {args.Required("--output", &path), args.UInt64("--seed", kDefaultSeed, &seed)}) {
    if (!check.ok()) return UsageError(kName, check);
  }

  ModelBuilder builder;
  s = zoo::Build(name, seed, &builder);
  if (!s.ok()) return Failure(kName, s);
  s = builder.WriteFile(path);
  if (!s.ok()) return Failure(kName, s);

  // Reading the file back proves it loads and gives the summary; the
  // weights stay mapped rather than copied, which matters for vgg16.
  Model model;
  s = Model::Load(path, &model);
  if (!s.ok()) return Failure(kName, s);
  std::printf("wrote %s (seed %llu) to %s: %zu layers, %zu parameters, input %s, output %s\n",
              name.c_str(), static_cast<unsigned long long>(seed), Printable(path).c_str(),
              model.layers().size(), model.parameter_count(),
              model.input_shape().ToString().c_str(), model.output_shape().ToString().c_str());
  return kExitOk;
}

}  // namespace

const Command& ZooCommand() {
  static const Command command = {kName, "write a standard architecture with random weights",
                                  kUsage, Run};
  return command;
}

}  // namespace cli
}  // namespace lrp
