#include "tools/io/idx.h"

#include "tools/io/file.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace lrp {
namespace io {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr size_t kMagicBytes = 4;
constexpr size_t kDimBytes = 4;
constexpr size_t kMaxHeaderBytes = kMagicBytes + kDimBytes * kMaxIdxRank;
// The largest file that can hold kMaxIdxElements bytes: the uncompressed
// array plus room for gzip's framing and deflate's stored-block overhead
// (5 bytes per 64 KiB), generously rounded up.
constexpr uint64_t kMaxFileBytes = uint64_t{kMaxIdxElements} + (uint64_t{1} << 24);
// zlib counts its input in uInt; the whole file is handed over at once so
// the bytes after one gzip member can be inspected in place.
static_assert(kMaxFileBytes <= UINT_MAX, "a whole file must fit zlib's avail_in");
// Decompressed elements are allocated in steps of at least this size, and
// at most doubling what has been decompressed so far.
constexpr size_t kMinGrowthBytes = size_t{1} << 20;

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

std::string Hex(const uint8_t* bytes, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof(buf), i == 0 ? "%02x" : " %02x", bytes[i]);
    s += buf;
  }
  return s;
}

// The element types the IDX format defines, for messages; null if unknown.
const char* TypeName(uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "int16";
    case 0x0C: return "int32";
    case 0x0D: return "float32";
    case 0x0E: return "float64";
    default: return nullptr;
  }
}

// Checks the 4-byte magic and returns the number of dimensions.
Status ParseMagic(const uint8_t* magic, size_t* rank) {
  if (magic[0] != 0 || magic[1] != 0) {
    return Invalid("not an IDX file: bad magic " + Hex(magic, kMagicBytes) +
                   ", expected 00 00 08 followed by the number of dimensions");
  }
  const std::string type = Hex(magic + 2, 1);
  const char* name = TypeName(magic[2]);
  if (name == nullptr) return Invalid("unknown IDX element type 0x" + type);
  if (magic[2] != kUnsignedByte) {
    return Invalid("IDX element type 0x" + type + " (" + name +
                   ") is not supported; only 0x08 (unsigned byte) is");
  }
  if (magic[3] == 0) return Invalid("IDX header declares no dimensions");
  if (magic[3] > kMaxIdxRank) {
    return Invalid("IDX header declares " + std::to_string(magic[3]) + " dimensions; at most " +
                   std::to_string(kMaxIdxRank) + " are supported");
  }
  *rank = magic[3];
  return Status::Ok();
}

// Decodes `rank` big-endian sizes and their product, capped at
// kMaxIdxElements.
Status ParseDims(const uint8_t* p, size_t rank, std::vector<int64_t>* dims, size_t* elements) {
  dims->clear();
  bool empty = false;
  for (size_t i = 0; i < rank; ++i, p += kDimBytes) {
    const uint32_t d = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
                       (uint32_t{p[2]} << 8) | uint32_t{p[3]};
    dims->push_back(d);
    empty = empty || d == 0;
  }
  uint64_t product = 1;
  if (empty) product = 0;
  // The product so far is at most 2^31 and each size below 2^32, so every
  // step fits in 64 bits.
  for (size_t i = 0; i < rank && !empty; ++i) {
    product *= static_cast<uint64_t>((*dims)[i]);
    if (product > static_cast<uint64_t>(kMaxIdxElements)) {
      return Invalid("IDX dims " + IdxDimsString(*dims) + " hold more than " +
                     std::to_string(kMaxIdxElements) + " elements");
    }
  }
  *elements = static_cast<size_t>(product);
  return Status::Ok();
}

