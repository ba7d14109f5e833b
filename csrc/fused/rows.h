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
#include <type_traits>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "core/array.h"
#include "core/dtype.h"
#include "core/vmath.h"

namespace mytorch {

struct AxisLayout {
  int64_t outer = 1, n = 1, inner = 1;
  int64_t rows() const { return outer * inner; }
  // Flat index of the first element of row r (without an integer division in the common inner = 1 case:
  // it costs about as much as a short row's max).
  int64_t row_start(int64_t r) const { return inner == 1 ? r * n : (r / inner) * n * inner + r % inner; }
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

// Elements of C in one 64-byte vector register (AVX-512): 16 floats, 8 doubles.
template <typename C> constexpr int64_t kLanes = 64 / sizeof(C);

// The reductions of a row keep kLanes partial results, one per vector lane, and combine them at the end
// in a tree (log2 kLanes vector steps: `lanes_max`, `lanes_sum`). A single running sum would be a chain the compiler may not
// reorder (float addition is not associative; we do not build with -ffast-math), and OpenMP's simd
// reduction combines its lanes one scalar at a time, which for a short row (65 classes) costs as much
// as the row itself. The last n % kLanes elements form one more, padded, vector's worth (`tail_lanes`),
// so that no element goes through the scalar exp of a loop epilogue either.

// The row's last n % kLanes elements (stride apart, from `begin`) in `lanes`, padded with `pad`.
template <typename T, typename C>
void tail_lanes(const T* x, int64_t stride, int64_t begin, int64_t n, C pad, C* lanes) {
#pragma omp simd
  for (int64_t i = 0; i < kLanes<C>; ++i) lanes[i] = begin + i < n ? static_cast<C>(x[(begin + i) * stride]) : pad;
}

// The maximum and the sum of lanes[0 .. kLanes), the last step of a row's reduction. With AVX-512 the
// lanes are one register, folded in registers (shuffle and combine, halving the width each step); the
// portable form folds them through memory the same way, which costs a store and a reload per step --
// for a 65-class row, about a sixth of the whole row's time.
template <typename C>
C lanes_max(C* lanes) {
#ifdef __AVX512F__
  if constexpr (std::is_same_v<C, float>) return _mm512_reduce_max_ps(_mm512_load_ps(lanes));
  if constexpr (std::is_same_v<C, double>) return _mm512_reduce_max_pd(_mm512_load_pd(lanes));
#endif
  for (int64_t width = kLanes<C> / 2; width > 0; width /= 2) {
#pragma omp simd
    for (int64_t i = 0; i < width; ++i) lanes[i] = lanes[i + width] > lanes[i] ? lanes[i + width] : lanes[i];
  }
  return lanes[0];
}
template <typename C>
C lanes_sum(C* lanes) {
#ifdef __AVX512F__
  if constexpr (std::is_same_v<C, float>) return _mm512_reduce_add_ps(_mm512_load_ps(lanes));
  if constexpr (std::is_same_v<C, double>) return _mm512_reduce_add_pd(_mm512_load_pd(lanes));
#endif
  for (int64_t width = kLanes<C> / 2; width > 0; width /= 2) {
#pragma omp simd
    for (int64_t i = 0; i < width; ++i) lanes[i] += lanes[i + width];
  }
  return lanes[0];
}

// Runs f(lanes) for each full vector's worth of the row (its elements as C, stride apart) and once more
// for the padded tail, where f folds them into per-lane accumulators. A contiguous row already of type C
// is handed to f in place: copied into `lanes` first, GCC (AVX2) stores the copy in 16-byte halves that
// f's 32-byte loads then wait for (a failed store-to-load forwarding per vector), which made log_softmax
// of a 2048 x 512 float32 matrix 2x slower than PyTorch's.
template <bool Unit, typename T, typename C, typename F>
void for_lanes(const T* x, int64_t n, int64_t stride, C pad, F&& f) {
  const int64_t s = Unit ? 1 : stride;
  alignas(64) C lanes[kLanes<C>];
  int64_t c = 0;
  for (; c + kLanes<C> <= n; c += kLanes<C>) {
    if constexpr (Unit && std::is_same_v<T, C>) {
      f(x + c);
    } else {
#pragma omp simd
      for (int64_t i = 0; i < kLanes<C>; ++i) lanes[i] = static_cast<C>(x[(c + i) * s]);
      f(lanes);
    }
  }
  if (c < n) {
    tail_lanes(x, s, c, n, pad, lanes);
    f(lanes);
  }
}

// max_i x_i of one row (-inf for an empty one). A NaN is skipped by the max but reaches every result
// through e^(NaN - m) in the sum.
template <bool Unit, typename T, typename C = compute_t<T>>
C row_max(const T* x, int64_t n, int64_t stride) {
  const C neg_inf = -std::numeric_limits<C>::infinity();
  alignas(64) C acc[kLanes<C>];
  for (C& a : acc) a = neg_inf;
  for_lanes<Unit>(x, n, stride, neg_inf, [&](const C* v) {
#pragma omp simd
    for (int64_t i = 0; i < kLanes<C>; ++i) acc[i] = v[i] > acc[i] ? v[i] : acc[i];
  });
  return lanes_max(acc);
}

// sum_i e^(x_i - m) of one row (the padding adds e^-inf = 0).
template <bool Unit, typename T, typename C = compute_t<T>>
C row_sum_exp(const T* x, int64_t n, int64_t stride, C m) {
  alignas(64) C acc[kLanes<C>] = {};
  for_lanes<Unit>(x, n, stride, -std::numeric_limits<C>::infinity(), [&](const C* v) {
#pragma omp simd
    for (int64_t i = 0; i < kLanes<C>; ++i) acc[i] += vmath::exp(v[i] - m);
  });
  return lanes_sum(acc);
}

}  // namespace mytorch
