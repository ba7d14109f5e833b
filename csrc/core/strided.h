// Strided iteration: visiting every element of N operands that share one (broadcast) shape.
//
// Each operand has its own element strides over the common shape (0 along a broadcast dim). Two
// adjacent dims can be merged into one when every operand steps through them as through a single
// dim (stride[i] == stride[i+1] * shape[i+1]); after merging, a contiguous elementwise op is a single
// dim of stride 1, which the kernels recognise and hand to a loop the compiler vectorises. What is left
// is walked as rows: the last dim is the inner loop, the others are an odometer counter.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "core/parallel.h"

namespace mytorch {

template <int N>
struct StridedLayout {
  Shape shape;                     // after merging; never empty (a 0-d array is one dim of size 1)
  std::array<Strides, N> strides;  // element strides of each operand
};

// Drops size-1 dims and merges dims that every operand walks contiguously.
template <int N>
StridedLayout<N> coalesce(const Shape& shape, const std::array<Strides, N>& strides) {
  StridedLayout<N> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !out.shape.empty();
    for (int k = 0; k < N && merge; ++k) merge = out.strides[k].back() == strides[k][d] * shape[d];
    if (merge) {
      out.shape.back() *= shape[d];
      for (int k = 0; k < N; ++k) out.strides[k].back() = strides[k][d];
    } else {
      out.shape.push_back(shape[d]);
      for (int k = 0; k < N; ++k) out.strides[k].push_back(strides[k][d]);
    }
  }
  if (out.shape.empty()) {
    out.shape.push_back(1);
    for (int k = 0; k < N; ++k) out.strides[k].push_back(0);
  }
  return out;
}

// Calls row(ptrs, n, inner_strides) for every row of the layout: ptrs[k] points at operand k's first
// element of the row (byte pointers), n is the row length, inner_strides[k] the element stride along it.
// Rows are split across threads when the whole iteration has `grain` elements or more (and `parallel`
// allows it); a single long row is cut in pieces.
template <int N, typename Row>
void for_each_row(const StridedLayout<N>& layout, const std::array<char*, N>& base,
                  const std::array<int64_t, N>& itemsizes, Row&& row, bool parallel = true,
                  int64_t grain = kParallelGrain) {
  auto split = [parallel, grain](int64_t n, int64_t cost, auto&& f) {
    if (parallel) {
      parallel_for(n, cost, f, grain);
    } else {
      f(int64_t{0}, n);
    }
  };
  for (int64_t n : layout.shape) {
    if (n == 0) return;  // nothing to visit
  }
  const int64_t ndim = static_cast<int64_t>(layout.shape.size());
  const int64_t inner = layout.shape.back();
  std::array<int64_t, N> inner_strides;
  for (int k = 0; k < N; ++k) inner_strides[k] = layout.strides[k].back();
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < ndim; ++d) rows *= layout.shape[d];

  if (rows == 1) {  // one row: split it along its length
    split(inner, 1, [&](int64_t begin, int64_t end) {
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) p[k] = base[k] + begin * inner_strides[k] * itemsizes[k];
      row(p, end - begin, inner_strides);
    });
    return;
  }
  split(rows, inner, [&](int64_t begin, int64_t end) {
    // the odometer starts at row `begin`: unravel it once, then count up
    std::vector<int64_t> index(ndim - 1);
    int64_t r = begin;
    for (int64_t d = ndim - 2; d >= 0; --d) {
      index[d] = r % layout.shape[d];
      r /= layout.shape[d];
    }
    std::array<char*, N> p;
    for (int k = 0; k < N; ++k) {
      int64_t off = 0;
      for (int64_t d = 0; d + 1 < ndim; ++d) off += index[d] * layout.strides[k][d];
      p[k] = base[k] + off * itemsizes[k];
    }
    for (int64_t i = begin; i < end; ++i) {
      row(p, inner, inner_strides);
      for (int64_t d = ndim - 2; d >= 0; --d) {  // advance the odometer, carrying into outer dims
        for (int k = 0; k < N; ++k) p[k] += layout.strides[k][d] * itemsizes[k];
        if (++index[d] < layout.shape[d]) break;
        for (int k = 0; k < N; ++k) p[k] -= layout.strides[k][d] * layout.shape[d] * itemsizes[k];
        index[d] = 0;
      }
    }
  });
}

// Element strides of `a` broadcast to `shape` (right-aligned, 0 along broadcast dims).
inline Strides broadcast_strides(const Array& a, const Shape& shape) {
  Strides out(shape.size(), 0);
  size_t lead = shape.size() - a.shape().size();
  for (size_t d = 0; d < a.shape().size(); ++d) {
    out[lead + d] = a.shape()[d] == 1 ? 0 : a.strides()[d];
  }
  return out;
}

}  // namespace mytorch
