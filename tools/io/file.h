// Opening untrusted input files: one place that turns "missing",
// "directory", "device" and read failures into Status messages naming the
// path, for the .npy, IDX and image readers.
#ifndef LRP_TOOLS_IO_FILE_H_
#define LRP_TOOLS_IO_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "lrp/status.h"

namespace lrp {
namespace io {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// kIoError "PATH: WHAT".
Status IoError(const std::string& path, const std::string& what);

// Opens `path` for binary reading; it must be a regular file. `size`
// receives its length.
Status OpenRegularFile(const std::string& path, FilePtr* file, uint64_t* size);

// Reads all `size` bytes of an opened file (callers check `size` against
// their own limit first, so nothing is allocated for a lying length).
Status ReadAll(std::FILE* file, const std::string& path, uint64_t size,
               std::vector<uint8_t>* bytes);

}  // namespace io
}  // namespace lrp

#endif  // LRP_TOOLS_IO_FILE_H_
