// Walking a batch of matrices: what the factorization kernels share.
#pragma once
#include <string>

#include "core/array.h"
#include "core/dtype.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "elementwise/elementwise.h"

namespace mytorch {

// The shape with its last two dims replaced by (rows, cols).
inline Shape with_matrix(const Shape& shape, int64_t rows, int64_t cols) {
  Shape out(shape.begin(), shape.end() - 2);
  out.push_back(rows);
  out.push_back(cols);
  return out;
}

// Number of matrices in a batch of shape (*, m, n).
inline int64_t batch_count(const Shape& shape) { return numel_of(Shape(shape.begin(), shape.end() - 2)); }

// Runs f(T{}) for a float32 or float64 array, TypeError otherwise (half types: the ops layer refuses them).
template <typename F>
void float_dispatch(const Array& a, const char* op, F&& f) {
  if (a.dtype() == DType::Float32) {
    f(float{});
  } else if (a.dtype() == DType::Float64) {
    f(double{});
  } else {
    throw TypeError(std::string(op) + ": expected a float32 or float64 array");
  }
}

// f(i) for each matrix i of a batch of `count`, threads sharing the batch when the work is large enough.
template <typename F>
void for_each_matrix(int64_t count, int64_t cost, F&& f) {
  parallel_for(count, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace mytorch
