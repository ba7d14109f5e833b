// layer_norm and rms_norm over the trailing normalized_ndim dims, forward and backward.
//
// x is read as M rows of N contiguous elements. Forward: per row the statistics (two passes over the
// cache-resident row: the mean, then the centred sum of squares, as the composite computes them), then
// y in a third pass. Backward: two passes per row, the two row sums dx needs, then dx and this row's
// terms of dweight and dbias together. dweight and dbias are sums over rows: each thread accumulates its
// rows in its own length-N buffers, which are then added up in thread order (so the result does not
// depend on scheduling), the N columns of that fold split over threads.
// Optional operands (weight, bias, which gradients) are template flags, so that every inner loop is
// straight-line code the compiler vectorises, with no per-element test.
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "fused/fused.h"

namespace mytorch {
namespace {

struct RowShape {
  int64_t rows, n;
  Shape stats_shape;  // x's shape with the normalised dims 1
};

RowShape row_shape(const Array& x, int64_t normalized_ndim, const char* kernel) {
  if (normalized_ndim < 0 || normalized_ndim > x.ndim()) {
    throw std::invalid_argument(std::string(kernel) + "(): normalized_ndim out of range");
  }
  RowShape r{1, 1, x.shape()};
  for (int64_t d = 0; d < x.ndim(); ++d) {
    if (d < x.ndim() - normalized_ndim) {
      r.rows *= x.shape()[d];
    } else {
      r.n *= x.shape()[d];
      r.stats_shape[d] = 1;
    }
  }
  return r;
}

// The parameter's elements as a contiguous array of x's dtype, or nullptr-backed when absent.
const Array* optional_dense(const std::optional<Array>& a, std::optional<Array>& holder) {
  if (!a) return nullptr;
  holder = dense(*a);
  return &*holder;
}

// f(std::true_type{}) or f(std::false_type{}): a run-time flag as a compile-time one.
template <typename F>
decltype(auto) with_flag(bool flag, F&& f) {
  return flag ? f(std::true_type{}) : f(std::false_type{});
}

template <typename C> struct RowStats {
  C mean, rstd;
};

// Centred = true: layer norm, mean = sum x / n, rstd = 1 / sqrt(sum (x - mean)^2 / n + eps).
// Centred = false: RMS norm, mean = 0, rstd = 1 / sqrt(sum x^2 / n + eps).
template <bool Centred, typename T, typename C = compute_t<T>>
RowStats<C> row_stats(const T* x, int64_t n, C eps) {
  C mean = 0;
  if constexpr (Centred) {
    C sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t i = 0; i < n; ++i) sum += static_cast<C>(x[i]);
    mean = sum / static_cast<C>(n);
  }
  C squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int64_t i = 0; i < n; ++i) {
    C d = static_cast<C>(x[i]) - mean;
    squares += d * d;
  }
  return {mean, C(1) / std::sqrt(squares / static_cast<C>(n) + eps)};
}

