// lrp::Shape: dense tensor shapes in the runtime layout.
#ifndef LRP_SHAPE_H_
#define LRP_SHAPE_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace lrp {

constexpr int kMaxRank = 4;

// A dense shape in the runtime layout (batch 1 implied): [H, W, C] for
// feature maps, [C] for vectors.
struct Shape {
  int rank = 0;
  int32_t dims[kMaxRank] = {0, 0, 0, 0};

  Shape() = default;
  Shape(std::initializer_list<int32_t> d);
  size_t elements() const;
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string ToString() const;  // "[7, 7, 512]"
};

}  // namespace lrp

#endif  // LRP_SHAPE_H_
