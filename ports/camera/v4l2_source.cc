// A V4L2 capture device as a FrameSource: memory-mapped streaming I/O.
//
// Open: VIDIOC_QUERYCAP (a capture device with streaming I/O), a format the
// device lists (YUYV preferred: converting it is exact and allocates
// nothing; MJPEG otherwise), VIDIOC_S_FMT at the asked size (the driver may
// pick another, which max_width/max_height then report), kBufferCount
// mmap'ed buffers queued, VIDIOC_STREAMON.
//
// Next: poll() with a timeout, then dequeue every filled buffer and keep
// only the newest; the older ones go straight back to the driver. A caller
// that is slower than the camera therefore always gets the latest frame,
// and frames it could not take are dropped, never queued up.
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ports/camera/jpeg_huffman.h"
#include "ports/camera/mjpeg_decoder.h"
#include "ports/camera/sources.h"
#include "ports/camera/yuyv_to_rgb.h"

namespace lrp {
namespace camera {
namespace {

// Three or four buffers let the driver fill one while another is being
// converted, without holding many stale frames.
constexpr unsigned kBufferCount = 4;
// How long Next() waits for a frame: a dark scene can slow a webcam's
// exposure to a few frames per second, an unplugged one sends none.
constexpr int kFrameTimeoutMs = 3000;
// Damaged frames Next() skips before it calls the camera broken.
constexpr int kMaxSkippedFrames = 30;

int Ioctl(int fd, unsigned long request, void* arg) {
  int result;
  do {
    result = ioctl(fd, request, arg);
  } while (result == -1 && errno == EINTR);
  return result;
}

std::string FourccName(uint32_t fourcc) {
  std::string name;
  for (int i = 0; i < 4; ++i) {
    const char c = static_cast<char>((fourcc >> (8 * i)) & 0xFF);
    name += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return name;
}

Status Failure(StatusCode code, const std::string& path, const std::string& what, int error) {
  return Status(code, path + ": " + what + ": " + std::strerror(error));
}

struct MappedBuffer {
  void* start = MAP_FAILED;
  size_t length = 0;
};

class V4l2Source final : public FrameSource {
 public:
  explicit V4l2Source(std::string path) : path_(std::move(path)) {}

  ~V4l2Source() override {
    if (streaming_) {
      v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      Ioctl(fd_, VIDIOC_STREAMOFF, &type);
    }
    for (unsigned i = 0; i < buffer_count_; ++i) {
      if (buffers_[i].start != MAP_FAILED) munmap(buffers_[i].start, buffers_[i].length);
    }
    if (fd_ >= 0) close(fd_);
  }

  int max_width() const override { return width_; }
  int max_height() const override { return height_; }

  std::string Describe() const override {
    return path_ + " " + std::to_string(width_) + "x" + std::to_string(height_) + " " +
           (pixel_format_ == V4L2_PIX_FMT_YUYV ? "YUYV" : "MJPEG");
  }

  Status Open(int width, int height) {
    LRP_RETURN_IF_ERROR(OpenDevice());
    LRP_RETURN_IF_ERROR(CheckCapabilities());
    LRP_RETURN_IF_ERROR(ChooseFormat(width, height));
    LRP_RETURN_IF_ERROR(MapBuffers());
    // Picked now: the first pick initializes cpuinfo, which allocates.
    BestYuyvToRgb();
    return StartStreaming();
  }

  Status Next(RgbFrame* frame) override {
    v4l2_buffer buffer;
    for (int skipped = 0;; ++skipped) {
      if (skipped == kMaxSkippedFrames) {
        return Status(StatusCode::kIoError, path_ + ": " + std::to_string(skipped) +
                                                " damaged frames in a row");
      }
      LRP_RETURN_IF_ERROR(DequeueNewest(&buffer));
      // A buffer the driver flags as damaged, or one too short for a YUYV
      // frame, is skipped: the next frame is at most a frame time away.
      if ((buffer.flags & V4L2_BUF_FLAG_ERROR) == 0 && buffer.bytesused > 0 &&
          (pixel_format_ != V4L2_PIX_FMT_YUYV || buffer.bytesused >= yuyv_frame_bytes_)) {
        break;
      }
      LRP_RETURN_IF_ERROR(Requeue(&buffer));
    }
    const uint8_t* data = static_cast<const uint8_t*>(buffers_[buffer.index].start);
    // Never trust bytesused beyond the mapping it describes.
    const size_t size = std::min<size_t>(buffer.bytesused, buffers_[buffer.index].length);
    Status converted = Convert(data, size, frame);
    // The buffer goes back to the driver whether or not the frame converted.
    Status requeued = Requeue(&buffer);
    LRP_RETURN_IF_ERROR(converted);
    LRP_RETURN_IF_ERROR(requeued);
    frame->sequence = ++delivered_;
    return Status::Ok();
  }

 private:
  Status OpenDevice() {
    struct stat info;
    if (stat(path_.c_str(), &info) != 0) {
      return Failure(StatusCode::kIoError, path_, "cannot open camera", errno);
    }
    if (!S_ISCHR(info.st_mode)) {
      return Status(StatusCode::kInvalidArgument,
                    path_ + ": not a video device (not a character device)");
    }
    // Non-blocking: DQBUF must report "no more frames" rather than wait, so
    // that Next() can drain to the newest; poll() does the waiting.
    fd_ = open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) return Failure(StatusCode::kIoError, path_, "cannot open camera", errno);
    return Status::Ok();
  }

  Status CheckCapabilities() {
    v4l2_capability caps;
    std::memset(&caps, 0, sizeof caps);
    if (Ioctl(fd_, VIDIOC_QUERYCAP, &caps) != 0) {
      return Failure(StatusCode::kInvalidArgument, path_, "not a V4L2 device (VIDIOC_QUERYCAP)",
                     errno);
    }
    // device_caps describe this node; capabilities the whole physical device.
    const uint32_t node = (caps.capabilities & V4L2_CAP_DEVICE_CAPS) ? caps.device_caps
                                                                     : caps.capabilities;
    if ((node & V4L2_CAP_VIDEO_CAPTURE) == 0) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": not a video capture device (" +
                        reinterpret_cast<const char*>(caps.card) + ")");
    }
    if ((node & V4L2_CAP_STREAMING) == 0) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": the device does not support streaming (mmap) I/O");
    }
    return Status::Ok();
  }

  Status ChooseFormat(int width, int height) {
    bool has_yuyv = false, has_mjpeg = false;
    std::string offered;
    v4l2_fmtdesc description;
    for (uint32_t i = 0;; ++i) {
      std::memset(&description, 0, sizeof description);
      description.index = i;
      description.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      if (Ioctl(fd_, VIDIOC_ENUM_FMT, &description) != 0) break;
      has_yuyv |= description.pixelformat == V4L2_PIX_FMT_YUYV;
      has_mjpeg |= description.pixelformat == V4L2_PIX_FMT_MJPEG;
      offered += (offered.empty() ? "" : ", ") + FourccName(description.pixelformat);
    }
    if (!has_yuyv && !has_mjpeg) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": the camera offers neither YUYV nor MJPEG (it offers: " +
                        (offered.empty() ? std::string("nothing") : offered) + ")");
    }
    v4l2_format format;
    std::memset(&format, 0, sizeof format);
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    format.fmt.pix.width = static_cast<uint32_t>(width);
    format.fmt.pix.height = static_cast<uint32_t>(height);
    format.fmt.pix.pixelformat = has_yuyv ? V4L2_PIX_FMT_YUYV : V4L2_PIX_FMT_MJPEG;
    format.fmt.pix.field = V4L2_FIELD_NONE;
    if (Ioctl(fd_, VIDIOC_S_FMT, &format) != 0) {
      return Failure(StatusCode::kBackendError, path_, "VIDIOC_S_FMT", errno);
    }
    pixel_format_ = format.fmt.pix.pixelformat;
    if (pixel_format_ != V4L2_PIX_FMT_YUYV && pixel_format_ != V4L2_PIX_FMT_MJPEG) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": the driver chose pixel format " + FourccName(pixel_format_) +
                        ", not YUYV or MJPEG");
    }
    if (format.fmt.pix.width == 0 || format.fmt.pix.height == 0 ||
        format.fmt.pix.width > 16384 || format.fmt.pix.height > 16384) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": the driver chose a frame size of " +
                        std::to_string(format.fmt.pix.width) + "x" +
                        std::to_string(format.fmt.pix.height));
    }
    width_ = static_cast<int>(format.fmt.pix.width);
    height_ = static_cast<int>(format.fmt.pix.height);
    if (pixel_format_ == V4L2_PIX_FMT_YUYV) {
      const size_t packed = (static_cast<size_t>(width_) + 1) / 2 * 4;
      stride_ = format.fmt.pix.bytesperline >= packed ? format.fmt.pix.bytesperline : packed;
      yuyv_frame_bytes_ = stride_ * static_cast<size_t>(height_ - 1) + packed;
    }
    return Status::Ok();
  }

  Status MapBuffers() {
    v4l2_requestbuffers request;
    std::memset(&request, 0, sizeof request);
    request.count = kBufferCount;
    request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    request.memory = V4L2_MEMORY_MMAP;
    if (Ioctl(fd_, VIDIOC_REQBUFS, &request) != 0) {
      return Failure(StatusCode::kUnsupported, path_, "VIDIOC_REQBUFS (mmap buffers)", errno);
    }
    if (request.count < 2) {
      return Status(StatusCode::kUnsupported,
                    path_ + ": the driver granted " + std::to_string(request.count) +
                        " capture buffer(s); streaming needs at least 2");
    }
    buffer_count_ = request.count < kBufferCount ? request.count : kBufferCount;
    for (unsigned i = 0; i < buffer_count_; ++i) {
      v4l2_buffer buffer;
      std::memset(&buffer, 0, sizeof buffer);
      buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buffer.memory = V4L2_MEMORY_MMAP;
      buffer.index = i;
      if (Ioctl(fd_, VIDIOC_QUERYBUF, &buffer) != 0) {
        return Failure(StatusCode::kBackendError, path_, "VIDIOC_QUERYBUF", errno);
      }
      void* start =
          mmap(nullptr, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buffer.m.offset);
      if (start == MAP_FAILED) return Failure(StatusCode::kBackendError, path_, "mmap", errno);
      buffers_[i].start = start;
      buffers_[i].length = buffer.length;
      if (pixel_format_ == V4L2_PIX_FMT_MJPEG) {
        mjpeg_scratch_.reserve(std::max(mjpeg_scratch_.capacity(),
                                        buffer.length + DefaultHuffmanSegmentBytes()));
      }
      if (pixel_format_ == V4L2_PIX_FMT_YUYV && buffer.length < yuyv_frame_bytes_) {
        return Status(StatusCode::kBackendError,
                      path_ + ": capture buffer of " + std::to_string(buffer.length) +
                          " bytes is smaller than a frame (" + std::to_string(yuyv_frame_bytes_) +
                          ")");
      }
      if (Ioctl(fd_, VIDIOC_QBUF, &buffer) != 0) {
        return Failure(StatusCode::kBackendError, path_, "VIDIOC_QBUF", errno);
      }
    }
    return Status::Ok();
  }

  Status StartStreaming() {
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (Ioctl(fd_, VIDIOC_STREAMON, &type) != 0) {
      return Failure(StatusCode::kBackendError, path_, "VIDIOC_STREAMON", errno);
    }
    streaming_ = true;
    return Status::Ok();
  }

  // Waits up to kFrameTimeoutMs for the device to have a filled buffer.
  Status WaitForFrame() {
    pollfd waiting = {fd_, POLLIN, 0};
    int ready;
    do {
      ready = poll(&waiting, 1, kFrameTimeoutMs);
    } while (ready == -1 && errno == EINTR);
    if (ready < 0) return Failure(StatusCode::kIoError, path_, "poll", errno);
    if (ready == 0) {
      return Status(StatusCode::kIoError, path_ + ": no frame within " +
                                              std::to_string(kFrameTimeoutMs / 1000) + " s");
    }
    if (waiting.revents & (POLLERR | POLLHUP | POLLNVAL)) {
      return Status(StatusCode::kIoError, path_ + ": the camera stopped (unplugged?)");
    }
    return Status::Ok();
  }

  // Waits for at least one filled buffer, then takes every filled one and
  // gives all but the newest back.
  Status DequeueNewest(v4l2_buffer* newest) {
    bool have = false;
    while (!have) {  // poll() may wake without a frame to dequeue
      LRP_RETURN_IF_ERROR(WaitForFrame());
      for (;;) {
        v4l2_buffer buffer;
        std::memset(&buffer, 0, sizeof buffer);
        buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        buffer.memory = V4L2_MEMORY_MMAP;
        if (Ioctl(fd_, VIDIOC_DQBUF, &buffer) != 0) {
          if (errno == EAGAIN) break;
          return Failure(StatusCode::kIoError, path_, "VIDIOC_DQBUF", errno);
        }
        if (buffer.index >= buffer_count_) {
          return Status(StatusCode::kBackendError, path_ + ": the driver returned buffer " +
                                                       std::to_string(buffer.index));
        }
        if (have) LRP_RETURN_IF_ERROR(Requeue(newest));
        *newest = buffer;
        have = true;
      }
    }
    return Status::Ok();
  }

  Status Requeue(v4l2_buffer* buffer) {
    if (Ioctl(fd_, VIDIOC_QBUF, buffer) != 0) {
      return Failure(StatusCode::kIoError, path_, "VIDIOC_QBUF", errno);
    }
    return Status::Ok();
  }

  Status Convert(const uint8_t* data, size_t size, RgbFrame* frame) {
    if (frame == nullptr) return Status(StatusCode::kInvalidArgument, path_ + ": no frame given");
    if (pixel_format_ == V4L2_PIX_FMT_MJPEG) {
      Status decoded = DecodeMjpegFrame(data, size, &mjpeg_scratch_, frame);
      if (!decoded.ok()) return Status(decoded.code(), path_ + ": " + decoded.message());
      return Status::Ok();
    }
    const size_t bytes = static_cast<size_t>(width_) * static_cast<size_t>(height_) * 3;
    if (frame->pixels == nullptr || frame->capacity < bytes) {
      return Status(StatusCode::kInvalidArgument,
                    path_ + ": frame is " + std::to_string(width_) + "x" +
                        std::to_string(height_) + " and needs " + std::to_string(bytes) +
                        " bytes; the frame buffer holds " +
                        std::to_string(frame->pixels == nullptr ? 0 : frame->capacity));
    }
    ConvertYuyvFrame(BestYuyvToRgb(), width_, height_, data, stride_, frame->pixels);
    frame->width = width_;
    frame->height = height_;
    return Status::Ok();
  }

  const std::string path_;
  int fd_ = -1;
  bool streaming_ = false;
  MappedBuffer buffers_[kBufferCount];
  unsigned buffer_count_ = 0;
  uint32_t pixel_format_ = 0;
  int width_ = 0;
  int height_ = 0;
  size_t stride_ = 0;            // YUYV: bytes from one row to the next
  size_t yuyv_frame_bytes_ = 0;  // YUYV: the smallest complete frame
  uint64_t delivered_ = 0;
  std::vector<uint8_t> mjpeg_scratch_;  // MJPEG: a frame plus the default Huffman tables
};

}  // namespace

Status OpenV4l2Camera(const std::string& path, int width, int height,
                      std::unique_ptr<FrameSource>* source) {
  auto camera = std::make_unique<V4l2Source>(path);
  LRP_RETURN_IF_ERROR(camera->Open(width, height));
  *source = std::move(camera);
  return Status::Ok();
}

}  // namespace camera
}  // namespace lrp
