// Rows along one axis: how softmax and cross-entropy walk an array whose reduction axis may lie
// anywhere (softmax's `axis`, cross-entropy's class axis 1 of (N, C, *d)).
//
// The array is read as (outer, n, inner) with the axis in the middle: a row is n elements `inner`
// apart. Rows are counted with the inner index fastest, so row r of (N, C, *d) is sample r of the
// target (N, *d) in row-major order. The last axis of a contiguous array (inner = 1) is the hot case,
// handled by loops the compiler vectorises (`Unit` = true); another axis walks its rows with stride
// `inner` (consecutive rows share cache lines, so a thread's block of rows still streams through cache).
#pragma once
#include <cstdint>
#include <limits>

#include "core/array.h"
#include "core/dtype.h"

namespace mytorch {

struct AxisLayout {
  int64_t outer = 1, n = 1, inner = 1;
  int64_t rows() const { return outer * inner; }
  // Flat index of the first element of row r.
  int64_t row_start(int64_t r) const { return (r / inner) * n * inner + r % inner; }
};

inline AxisLayout layout_of(const Shape& shape, int64_t axis) {
  AxisLayout l;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < axis) l.outer *= shape[d];
    if (d == axis) l.n = shape[d];
    if (d > axis) l.inner *= shape[d];
  }
  return l;
}

// m = max_i x_i of one row (-inf for an empty one).
template <bool Unit, typename T, typename C = compute_t<T>>
C row_max(const T* x, int64_t n, int64_t stride) {
  const int64_t s = Unit ? 1 : stride;
  C m = -std::numeric_limits<C>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t i = 0; i < n; ++i) {
    C v = static_cast<C>(x[i * s]);
    m = v > m ? v : m;
  }
  // a NaN is skipped by the max but reaches every result through e^(NaN - m) in the sum
  return m;
}

}  // namespace mytorch
