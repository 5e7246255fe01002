#include "tools/io/npy.h"

#include "tools/io/file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace lrp {
namespace io {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// A legitimate header for a float array of at most kMaxNpyRank dimensions is
// a few hundred bytes; the cap keeps a hostile length field from making us
// read or scan megabytes before we know the file is nonsense.
constexpr size_t kMaxHeaderBytes = size_t{1} << 20;
// numpy.save pads the header so the data starts on a 64-byte boundary.
constexpr size_t kHeaderAlignment = 64;

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

enum class DType { kF4, kF8 };

struct Header {
  DType dtype = DType::kF4;
  std::vector<int64_t> shape;
  int64_t elements = 0;
  size_t data_offset = 0;  // bytes from the start of the file
};

size_t ItemSize(DType dtype) { return dtype == DType::kF4 ? 4 : 8; }

// Parses the Python dict literal NumPy writes, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }
// Only the subset of Python syntax that can appear there is accepted.
class HeaderParser {
 public:
  HeaderParser(const char* text, size_t size) : p_(text), end_(text + size) {}

  Status Parse(Header* h) {
    bool have_descr = false, have_order = false, have_shape = false;
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    for (;;) {
      SkipSpace();
      if (Consume('}')) break;
      std::string key;
      LRP_RETURN_IF_ERROR(ParseString("key", &key));
      SkipSpace();
      if (!Consume(':')) return Error("expected ':' after '" + key + "'");
      SkipSpace();
      if (key == "descr") {
        if (have_descr) return Error("duplicate key 'descr'");
        have_descr = true;
        LRP_RETURN_IF_ERROR(ParseDescr(&h->dtype));
      } else if (key == "fortran_order") {
        if (have_order) return Error("duplicate key 'fortran_order'");
        have_order = true;
        bool fortran = false;
        LRP_RETURN_IF_ERROR(ParseBool(&fortran));
        if (fortran) {
          return Invalid(
              "array is stored in Fortran order; only C order is supported "
              "(save it with numpy.ascontiguousarray)");
        }
      } else if (key == "shape") {
        if (have_shape) return Error("duplicate key 'shape'");
        have_shape = true;
        LRP_RETURN_IF_ERROR(ParseShape(&h->shape));
      } else {
        return Error("unexpected key '" + key + "'");
      }
      SkipSpace();
      if (Consume(',')) continue;
      if (Consume('}')) break;
      return Error("expected ',' or '}'");
    }
    SkipSpace();
    if (p_ != end_) return Error("unexpected text after '}'");
    if (!have_descr) return Error("missing key 'descr'");
    if (!have_order) return Error("missing key 'fortran_order'");
    if (!have_shape) return Error("missing key 'shape'");
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) const { return Invalid("malformed .npy header: " + what); }

  void SkipSpace() {
    // NumPy pads with spaces and ends with '\n'; some writers pad with NULs.
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r' || *p_ == '\0')) {
      ++p_;
    }
  }

  bool Consume(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool ConsumeWord(const char* word) {
    size_t n = std::strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) {
      return false;
    }
    p_ += n;
    return true;
  }

  Status ParseString(const char* what, std::string* out) {
    if (p_ == end_ || (*p_ != '\'' && *p_ != '"')) {
      return Error(std::string("expected a quoted ") + what);
    }
    char quote = *p_++;
    const char* start = p_;
    while (p_ != end_ && *p_ != quote) {
      // Escapes never occur in the keys and dtypes we accept.
      if (*p_ == '\\' || *p_ == '\n') {
        return Error(std::string("unsupported character in ") + what);
      }
      ++p_;
    }
    if (p_ == end_) return Error(std::string("unterminated ") + what);
    out->assign(start, p_);
    ++p_;
    return Status::Ok();
  }

