// Model storage: mapped file, owned bytes, or borrowed bytes.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "lrp/model.h"

namespace lrp {

struct Model::Storage {
  std::vector<uint8_t> bytes;  // FromBytes, or Load() without mmap
  void* mapped = nullptr;
  size_t mapped_size = 0;
  ~Storage() {
    if (mapped) munmap(mapped, mapped_size);
  }
};

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Status Model::View(const void* data, size_t size, Model* out) {
  if (data == nullptr || size == 0) {
    return Status(StatusCode::kInvalidModel, "model bytes are empty");
  }
  if (reinterpret_cast<uintptr_t>(data) % alignof(float) != 0) {
    return Status(StatusCode::kInvalidArgument, "model bytes must be 4-byte aligned");
  }
  Model m;
  m.data_ = static_cast<const uint8_t*>(data);
  m.size_ = size;
  LRP_RETURN_IF_ERROR(m.Verify());
  *out = std::move(m);
  return Status::Ok();
}

Status Model::FromBytes(std::vector<uint8_t> bytes, Model* out) {
  Model m;
  m.storage_.reset(new Storage());
  m.storage_->bytes = std::move(bytes);
  m.data_ = m.storage_->bytes.data();
  m.size_ = m.storage_->bytes.size();
  if (m.size_ == 0) return Status(StatusCode::kInvalidModel, "model bytes are empty");
  LRP_RETURN_IF_ERROR(m.Verify());
  *out = std::move(m);
  return Status::Ok();
}

Status Model::Load(const std::string& path, Model* out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kIoError, "cannot open '" + path + "': " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status(StatusCode::kIoError, "'" + path + "' is not a regular file");
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return Status(StatusCode::kInvalidModel, "'" + path + "' is empty");
  }
  Model m;
  m.storage_.reset(new Storage());
  void* mapped = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (mapped != MAP_FAILED) {
    m.storage_->mapped = mapped;
    m.storage_->mapped_size = size;
    m.data_ = static_cast<const uint8_t*>(mapped);
  } else {
    // No mmap (e.g. some special file systems): read it instead.
    m.storage_->bytes.resize(size);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = read(fd, m.storage_->bytes.data() + done, size - done);
      if (n <= 0) {
        close(fd);
        return Status(StatusCode::kIoError, "cannot read '" + path + "'");
      }
      done += static_cast<size_t>(n);
    }
    m.data_ = m.storage_->bytes.data();
  }
  close(fd);
  m.size_ = size;
  Status s = m.Verify();
  if (!s.ok()) return Status(s.code(), "'" + path + "': " + s.message());
  *out = std::move(m);
  return Status::Ok();
}

size_t Model::parameter_count() const {
  size_t n = 0;
  for (const LayerDesc& l : layers_) n += l.parameters();
  return n;
}

}  // namespace lrp
