#include "runtime/xnn/xnn_init.h"

#include <mutex>

namespace lrp {
namespace internal {
namespace {

const char* XnnStatusName(xnn_status s) {
  switch (s) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "XNNPACK is not initialized";
    case xnn_status_invalid_parameter: return "XNNPACK rejected a parameter";
    case xnn_status_invalid_state: return "XNNPACK operator in an invalid state";
    case xnn_status_unsupported_parameter: return "XNNPACK does not support a parameter";
    case xnn_status_unsupported_hardware: return "XNNPACK does not support this CPU";
    case xnn_status_out_of_memory: return "out of memory (arena exhausted)";
  }
  return "unknown XNNPACK status";
}

}  // namespace

Status EnsureXnnInitialized() {
  static std::once_flag once;
  static xnn_status result = xnn_status_uninitialized;
  std::call_once(once, [] { result = xnn_initialize(XnnAllocator()); });
  return FromXnn(result, "xnn_initialize");
}

Status FromXnn(xnn_status status, const std::string& what) {
  if (status == xnn_status_success) return Status::Ok();
  const StatusCode code = (status == xnn_status_unsupported_parameter ||
                           status == xnn_status_unsupported_hardware)
                              ? StatusCode::kUnsupported
                              : StatusCode::kBackendError;
  return Status(code, what + ": " + XnnStatusName(status));
}

}  // namespace internal
}  // namespace lrp
