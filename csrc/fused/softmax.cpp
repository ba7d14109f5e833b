// softmax, log_softmax and their backwards along any axis.
//
// The array is read as (outer, n, inner) with the axis in the middle (fused/rows.h): a row is n
// elements `inner` apart.
// - inner = 1 (the last axis of a contiguous array, the hot case): each row of n contiguous elements
//   is read once from memory, its later passes find it in cache, and every loop runs along the row,
//   which the compiler vectorises.
// - inner > 1: the rows are columns of an (n, inner) matrix. Walking one such column at a time would
//   read one element per cache line and leave the vector units idle. Instead kColumns adjacent
//   columns are normalised together: each pass walks the n rows of the block, reading a contiguous
//   run of the block's width that the compiler vectorises across columns, and keeps one max and one
//   sum per column in small arrays. A block is n x 64 floats (32 KiB for n = 128), so its later
//   passes find it in cache too.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "core/vmath.h"
#include "fused/fused.h"
#include "fused/rows.h"

namespace mytorch {
namespace {

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* kernel) {
  int64_t dims = std::max<int64_t>(ndim, 1);  // a 0-d array has the one axis 0 (or -1)
  if (axis < -dims || axis >= dims) {
    throw IndexError(std::string(kernel) + "(): axis " + std::to_string(axis) + " out of range");
  }
  return axis < 0 ? axis + dims : axis;
}

constexpr int64_t kColumns = 64;

// The per-element formulas, shared by the row and the column forms.
// softmax_backward (Log = false): dx_i = y_i g_i - y_i sum_j g_j y_j;
// log_softmax_backward: dx_i = g_i - e^(y_i) sum_j g_j.
template <bool Log, typename C> inline C grad_summand(C g, C y) { return Log ? g : g * y; }
template <bool Log, typename C> inline C grad_value(C g, C y, C sum) {
  if constexpr (Log) {
    return g - vmath::exp(y) * sum;
  } else {
    return g * y - y * sum;
  }
}

// softmax: y_i = e^(x_i - m) / s, m = max_j x_j, s = sum_j e^(x_j - m). A NaN is skipped by the max but
// reaches every result through e^(NaN - m) in s. softmax keeps e^(x_i - m) from the summing pass (in y
// itself when y holds compute_t values, else in `scratch`) and scales it.
template <typename T, typename C = compute_t<T>>
void softmax_row(const T* x, T* y, int64_t n, C* scratch) {
  const C m = row_max<true>(x, n, 1);
  C sum = 0;
  C* e = std::is_same_v<T, C> ? reinterpret_cast<C*>(y) : scratch;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) {
    C v = vmath::exp(static_cast<C>(x[i]) - m);
    e[i] = v;
    sum += v;
  }
  const C inv = C(1) / sum;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(e[i] * inv);
}

// log_softmax of `rows` consecutive rows: y_i = (x_i - m) - log s ((x - m) - log s rather than
// x - (m + log s): x - m is exact near the max, where it matters most). Rows go in groups of kLanes:
// the group's maxima and sums first, then one vector log for the whole group -- a scalar log per row
// would cost a tenth of a 128-wide row's time -- then the group's results, from rows still in cache.
template <typename T, typename C = compute_t<T>>
void log_softmax_rows(const T* x, T* y, int64_t rows, int64_t n) {
  alignas(64) C m[kLanes<C>], log_s[kLanes<C>];
  for (int64_t r0 = 0; r0 < rows; r0 += kLanes<C>) {
    const int64_t group = std::min(kLanes<C>, rows - r0);
    for (int64_t j = 0; j < kLanes<C>; ++j) {  // a group short of kLanes rows is padded with log 1
      m[j] = j < group ? row_max<true>(x + (r0 + j) * n, n, 1) : C(0);
      log_s[j] = j < group ? row_sum_exp<true>(x + (r0 + j) * n, n, 1, m[j]) : C(1);
    }
#pragma omp simd
    for (int64_t j = 0; j < kLanes<C>; ++j) log_s[j] = vmath::log(log_s[j]);
    for (int64_t j = 0; j < group; ++j) {
      const T* xr = x + (r0 + j) * n;
      T* yr = y + (r0 + j) * n;
      const C mj = m[j], lj = log_s[j];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) yr[i] = static_cast<T>((static_cast<C>(xr[i]) - mj) - lj);
    }
  }
}

// The same over `width` <= kColumns columns at once: column j is x[j], x[j + stride], ... (n of them).
// softmax stores e^(x - m) in y when y holds compute_t values and scales it in place; otherwise the
// last pass recomputes it, so that each result is rounded to T once.
template <bool Log, typename T, typename C = compute_t<T>>
void softmax_columns(const T* x, T* y, int64_t n, int64_t stride, int64_t width) {
  constexpr bool keep_e = !Log && std::is_same_v<T, C>;
  C m[kColumns], s[kColumns];
  for (int64_t j = 0; j < width; ++j) {
    m[j] = -std::numeric_limits<C>::infinity();
    s[j] = 0;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = x + i * stride;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      C v = static_cast<C>(xr[j]);
      m[j] = v > m[j] ? v : m[j];
    }
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = x + i * stride;
    T* yr = y + i * stride;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      C e = vmath::exp(static_cast<C>(xr[j]) - m[j]);
      s[j] += e;
      if constexpr (keep_e) yr[j] = e;
    }
  }
