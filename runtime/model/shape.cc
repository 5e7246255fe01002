#include "lrp/shape.h"

namespace lrp {

Shape::Shape(std::initializer_list<int32_t> d) {
  for (int32_t v : d) {
    if (rank == kMaxRank) break;
    dims[rank++] = v;
  }
}

size_t Shape::elements() const {
  size_t n = 1;
  for (int i = 0; i < rank; ++i) n *= static_cast<size_t>(dims[i]);
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] != o.dims[i]) return false;
  }
  return true;
}

std::string Shape::ToString() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

}  // namespace lrp
