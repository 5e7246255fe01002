#include "tools/io/file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace lrp {
namespace io {

Status IoError(const std::string& path, const std::string& what) {
  return Status(StatusCode::kIoError, path + ": " + what);
}

Status OpenRegularFile(const std::string& path, FilePtr* file, uint64_t* size) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return IoError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (fstat(fileno(f.get()), &st) != 0) {
    return IoError(path, std::string("cannot stat: ") + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return IoError(path, "is a directory, not a regular file");
  if (!S_ISREG(st.st_mode)) return IoError(path, "not a regular file");
  *size = static_cast<uint64_t>(st.st_size);
  *file = std::move(f);
  return Status::Ok();
}

Status ReadAll(std::FILE* file, const std::string& path, uint64_t size,
               std::vector<uint8_t>* bytes) {
  bytes->resize(static_cast<size_t>(size));
  if (std::fread(bytes->data(), 1, bytes->size(), file) != bytes->size()) {
    return IoError(path, std::ferror(file) ? std::strerror(errno) : "file shrank while reading");
  }
  return Status::Ok();
}

}  // namespace io
}  // namespace lrp
