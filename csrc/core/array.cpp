#include "core/array.h"

#include "core/allocator.h"

namespace mytorch {

Storage::Storage(size_t nbytes) : nbytes_(nbytes) {
  allocator::Block block = allocator::allocate(nbytes);
  data_ = block.data;
  capacity_ = block.size;
}

Storage::Storage(void* data, size_t nbytes, std::function<void()> release)
    : data_(data), nbytes_(nbytes), release_(std::move(release)) {}

Storage::~Storage() {
  if (release_) {
    release_();
  } else {
    allocator::release({data_, capacity_});
  }
}

int64_t numel_of(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  int64_t step = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

Array::Array(Shape shape, DType dtype)
    : storage_(std::make_shared<Storage>(static_cast<size_t>(numel_of(shape)) * mytorch::itemsize(dtype))),
      dtype_(dtype),
      shape_(std::move(shape)),
      strides_(contiguous_strides(shape_)),
      offset_(0) {}

int64_t Array::numel() const { return numel_of(shape_); }

bool Array::is_contiguous() const {
  // NumPy's and PyTorch's rule: dims of size 1 may have any stride, and an empty array is contiguous
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 0) return true;
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

}  // namespace mytorch
