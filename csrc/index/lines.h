// Visiting an array line by line along one axis: the loop shape of arg-reductions and scans.
//
// The operands share an outer shape (the array's shape without the axis); for each outer position the
// callback gets a pointer per operand to the start of its line and walks the line itself with the
// axis strides it captured. Lines are split across threads by count, each line costing `line_cost`
// elements of work, so a few long lines parallelise as well as many short ones.
#pragma once
#include <array>

#include "core/parallel.h"
#include "core/strided.h"

namespace mytorch {

template <int N, typename Line>
void for_each_line(const Shape& outer, const std::array<Strides, N>& strides, const std::array<char*, N>& base,
                   const std::array<int64_t, N>& itemsizes, int64_t line_cost, Line&& line) {
  StridedLayout<N> layout = coalesce<N>(outer, strides);
  int64_t lines = numel_of(layout.shape);
  if (lines == 0) return;
  const int64_t ndim = static_cast<int64_t>(layout.shape.size());
  parallel_for(lines, line_cost, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> index(ndim);
    int64_t r = begin;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      index[d] = r % layout.shape[d];
      r /= layout.shape[d];
    }
    std::array<char*, N> p;
    for (int k = 0; k < N; ++k) {
      int64_t off = 0;
      for (int64_t d = 0; d < ndim; ++d) off += index[d] * layout.strides[k][d];
      p[k] = base[k] + off * itemsizes[k];
    }
    for (int64_t i = begin; i < end; ++i) {
      line(p);
      for (int64_t d = ndim - 1; d >= 0; --d) {  // odometer over the outer dims
        for (int k = 0; k < N; ++k) p[k] += layout.strides[k][d] * itemsizes[k];
        if (++index[d] < layout.shape[d]) break;
        for (int k = 0; k < N; ++k) p[k] -= layout.strides[k][d] * layout.shape[d] * itemsizes[k];
        index[d] = 0;
      }
    }
  });
}

// `v` without entry d.
template <typename V>
V drop(const V& v, int64_t d) {
  V out(v);
  out.erase(out.begin() + d);
  return out;
}

}  // namespace mytorch
