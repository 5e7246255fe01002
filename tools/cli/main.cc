// The `lrp` command-line tool: dispatches to one subcommand per file
// (cmd_*.cc) and owns the top-level help.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/cli/args.h"
#include "tools/cli/command.h"
#include "tools/cli/format.h"

namespace lrp {
namespace cli {
namespace {

const std::vector<const Command*>& Commands() {
  static const std::vector<const Command*> commands = {
#ifdef LRP_WITH_ONNX
      &ConvertCommand(),
#endif
      &InfoCommand(), &RunCommand(), &ExplainCommand(), &ZooCommand(), &BenchCommand(),
      &EvalAccuracyCommand(),
#ifdef LRP_WITH_DEMO
      &DemoCommand(),
#endif
  };
  return commands;
}

const Command* Find(const std::string& name) {
  for (const Command* c : Commands()) {
    if (name == c->name) return c;
  }
  return nullptr;
}

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "usage: lrp COMMAND [ARGS]\n"
               "\n"
               "Runs neural networks (.lrpm models) and explains their predictions\n"
               "with Layer-wise Relevance Propagation.\n"
               "\n"
               "commands:\n");
  for (const Command* c : Commands()) {
    std::fprintf(out, "  %s%s\n", PadRight(c->name, 15).c_str(), c->summary);
  }
  std::fprintf(out, "  %s%s\n", PadRight("help", 15).c_str(), "show help for a command");
  std::fprintf(out, "\nRun 'lrp COMMAND --help' for a command's arguments.\n");
}

int Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (args.size() > 1) {
    std::fprintf(stderr, "lrp help: expected at most one COMMAND\n");
    return kExitUsage;
  }
  const Command* c = Find(args[0]);
  if (c == nullptr) {
    std::fprintf(stderr, "lrp help: unknown command '%s' (see 'lrp --help')\n",
                 Printable(args[0]).c_str());
    return kExitUsage;
  }
  std::fputs(c->usage, stdout);
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "--help" || name == "-h") return Help({});
  if (name == "help") return Help(args);
  const Command* c = Find(name);
  if (c == nullptr) {
    std::fprintf(stderr, "lrp: unknown command '%s' (see 'lrp --help')\n", Printable(name).c_str());
    return kExitUsage;
  }
  if (WantsHelp(args)) {
    std::fputs(c->usage, stdout);
    return kExitOk;
  }
  return c->run(args);
}

}  // namespace
}  // namespace cli
}  // namespace lrp

int main(int argc, char** argv) { return lrp::cli::Main(argc, argv); }
