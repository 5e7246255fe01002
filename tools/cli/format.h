// Text formatting shared by the `lrp` subcommands. Output must be identical
// on every run and platform, so numbers go through fixed printf formats.
#ifndef LRP_TOOLS_CLI_FORMAT_H_
#define LRP_TOOLS_CLI_FORMAT_H_

#include <cstddef>
#include <string>
#include <vector>

namespace lrp {
namespace cli {

// Length of the valid UTF-8 sequence starting at s[i] (i < s.size()), or 0
// if it is invalid (overlong forms, surrogates and code points above
// U+10FFFF included).
size_t Utf8SequenceLength(const std::string& s, size_t i);

// `s` with control characters and invalid UTF-8 shown as \xNN. Names and messages can come
// from an untrusted model file; this keeps them on one line and keeps
// terminal escape sequences out of the output.
std::string Printable(const std::string& s);

// "%.6g", with "inf", "-inf" and "nan" spelled the same everywhere.
std::string FormatFloat(float value);

// The same for a double (relevance sums are accumulated in double).
std::string FormatDouble(double value);

// "[0.485, 0.456, 0.406]"; "[]" when empty.
std::string FormatFloats(const std::vector<float>& values);

// "1234567 B (1.18 MiB)": exact bytes plus a human-readable size.
std::string FormatBytes(size_t bytes);

// Pads or leaves `s` so it occupies at least `width` columns.
std::string PadRight(const std::string& s, size_t width);

// Prints `rows` on stdout as left-aligned columns, each line starting with
// `indent` and without trailing blanks; the first column is at least
// `first_width` wide so separate tables can line up.
void PrintTable(const std::vector<std::vector<std::string>>& rows, const char* indent,
                size_t first_width = 0);

}  // namespace cli
}  // namespace lrp

#endif  // LRP_TOOLS_CLI_FORMAT_H_
