// softmax, log_softmax and their backwards along any axis, row by row (fused/rows.h: the layout).
//
// Each row is read once from memory; its later passes find it in cache.
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

// softmax (Log = false): y_i = e^(x_i - m) / s;  log_softmax: y_i = (x_i - m) - log s;  s = sum_j e^(x_j - m).
// softmax keeps e^(x_i - m) from the summing pass (in y itself when y holds compute_t values, else in
// `scratch`) and scales it; log_softmax needs only s.
template <bool Log, bool Unit, typename T, typename C = compute_t<T>>
void softmax_row(const T* x, T* y, int64_t n, int64_t stride, C* scratch) {
  const int64_t s = Unit ? 1 : stride;
  const C m = row_max<Unit>(x, n, stride);
  C sum = 0;
  if constexpr (Log) {
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += vmath::exp(static_cast<C>(x[i * s]) - m);
    // (x - m) - log s rather than x - (m + log s): x - m is exact near the max, where it matters most
    const C log_sum = std::log(sum);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i * s] = static_cast<T>((static_cast<C>(x[i * s]) - m) - log_sum);
  } else {
    constexpr bool in_place = Unit && std::is_same_v<T, C>;
    C* e = in_place ? reinterpret_cast<C*>(y) : scratch;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) {
      C v = vmath::exp(static_cast<C>(x[i * s]) - m);
      e[i] = v;
      sum += v;
    }
    const C inv = C(1) / sum;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i * s] = static_cast<T>(e[i] * inv);
  }
}

// softmax_backward (Log = false): dx_i = y_i g_i - y_i sum_j g_j y_j;
// log_softmax_backward: dx_i = g_i - e^(y_i) sum_j g_j.
template <bool Log, bool Unit, typename T, typename C = compute_t<T>>
void softmax_backward_row(const T* y, const T* g, T* dx, int64_t n, int64_t stride) {
  const int64_t s = Unit ? 1 : stride;
  C sum = 0;
  if constexpr (Log) {
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += static_cast<C>(g[i * s]);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      dx[i * s] = static_cast<T>(static_cast<C>(g[i * s]) - vmath::exp(static_cast<C>(y[i * s])) * sum);
    }
  } else {
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += static_cast<C>(g[i * s]) * static_cast<C>(y[i * s]);
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      C yi = static_cast<C>(y[i * s]);
      dx[i * s] = static_cast<T>(static_cast<C>(g[i * s]) * yi - yi * sum);
    }
  }
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
    parallel_for(l.rows(), l.n, [&](int64_t begin, int64_t end) {
      std::vector<C> scratch(Log || (l.inner == 1 && std::is_same_v<T, C>) ? 0 : l.n);
      for (int64_t r = begin; r < end; ++r) {
        int64_t first = l.row_start(r);
        if (l.inner == 1) {
          softmax_row<Log, true>(xp + first, yp + first, l.n, 1, scratch.data());
        } else {
          softmax_row<Log, false>(xp + first, yp + first, l.n, l.inner, scratch.data());
        }
      }
    });
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
    parallel_for(l.rows(), l.n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t first = l.row_start(r);
        if (l.inner == 1) {
          softmax_backward_row<Log, true>(yp + first, gp + first, dp + first, l.n, 1);
        } else {
          softmax_backward_row<Log, false>(yp + first, gp + first, dp + first, l.n, l.inner);
        }
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