  Status ParseDescr(DType* dtype) {
    if (p_ != end_ && (*p_ == '[' || *p_ == '{')) {
      return Invalid("structured dtypes are not supported (expected '<f4' or '<f8')");
    }
    std::string descr;
    LRP_RETURN_IF_ERROR(ParseString("descr", &descr));
    if (descr == "<f4") {
      *dtype = DType::kF4;
    } else if (descr == "<f8") {
      *dtype = DType::kF8;
    } else if (descr == ">f4" || descr == ">f8") {
      return Invalid("big-endian dtype '" + descr + "' is not supported (expected '<f4' or '<f8')");
    } else {
      return Invalid("unsupported dtype '" + descr + "' (expected '<f4' or '<f8')");
    }
    return Status::Ok();
  }

  Status ParseBool(bool* value) {
    if (ConsumeWord("True")) {
      *value = true;
    } else if (ConsumeWord("False")) {
      *value = false;
    } else {
      return Error("'fortran_order' must be True or False");
    }
    return Status::Ok();
  }

  Status ParseDim(int64_t* dim) {
    if (p_ != end_ && *p_ == '-') {
      return Invalid("malformed .npy header: negative dimension in 'shape'");
    }
    if (p_ == end_ || *p_ < '0' || *p_ > '9') {
      return Error("expected an integer in 'shape'");
    }
    int64_t value = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      value = value * 10 + (*p_ - '0');
      if (value > kMaxNpyElements) {
        return Invalid("array dimension exceeds the limit of " + std::to_string(kMaxNpyElements) +
                       " elements");
      }
      ++p_;
    }
    Consume('L');  // Python 2 wrote longs as "3L".
    *dim = value;
    return Status::Ok();
  }

  Status ParseShape(std::vector<int64_t>* shape) {
    shape->clear();
    if (!Consume('(')) return Error("'shape' must be a tuple");
    SkipSpace();
    if (Consume(')')) return Status::Ok();
    for (;;) {
      SkipSpace();
      int64_t dim = 0;
      LRP_RETURN_IF_ERROR(ParseDim(&dim));
      if (shape->size() == kMaxNpyRank) {
        return Invalid("array has more than " + std::to_string(kMaxNpyRank) + " dimensions");
      }
      shape->push_back(dim);
      SkipSpace();
      if (Consume(')')) break;
      if (!Consume(',')) return Error("expected ',' or ')' in 'shape'");
      SkipSpace();
      if (Consume(')')) break;
    }
    // "(3)" is an int in Python, not a tuple, so NumPy would reject it too.
    return Status::Ok();
  }

  const char* p_;
  const char* end_;
};

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

uint64_t LoadLe64(const uint8_t* p) {
  return uint64_t{LoadLe32(p)} | uint64_t{LoadLe32(p + 4)} << 32;
}

// Reads the fixed preamble (magic, version, header length) of `size` bytes
// at `bytes` and returns the header's length and where it starts.
Status ParsePreamble(const uint8_t* bytes, size_t size, size_t* header_start, size_t* header_len) {
  if (size == 0) return Invalid("empty file, expected a .npy array");
  if (size < kMagicSize || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    return Invalid("not a .npy file (bad magic)");
  }
  if (size < kMagicSize + 2) return Invalid("truncated .npy preamble");
  uint8_t major = bytes[kMagicSize], minor = bytes[kMagicSize + 1];
  size_t len_bytes;
  if (major == 1 && minor == 0) {
    len_bytes = 2;
  } else if ((major == 2 || major == 3) && minor == 0) {
    // 3.0 only differs from 2.0 by allowing UTF-8 in the header.
    len_bytes = 4;
  } else {
    return Invalid("unsupported .npy format version " + std::to_string(major) + "." +
                   std::to_string(minor));
  }
  *header_start = kMagicSize + 2 + len_bytes;
  if (size < *header_start) return Invalid("truncated .npy preamble");
  const uint8_t* len = bytes + kMagicSize + 2;
  *header_len = len_bytes == 2 ? size_t{len[0]} | size_t{len[1]} << 8 : size_t{LoadLe32(len)};
  if (*header_len > kMaxHeaderBytes) {
    return Invalid(".npy header length " + std::to_string(*header_len) + " exceeds the limit of " +
                   std::to_string(kMaxHeaderBytes) + " bytes");
  }
  return Status::Ok();
}

