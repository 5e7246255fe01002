// One-time XNNPACK initialization with lrp's arena-routing allocator, and
// translation of xnn_status into lrp::Status (the only place that does).
#ifndef LRP_RUNTIME_XNN_XNN_INIT_H_
#define LRP_RUNTIME_XNN_XNN_INIT_H_

#include <string>

#include <xnnpack.h>

#include "lrp/status.h"

namespace lrp {
namespace internal {

// The allocator given to xnn_initialize (arena_allocator.cc).
const xnn_allocator* XnnAllocator();

// Initializes XNNPACK once per process; later calls return the first result.
Status EnsureXnnInitialized();

// kOk for xnn_status_success, else kBackendError/kUnsupported naming `what`.
Status FromXnn(xnn_status status, const std::string& what);

}  // namespace internal
}  // namespace lrp

#endif  // LRP_RUNTIME_XNN_XNN_INIT_H_
