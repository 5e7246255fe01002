// lrp::Status: errors are values. Every fallible call in lrp returns one.
//
// A Status is either ok (code kOk, empty message, no allocation) or carries a
// code and a one-line message naming what failed (layer, tensor, field), e.g.
//   "layer 3 'conv2': weights buffer has 863 floats, expected 864".
// Library code never throws, aborts or prints.
#ifndef LRP_STATUS_H_
#define LRP_STATUS_H_

#include <string>
#include <utility>

namespace lrp {

enum class StatusCode : unsigned char {
  kOk = 0,
  kInvalidModel,     // the model file/bytes are malformed or inconsistent
  kUnsupported,      // valid, but uses something this build cannot run
  kArenaTooSmall,    // caller-supplied arena is smaller than the plan needs
  kInvalidArgument,  // bad caller input (shape, NaN, index out of range)
  kBackendError,     // XNNPACK or the OS refused an operation
  kIoError,          // file could not be read or written
  kInternal,         // a bug in lrp
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", for printing.
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace lrp

// Propagates a non-ok Status to the caller.
#define LRP_RETURN_IF_ERROR(expr)            \
  do {                                       \
    ::lrp::Status lrp_status_ = (expr);      \
    if (!lrp_status_.ok()) return lrp_status_; \
  } while (0)

#endif  // LRP_STATUS_H_