// y = (x - mean) rstd weight + bias for every row; returns (y, mean, rstd) (mean empty when not Centred).
template <bool Centred>
std::tuple<Array, Array, Array> norm_forward(const Array& x_in, int64_t normalized_ndim,
                                             const std::optional<Array>& weight_in,
                                             const std::optional<Array>& bias_in, double eps, const char* kernel) {
  const RowShape rs = row_shape(x_in, normalized_ndim, kernel);
  const Array x = dense(x_in);
  std::optional<Array> weight_holder, bias_holder;
  const Array* weight = optional_dense(weight_in, weight_holder);
  const Array* bias = optional_dense(bias_in, bias_holder);
  Array y(x.shape(), x.dtype()), rstd(rs.stats_shape, x.dtype());
  Array mean(Centred ? rs.stats_shape : Shape{0}, x.dtype());  // RMS norm has no mean
  dispatch_floating(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* xp = x.data<T>();
    const T* wp = weight ? weight->data<T>() : nullptr;
    const T* bp = bias ? bias->data<T>() : nullptr;
    T* yp = y.data<T>();
    T* mp = mean.data<T>();
    T* rp = rstd.data<T>();
    const int64_t n = rs.n;
    const C c_eps = static_cast<C>(static_cast<T>(eps));  // eps in x's dtype, as the composite adds it
    with_flag(wp != nullptr, [&](auto has_weight) {
      with_flag(bp != nullptr, [&](auto has_bias) {
        parallel_for(rs.rows, n, [&](int64_t begin, int64_t end) {
          for (int64_t r = begin; r < end; ++r) {
            const T* xr = xp + r * n;
            T* yr = yp + r * n;
            const RowStats<C> st = row_stats<Centred>(xr, n, c_eps);
            if constexpr (Centred) mp[r] = static_cast<T>(st.mean);
            rp[r] = static_cast<T>(st.rstd);
#pragma omp simd
            for (int64_t i = 0; i < n; ++i) {
              C v = (static_cast<C>(xr[i]) - st.mean) * st.rstd;
              if constexpr (has_weight) v *= static_cast<C>(wp[i]);
              if constexpr (has_bias) v += static_cast<C>(bp[i]);
              yr[i] = static_cast<T>(v);
            }
          }
        });
      });
    });
  });
  return {y, mean, rstd};
}

// One row of the backward (formulas below): pass 1 the row sums of gh and gh x_hat, pass 2 dx and the
// row's terms g x_hat and g of dweight and dbias, added to this thread's partial sums dw and db.
template <bool Centred, bool HasWeight, bool Dx, bool Params, typename T, typename C = compute_t<T>>
void norm_backward_row(const T* g, const T* x, const T* w, C mean, C rstd, T* dx, C* dw, C* db, int64_t n) {
  C mean_gh = 0, mean_ghx = 0;
  if constexpr (Dx) {
    C sum_gh = 0, sum_ghx = 0;
#pragma omp simd reduction(+ : sum_gh, sum_ghx)
    for (int64_t i = 0; i < n; ++i) {
      C gh = HasWeight ? static_cast<C>(g[i]) * static_cast<C>(w[i]) : static_cast<C>(g[i]);
      sum_gh += gh;
      sum_ghx += gh * ((static_cast<C>(x[i]) - mean) * rstd);
    }
    mean_gh = Centred ? sum_gh / static_cast<C>(n) : C(0);
    mean_ghx = sum_ghx / static_cast<C>(n);
  }
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const C gi = static_cast<C>(g[i]);
    const C x_hat = (static_cast<C>(x[i]) - mean) * rstd;
    if constexpr (Dx) {
      C gh = HasWeight ? gi * static_cast<C>(w[i]) : gi;
      dx[i] = static_cast<T>(rstd * (gh - mean_gh - x_hat * mean_ghx));
    }
    if constexpr (Params) {
      dw[i] += gi * x_hat;
      if constexpr (Centred) db[i] += gi;
    }
  }
}