Status ParseHeaderText(const uint8_t* text, size_t len, Header* h) {
  HeaderParser parser(reinterpret_cast<const char*>(text), len);
  LRP_RETURN_IF_ERROR(parser.Parse(h));
  h->elements = NpyElementCount(h->shape);
  if (h->elements < 0) {
    return Invalid("array shape " + NpyShapeString(h->shape) + " exceeds the limit of " +
                   std::to_string(kMaxNpyElements) + " elements");
  }
  return Status::Ok();
}

// Expected data bytes, checked against what is actually present.
Status CheckDataSize(const Header& h, size_t available) {
  uint64_t expected = static_cast<uint64_t>(h.elements) * ItemSize(h.dtype);
  if (available < expected) {
    return Invalid("truncated .npy data: shape " + NpyShapeString(h.shape) + " needs " +
                   std::to_string(expected) + " bytes, file has " + std::to_string(available));
  }
  if (available > expected) {
    return Invalid(".npy file has " + std::to_string(available - expected) +
                   " bytes after the data of shape " + NpyShapeString(h.shape));
  }
  return Status::Ok();
}

void DecodeData(const Header& h, const uint8_t* data, std::vector<float>* out) {
  size_t n = static_cast<size_t>(h.elements);
  out->resize(n);
  float* dst = out->data();
  if (h.dtype == DType::kF4) {
    for (size_t i = 0; i < n; ++i) {
      uint32_t bits = LoadLe32(data + 4 * i);
      std::memcpy(&dst[i], &bits, sizeof(float));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      uint64_t bits = LoadLe64(data + 8 * i);
      double value;
      std::memcpy(&value, &bits, sizeof(double));
      dst[i] = static_cast<float>(value);
    }
  }
}


// Prefixes a parse error with the file it came from.
Status InFile(const std::string& path, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), path + ": " + s.message());
}

Status ReadExactly(std::FILE* f, const std::string& path, size_t n, uint8_t* dst) {
  if (n != 0 && std::fread(dst, 1, n, f) != n) {
    return IoError(path, std::ferror(f) ? std::strerror(errno) : "unexpected end of file");
  }
  return Status::Ok();
}

}  // namespace

int64_t NpyElementCount(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t d : shape) {
    // Both factors are at most 2^31 here, so the product cannot overflow.
    if (d < 0 || d > kMaxNpyElements) return -1;
    count *= d;
    if (count > kMaxNpyElements) return -1;
  }
  return count;
}