std::string ByteCount(size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string SizeMismatch(const char* what, const std::vector<int64_t>& dims, size_t elements,
                         const std::string& present) {
  return std::string(what) + ": dims " + IdxDimsString(dims) + " need " +
         std::to_string(elements) + " bytes of data, " + present;
}

Status ParsePlain(const uint8_t* bytes, size_t size, IdxArray* out) {
  if (size < kMagicBytes) {
    return Invalid("truncated IDX header: " + std::to_string(size) + " bytes");
  }
  size_t rank = 0;
  LRP_RETURN_IF_ERROR(ParseMagic(bytes, &rank));
  const size_t header = kMagicBytes + kDimBytes * rank;
  if (size < header) {
    return Invalid("truncated IDX header: " + std::to_string(rank) + " dimensions need " +
                   std::to_string(header) + " bytes, the file has " + std::to_string(size));
  }
  IdxArray array;
  size_t elements = 0;
  LRP_RETURN_IF_ERROR(ParseDims(bytes + kMagicBytes, rank, &array.dims, &elements));
  // Both checks come before the elements are allocated.
  const size_t present = size - header;
  if (present < elements) {
    return Invalid(SizeMismatch("truncated IDX data", array.dims, elements,
                                "the file holds " + std::to_string(present)));
  }
  if (present > elements) {
    return Invalid(SizeMismatch("trailing bytes after the IDX data", array.dims, elements,
                                "the file holds " + std::to_string(present)));
  }
  array.data.assign(bytes + header, bytes + size);
  *out = std::move(array);
  return Status::Ok();
}

// Decompresses a gzip file held in memory, one or more members back to
// back as gzip(1) writes them, and verifies every member's CRC and length.
class GzipReader {
 public:
  GzipReader(const uint8_t* bytes, size_t size) {
    stream_.next_in = const_cast<Bytef*>(bytes);
    stream_.avail_in = static_cast<uInt>(size);
  }
  ~GzipReader() {
    if (initialized_) inflateEnd(&stream_);
  }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  Status Init() {
    // 16 + MAX_WBITS: gzip framing only; a raw zlib stream is not an IDX file.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) {
      return Status(StatusCode::kInternal, "cannot start gzip decompression");
    }
    initialized_ = true;
    return Status::Ok();
  }

  // Decompresses up to `n` bytes into `dst`; *got < n only when the
  // compressed data has ended (cleanly: truncation is an error).
  Status Read(uint8_t* dst, size_t n, size_t* got) {
    *got = 0;
    while (*got < n && !finished_) {
      const size_t want = std::min<size_t>(n - *got, UINT_MAX);
      stream_.next_out = dst + *got;
      stream_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      *got += want - stream_.avail_out;
      if (rc == Z_STREAM_END) {
        LRP_RETURN_IF_ERROR(NextMember());
      } else if (rc == Z_BUF_ERROR && stream_.avail_in == 0) {
        return Invalid("truncated gzip data: the compressed stream ends early");
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        return Invalid(std::string("corrupt gzip data: ") +
                       (stream_.msg != nullptr ? stream_.msg : "invalid deflate stream"));
      } else if (rc == Z_MEM_ERROR) {
        return Status(StatusCode::kInternal, "out of memory while decompressing");
      } else if (rc != Z_OK) {
        return Invalid("gzip decompression failed (zlib error " + std::to_string(rc) + ")");
      }
    }
    return Status::Ok();
  }

 private:
  // After a member's trailer: the end of the file, another member, or bytes
  // that are neither (rejected; gzip(1) only warns about them).
  Status NextMember() {
    const size_t left = stream_.avail_in;
    if (left == 0) {
      finished_ = true;
      return Status::Ok();
    }
    const uint8_t* p = stream_.next_in;
    if (left < 2 || p[0] != 0x1f || p[1] != 0x8b) {
      return Invalid("trailing garbage after the gzip stream: " + ByteCount(left));
    }
    if (inflateReset(&stream_) != Z_OK) {
      return Status(StatusCode::kInternal, "cannot restart gzip decompression");
    }
    return Status::Ok();
  }

  z_stream stream_{};
  bool initialized_ = false;
  bool finished_ = false;
};

Status ParseGzip(const uint8_t* bytes, size_t size, IdxArray* out) {
  GzipReader gz(bytes, size);
  LRP_RETURN_IF_ERROR(gz.Init());
  uint8_t header[kMaxHeaderBytes];
  size_t got = 0;
  LRP_RETURN_IF_ERROR(gz.Read(header, kMagicBytes, &got));
  if (got < kMagicBytes) {
    return Invalid("truncated IDX header: " + std::to_string(got) + " bytes after decompression");
  }
  size_t rank = 0;
  LRP_RETURN_IF_ERROR(ParseMagic(header, &rank));
  LRP_RETURN_IF_ERROR(gz.Read(header + kMagicBytes, kDimBytes * rank, &got));
  if (got < kDimBytes * rank) {
    return Invalid("truncated IDX header: " + std::to_string(rank) + " dimensions need " +
                   std::to_string(kMagicBytes + kDimBytes * rank) + " bytes, the data has " +
                   std::to_string(kMagicBytes + got) + " after decompression");
  }
  IdxArray array;
  size_t elements = 0;
  LRP_RETURN_IF_ERROR(ParseDims(header + kMagicBytes, rank, &array.dims, &elements));

  // The length of the decompressed data is unknown until it has been
  // decompressed, so the buffer grows with it: a header that promises
  // gigabytes over a few bytes of data costs at most kMinGrowthBytes.
  size_t have = 0;
  while (have < elements) {
    const size_t step = std::min(elements - have, std::max(kMinGrowthBytes, have));
    array.data.resize(have + step);
    LRP_RETURN_IF_ERROR(gz.Read(array.data.data() + have, step, &got));
    have += got;
    if (got < step) {
      return Invalid(SizeMismatch("truncated IDX data", array.dims, elements,
                                  "the decompressed data holds " + std::to_string(have)));
    }
  }
  // Reading on to the end also verifies the last CRC and length.
  uint8_t extra = 0;
  LRP_RETURN_IF_ERROR(gz.Read(&extra, 1, &got));
  if (got != 0) {
    return Invalid(SizeMismatch("trailing bytes after the IDX data", array.dims, elements,
                                "the decompressed data holds more"));
  }
  *out = std::move(array);
  return Status::Ok();
}


}  // namespace

std::string IdxDimsString(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s;
}

Status ParseIdx(const uint8_t* bytes, size_t size, IdxArray* out) {
  if (size == 0) return Invalid("empty file, expected an IDX header");
  if (size > kMaxFileBytes) {
    return Invalid(std::to_string(size) + " bytes is more than an IDX file of at most " +
                   std::to_string(kMaxIdxElements) + " elements can hold");
  }
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return ParseGzip(bytes, size, out);
  return ParsePlain(bytes, size, out);
}

Status ReadIdx(const std::string& path, IdxArray* out) {
  FilePtr f;
  uint64_t size = 0;
  LRP_RETURN_IF_ERROR(OpenRegularFile(path, &f, &size));
  // The size is checked before the read buffer is allocated.
  if (size > kMaxFileBytes) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": " + std::to_string(size) + " bytes is more than an IDX file of at most " +
                      std::to_string(kMaxIdxElements) + " elements can hold");
  }
  std::vector<uint8_t> bytes;
  LRP_RETURN_IF_ERROR(ReadAll(f.get(), path, size, &bytes));
  Status s = ParseIdx(bytes.data(), bytes.size(), out);
  if (!s.ok()) return Status(s.code(), path + ": " + s.message());
  return Status::Ok();
}

}  // namespace io
}  // namespace lrp