// With x_hat = (x - mean) rstd (mean = 0 for RMS norm), gh = g weight and row means <.>:
//   dx = rstd (gh - <gh> - x_hat <gh x_hat>)   (RMS norm: no <gh> term)
//   dweight = sum_rows g x_hat,  dbias = sum_rows g.
template <bool Centred>
std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>> norm_backward(
    const Array& g_in, const Array& x_in, const std::optional<Array>& weight_in, const std::optional<Array>& mean_in,
    const Array& rstd_in, int64_t normalized_ndim, std::array<bool, 3> mask, const char* kernel) {
  check_same(kernel, g_in, x_in);
  const RowShape rs = row_shape(x_in, normalized_ndim, kernel);
  const Array g = dense(g_in), x = dense(x_in), rstd = dense(rstd_in);
  std::optional<Array> weight_holder, mean_holder;
  const Array* weight = optional_dense(weight_in, weight_holder);
  const Array* mean = optional_dense(mean_in, mean_holder);
  const bool want_dx = mask[0], want_dw = mask[1] && weight, want_db = Centred && mask[2];
  std::optional<Array> dx, dw, db;
  if (want_dx) dx = Array(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), kernel, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const int64_t n = rs.n;
    const T* gp = g.data<T>();
    const T* xp = x.data<T>();
    const T* wp = weight ? weight->data<T>() : nullptr;
    const T* mp = mean ? mean->data<T>() : nullptr;
    const T* rp = rstd.data<T>();
    T* dp = want_dx ? dx->data<T>() : nullptr;
    // per-thread partial sums of dweight and dbias (both kept when either is asked for: the other is
    // one add per element)
    const int threads = num_threads();
    const bool want_params = want_dw || want_db;
    std::vector<C> dw_part(want_params ? threads * n : 0, C(0)), db_part(want_params ? threads * n : 0, C(0));
    with_flag(wp != nullptr, [&](auto has_weight) {
      with_flag(want_dx, [&](auto dx_flag) {
        with_flag(want_params, [&](auto params_flag) {
          parallel_for(rs.rows, n, [&](int64_t begin, int64_t end) {
            C* dwt = params_flag ? dw_part.data() + omp_get_thread_num() * n : nullptr;
            C* dbt = params_flag ? db_part.data() + omp_get_thread_num() * n : nullptr;
            for (int64_t r = begin; r < end; ++r) {
              norm_backward_row<Centred, decltype(has_weight)::value, decltype(dx_flag)::value,
                                decltype(params_flag)::value>(
                  gp + r * n, xp + r * n, wp, mp ? static_cast<C>(mp[r]) : C(0), static_cast<C>(rp[r]),
                  dp ? dp + r * n : nullptr, dwt, dbt, n);
            }
          });
        });
      });
    });
    // the parameters' gradients: partial sums added in thread order, stored in the parameter's shape
    auto finish = [&](const std::vector<C>& part) {
      Array out(weight ? weight->shape() : Shape(x.shape().end() - normalized_ndim, x.shape().end()), x.dtype());
      T* op = out.data<T>();
      parallel_for(n, threads, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          C s = 0;
          for (int t = 0; t < threads; ++t) s += part[t * n + i];
          op[i] = static_cast<T>(s);
        }
      });
      return out;
    };
    if (want_dw) dw = finish(dw_part);
    if (want_db) db = finish(db_part);
  });
  return {dx, dw, db};
}

}  // namespace

std::tuple<Array, Array, Array> layer_norm(const Array& x, int64_t normalized_ndim, const std::optional<Array>& weight,
                                           const std::optional<Array>& bias, double eps) {
  return norm_forward<true>(x, normalized_ndim, weight, bias, eps, "layer_norm");
}

std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>> layer_norm_backward(
    const Array& g, const Array& x, const std::optional<Array>& weight, const Array& mean, const Array& rstd,
    int64_t normalized_ndim, std::array<bool, 3> output_mask) {
  return norm_backward<true>(g, x, weight, mean, rstd, normalized_ndim, output_mask, "layer_norm_backward");
}

std::tuple<Array, Array> rms_norm(const Array& x, int64_t normalized_ndim, const std::optional<Array>& weight,
                                  double eps) {
  auto [y, mean, rstd] = norm_forward<false>(x, normalized_ndim, weight, std::nullopt, eps, "rms_norm");
  return {y, rstd};
}

std::tuple<std::optional<Array>, std::optional<Array>> rms_norm_backward(
    const Array& g, const Array& x, const std::optional<Array>& weight, const Array& rstd, int64_t normalized_ndim,
    std::array<bool, 2> output_mask) {
  auto [dx, dw, db] = norm_backward<false>(g, x, weight, std::nullopt, rstd, normalized_ndim,
                                           {output_mask[0], output_mask[1], false}, "rms_norm_backward");
  return {dx, dw};
}

}  // namespace mytorch
