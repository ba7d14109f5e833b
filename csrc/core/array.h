// Storage and strided arrays: the data structure every kernel reads and writes.
//
// A Storage is a reference-counted block of bytes. An Array is a view of one: a dtype, a shape,
// element strides (which may be 0 for a broadcast dim, or negative for a flipped one) and the offset
// of its first element, in elements, from the start of the storage. Views (reshape, transpose,
// slicing, expand) are new Arrays over the same Storage; only kernels allocate.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/dtype.h"

namespace mytorch {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

// Storage we allocate is 64-byte aligned (a cache line and an AVX-512 register), so contiguous kernels
// start on an aligned boundary; it comes from core/allocator.h, which reuses freed blocks. Storage
// borrowed from the host (a NumPy array) keeps its owner alive through `release`, which the binding
// layer fills in; the bytes then belong to the owner.
class Storage {
 public:
  explicit Storage(size_t nbytes);
  Storage(void* data, size_t nbytes, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  // Whether the bytes belong to another owner (a NumPy array we share), not to us.
  bool borrowed() const { return static_cast<bool>(release_); }

 private:
  void* data_;
  size_t nbytes_;
  size_t capacity_ = 0;            // the block's size, when core/allocator.h gave it
  std::function<void()> release_;  // empty when we allocated data_
};

class Array {
 public:
  Array() = default;
  // A new contiguous (row-major) array; its values are uninitialised.
  Array(Shape shape, DType dtype);
  // A view of `storage`.
  Array(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Strides strides, int64_t offset)
      : storage_(std::move(storage)), dtype_(dtype), shape_(std::move(shape)), strides_(std::move(strides)),
        offset_(offset) {}

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t ndim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numel() const;
  size_t itemsize() const { return mytorch::itemsize(dtype_); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool is_contiguous() const;

  // Address of the first element (element [0, 0, ...]).
  char* bytes() const { return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize()); }
  template <typename T> T* data() const { return reinterpret_cast<T*>(bytes()); }

  // Another view of the same storage.
  Array view(Shape shape, Strides strides, int64_t offset) const {
    return Array(storage_, dtype_, std::move(shape), std::move(strides), offset);
  }

 private:
  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::Float32;
  Shape shape_;
  Strides strides_;
  int64_t offset_ = 0;
};

// Row-major strides of a shape, in elements.
Strides contiguous_strides(const Shape& shape);
int64_t numel_of(const Shape& shape);

}  // namespace mytorch