std::string NpyShapeString(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

Status ParseNpy(const uint8_t* bytes, size_t size, NpyArray* out) {
  size_t header_start = 0, header_len = 0;
  LRP_RETURN_IF_ERROR(ParsePreamble(bytes, size, &header_start, &header_len));
  if (size - header_start < header_len) {
    return Invalid("truncated .npy header: " + std::to_string(header_len) + " bytes announced, " +
                   std::to_string(size - header_start) + " present");
  }
  Header h;
  LRP_RETURN_IF_ERROR(ParseHeaderText(bytes + header_start, header_len, &h));
  h.data_offset = header_start + header_len;
  LRP_RETURN_IF_ERROR(CheckDataSize(h, size - h.data_offset));
  DecodeData(h, bytes + h.data_offset, &out->data);
  out->shape = std::move(h.shape);
  return Status::Ok();
}

Status ReadNpy(const std::string& path, NpyArray* out) {
  FilePtr f;
  uint64_t size = 0;
  LRP_RETURN_IF_ERROR(OpenRegularFile(path, &f, &size));
  size_t file_size = static_cast<size_t>(size);

  // Preamble and header first, so a lying header is caught before the
  // data buffer is sized.
  uint8_t preamble[kMagicSize + 2 + 4];
  size_t preamble_read = std::fread(preamble, 1, sizeof(preamble), f.get());
  size_t header_start = 0, header_len = 0;
  LRP_RETURN_IF_ERROR(
      InFile(path, ParsePreamble(preamble, preamble_read, &header_start, &header_len)));
  if (file_size - header_start < header_len) {
    return InFile(path, Invalid("truncated .npy header: " + std::to_string(header_len) +
                                " bytes announced, " + std::to_string(file_size - header_start) +
                                " present"));
  }
  std::vector<uint8_t> text(header_len);
  if (std::fseek(f.get(), static_cast<long>(header_start), SEEK_SET) != 0) {
    return IoError(path, std::string("cannot seek: ") + std::strerror(errno));
  }
  LRP_RETURN_IF_ERROR(ReadExactly(f.get(), path, header_len, text.data()));
  Header h;
  LRP_RETURN_IF_ERROR(InFile(path, ParseHeaderText(text.data(), header_len, &h)));
  h.data_offset = header_start + header_len;
  LRP_RETURN_IF_ERROR(InFile(path, CheckDataSize(h, file_size - h.data_offset)));

  std::vector<uint8_t> raw(static_cast<size_t>(h.elements) * ItemSize(h.dtype));
  LRP_RETURN_IF_ERROR(ReadExactly(f.get(), path, raw.size(), raw.data()));
  DecodeData(h, raw.data(), &out->data);
  out->shape = std::move(h.shape);
  return Status::Ok();
}

Status EncodeNpy(const std::vector<int64_t>& shape, const float* data,
                 std::vector<uint8_t>* bytes) {
  if (shape.size() > kMaxNpyRank) {
    return Invalid("cannot write an array of rank " + std::to_string(shape.size()));
  }
  int64_t elements = NpyElementCount(shape);
  if (elements < 0) {
    return Invalid("cannot write an array of shape " + NpyShapeString(shape));
  }
  if (elements > 0 && data == nullptr) return Invalid("no data to write");

  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + NpyShapeString(shape) + ", }";
  // Pad with spaces so that preamble + header + '\n' is a multiple of 64.
  size_t preamble = kMagicSize + 2 + 2;
  size_t header_len = dict.size() + 1;
  if (preamble + header_len > 0xffff) preamble = kMagicSize + 2 + 4;
  size_t padded =
      (preamble + header_len + kHeaderAlignment - 1) / kHeaderAlignment * kHeaderAlignment;
  dict.append(padded - preamble - header_len, ' ');
  dict += '\n';
  header_len = dict.size();

  bytes->clear();
  bytes->reserve(padded + static_cast<size_t>(elements) * 4);
  bytes->insert(bytes->end(), kMagic, kMagic + kMagicSize);
  if (preamble == kMagicSize + 4) {
    bytes->push_back(1);
    bytes->push_back(0);
    bytes->push_back(static_cast<uint8_t>(header_len));
    bytes->push_back(static_cast<uint8_t>(header_len >> 8));
  } else {
    bytes->push_back(2);
    bytes->push_back(0);
    for (int i = 0; i < 4; ++i) bytes->push_back(static_cast<uint8_t>(header_len >> (8 * i)));
  }
  bytes->insert(bytes->end(), dict.begin(), dict.end());
  for (int64_t i = 0; i < elements; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &data[i], sizeof(bits));
    for (int b = 0; b < 4; ++b) bytes->push_back(static_cast<uint8_t>(bits >> (8 * b)));
  }
  return Status::Ok();
}

Status WriteNpy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  std::vector<uint8_t> bytes;
  LRP_RETURN_IF_ERROR(EncodeNpy(shape, data, &bytes));
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) return IoError(path, std::string("cannot create: ") + std::strerror(errno));
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size()) {
    return IoError(path, std::string("write failed: ") + std::strerror(errno));
  }
  // fclose flushes; a full disk may only show up here.
  if (std::fclose(f.release()) != 0) {
    return IoError(path, std::string("write failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace io
}  // namespace lrp
