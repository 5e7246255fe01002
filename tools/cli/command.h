// One `lrp` subcommand, and how subcommands report errors.
//
// Exit codes: 0 success (help included), 1 the work failed (bad model, file
// not found, shape mismatch), 2 the command line was wrong. Every error is
// one line on stderr, "lrp <command>: <message>", so scripts can grep it.
#ifndef LRP_TOOLS_CLI_COMMAND_H_
#define LRP_TOOLS_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Command {
  const char* name;     // "info"
  const char* summary;  // one line for `lrp --help`
  const char* usage;    // the full text of `lrp <name> --help`
  // Runs with the arguments that follow the command name; returns the exit
  // code. Help has been handled before this is called.
  int (*run)(const std::vector<std::string>& args);
};

const Command& InfoCommand();
const Command& RunCommand();
const Command& ExplainCommand();
const Command& ZooCommand();
const Command& BenchCommand();
const Command& EvalAccuracyCommand();
#ifdef LRP_WITH_ONNX
const Command& ConvertCommand();
#endif
#ifdef LRP_WITH_DEMO
const Command& DemoCommand();
#endif

// Print "lrp <command>: <message>" on stderr and return the exit code.
int UsageError(const char* command, const std::string& message);
int UsageError(const char* command, const Status& status);
int Failure(const char* command, const Status& status);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_COMMAND_H_