#pragma omp simd
  for (int64_t j = 0; j < width; ++j) s[j] = Log ? vmath::log(s[j]) : C(1) / s[j];
  for (int64_t i = 0; i < n; ++i) {
    const T* xr = x + i * stride;
    T* yr = y + i * stride;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      if constexpr (Log) {
        yr[j] = static_cast<T>((static_cast<C>(xr[j]) - m[j]) - s[j]);
      } else if constexpr (keep_e) {
        yr[j] = yr[j] * s[j];
      } else {
        yr[j] = static_cast<T>(vmath::exp(static_cast<C>(xr[j]) - m[j]) * s[j]);
      }
    }
  }
}

template <bool Log, typename T, typename C = compute_t<T>>
void softmax_backward_row(const T* y, const T* g, T* dx, int64_t n) {
  C sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += grad_summand<Log>(static_cast<C>(g[i]), static_cast<C>(y[i]));
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<T>(grad_value<Log>(static_cast<C>(g[i]), static_cast<C>(y[i]), sum));
}

template <bool Log, typename T, typename C = compute_t<T>>
void softmax_backward_columns(const T* y, const T* g, T* dx, int64_t n, int64_t stride, int64_t width) {
  C s[kColumns] = {};
  for (int64_t i = 0; i < n; ++i) {
    const T* yr = y + i * stride;
    const T* gr = g + i * stride;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) s[j] += grad_summand<Log>(static_cast<C>(gr[j]), static_cast<C>(yr[j]));
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t o = i * stride;
#pragma omp simd
    for (int64_t j = 0; j < width; ++j) {
      dx[o + j] = static_cast<T>(grad_value<Log>(static_cast<C>(g[o + j]), static_cast<C>(y[o + j]), s[j]));
    }
  }
}

// Runs f(offset, width) over every row (inner = 1: width 1 is unused) or every block of columns, split
// over threads. offset is the flat index of the block's first element.
template <typename F>
void for_each_block(const AxisLayout& l, F&& f) {
  if (l.inner == 1) {
    parallel_for(l.outer, l.n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) f(r * l.n, int64_t{1});
    });
    return;
  }
  const int64_t blocks = (l.inner + kColumns - 1) / kColumns;
  parallel_for(l.outer * blocks, l.n * std::min(l.inner, kColumns), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t o = b / blocks, j0 = (b % blocks) * kColumns;
      f(o * l.n * l.inner + j0, std::min(kColumns, l.inner - j0));
    }
  });
}

template <bool Log>
Array softmax_forward(const Array& input, int64_t axis, const char* kernel) {
  axis = normalize_axis(axis, input.ndim(), kernel);
  const Array x = dense(input);
  Array y(x.shape(), x.dtype());
  const AxisLayout l = layout_of(x.shape(), axis);
  if (y.numel() == 0) return y;  // an empty axis normalises nothing (and has no max)
  dispatch_floating(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* xp = x.data<T>();
    T* yp = y.data<T>();
    if (l.inner == 1 && Log) {
      parallel_for(l.outer, l.n, [&](int64_t begin, int64_t end) {
        log_softmax_rows(xp + begin * l.n, yp + begin * l.n, end - begin, l.n);
      });
    } else if (l.inner == 1) {
      // scratch for e^(x - m) when y cannot hold it, one per thread
      const bool need_scratch = !std::is_same_v<T, C>;
      std::vector<C> scratch(need_scratch ? static_cast<size_t>(num_threads() * l.n) : 0);
      for_each_block(l, [&](int64_t first, int64_t) {
        C* own = need_scratch ? scratch.data() + omp_get_thread_num() * l.n : nullptr;
        softmax_row(xp + first, yp + first, l.n, own);
      });
    } else {
      for_each_block(l, [&](int64_t first, int64_t width) {
        softmax_columns<Log>(xp + first, yp + first, l.n, l.inner, width);
      });
    }
  });
  return y;
}

template <bool Log>
Array softmax_backward_impl(const Array& y_in, const Array& g_in, int64_t axis, const char* kernel) {
  check_same(kernel, y_in, g_in);
  axis = normalize_axis(axis, y_in.ndim(), kernel);
  const Array y = dense(y_in), g = dense(g_in);
  Array dx(y.shape(), y.dtype());
  const AxisLayout l = layout_of(y.shape(), axis);
  if (dx.numel() == 0) return dx;
  dispatch_floating(y.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    const T* yp = y.data<T>();
    const T* gp = g.data<T>();
    T* dp = dx.data<T>();
    for_each_block(l, [&](int64_t first, int64_t width) {
      if (l.inner == 1) {
        softmax_backward_row<Log>(yp + first, gp + first, dp + first, l.n);
      } else {
        softmax_backward_columns<Log>(yp + first, gp + first, dp + first, l.n, l.inner, width);
      }
    });
  });
  return dx;
}

}  // namespace

Array softmax(const Array& x, int64_t axis) { return softmax_forward<false>(x, axis, "softmax"); }
Array log_softmax(const Array& x, int64_t axis) { return softmax_forward<true>(x, axis, "log_softmax"); }
Array softmax_backward(const Array& y, const Array& g, int64_t axis) {
  return softmax_backward_impl<false>(y, g, axis, "softmax_backward");
}
Array log_softmax_backward(const Array& y, const Array& g, int64_t axis) {
  return softmax_backward_impl<true>(y, g, axis, "log_softmax_backward");
}

}  // namespace mytorch
