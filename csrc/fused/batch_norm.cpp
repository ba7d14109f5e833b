// batch_norm over (N, C, *spatial), training mode: each channel normalised by the mean and variance of its
// N x S elements (S the product of the spatial dims), forward and backward.
//
// x is read as (N, C, S): channel c's M = N S elements are N contiguous runs of S. Threads take channels.
// Forward, per channel: the mean, then the centred sum of squares (two passes, as the composite computes
// them), then one pass y = x scale + shift, the channel's rstd, weight, mean and bias folded into
// scale = rstd weight and shift = bias - mean scale. Backward, per channel, with x_hat = (x - mean) rstd and
// <.> the mean over the channel's M elements: one pass for the sums of g and g x_hat, then
//   dx = weight rstd (g - <g> - x_hat <g x_hat>),  dweight = sum g x_hat,  dbias = sum g.
// Sums are taken in double: M reaches 10^5 and more, where float sums lose digits the composite's
// pairwise sums keep.
#include <cmath>

#include "core/parallel.h"
#include "fused/fused.h"

namespace mytorch {
namespace {

struct ChannelShape {
  int64_t n = 1, c = 1, s = 1;
  Shape stats_shape;  // (1, C, 1, ...): x's shape with every dim but the channels 1
  double count() const { return static_cast<double>(n * s); }
};

ChannelShape channel_shape(const Array& x, const char* kernel) {
  if (x.ndim() < 2) {
    throw std::invalid_argument(std::string(kernel) + "(): expected an input of shape (N, C, *)");
  }
  ChannelShape cs{x.shape()[0], x.shape()[1], 1, Shape(x.ndim(), 1)};
  for (int64_t d = 2; d < x.ndim(); ++d) cs.s *= x.shape()[d];
  cs.stats_shape[1] = cs.c;
  return cs;
}

// The sum over channel c's elements of term(j), j the element's flat index: N runs of S contiguous ones.
template <typename Term>
double channel_sum(const ChannelShape& cs, int64_t c, Term term) {
  double total = 0;
  for (int64_t i = 0; i < cs.n; ++i) {
    const int64_t start = (i * cs.c + c) * cs.s;
    double run = 0;
#pragma omp simd reduction(+ : run)
    for (int64_t j = start; j < start + cs.s; ++j) run += term(j);
    total += run;
  }
  return total;
}

// Calls body(j) for every element of channel c.
template <typename Body>
void for_channel(const ChannelShape& cs, int64_t c, Body body) {
  for (int64_t i = 0; i < cs.n; ++i) {
    const int64_t start = (i * cs.c + c) * cs.s;
#pragma omp simd
    for (int64_t j = start; j < start + cs.s; ++j) body(j);
  }
}

template <typename T>
const T* optional_data(const std::optional<Array>& dense_param) {
  return dense_param ? dense_param->data<T>() : nullptr;
}

std::optional<Array> dense_or_none(const std::optional<Array>& a) {
  return a ? std::optional<Array>(dense(*a)) : std::nullopt;
}

}  // namespace

std::tuple<Array, Array, Array> batch_norm(const Array& x_in, const std::optional<Array>& weight_in,
                                           const std::optional<Array>& bias_in, double eps) {
  const ChannelShape cs = channel_shape(x_in, "batch_norm");
  const Array x = dense(x_in);
  const std::optional<Array> weight = dense_or_none(weight_in), bias = dense_or_none(bias_in);
  Array y(x.shape(), x.dtype()), mean(cs.stats_shape, x.dtype()), rstd(cs.stats_shape, x.dtype());
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* xp = x.data<T>();
    const T* wp = optional_data<T>(weight);
    const T* bp = optional_data<T>(bias);
    T* yp = y.data<T>();
    const C c_eps = static_cast<C>(static_cast<T>(eps));  // eps in x's dtype, as the composite adds it
    parallel_for(cs.c, cs.n * cs.s, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const double mu = channel_sum(cs, c, [&](int64_t j) { return double(static_cast<C>(xp[j])); }) / cs.count();
        const double var = channel_sum(cs, c, [&](int64_t j) {
          const double d = double(static_cast<C>(xp[j])) - mu;
          return d * d;
        }) / cs.count();
        const C r = C(1) / std::sqrt(static_cast<C>(var) + c_eps);
        mean.data<T>()[c] = static_cast<T>(mu);
        rstd.data<T>()[c] = static_cast<T>(r);
        const C scale = wp ? r * static_cast<C>(wp[c]) : r;
        const C shift = (bp ? static_cast<C>(bp[c]) : C(0)) - static_cast<C>(mu) * scale;
        for_channel(cs, c, [&](int64_t j) { yp[j] = static_cast<T>(static_cast<C>(xp[j]) * scale + shift); });
      }
    });
  });
  return {y, mean, rstd};
}

std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>> batch_norm_backward(
    const Array& g_in, const Array& x_in, const std::optional<Array>& weight_in, const Array& mean_in,
    const Array& rstd_in, std::array<bool, 3> mask) {
  check_same("batch_norm_backward", g_in, x_in);
  const ChannelShape cs = channel_shape(x_in, "batch_norm_backward");
  const Array g = dense(g_in), x = dense(x_in), mean = dense(mean_in), rstd = dense(rstd_in);
  const std::optional<Array> weight = dense_or_none(weight_in);
  std::optional<Array> dx, dw, db;
  if (mask[0]) dx = Array(x.shape(), x.dtype());
  if (mask[1] && weight) dw = Array(weight->shape(), x.dtype());
  if (mask[2]) db = Array(cs.stats_shape, x.dtype());
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* gp = g.data<T>();
    const T* xp = x.data<T>();
    const T* wp = optional_data<T>(weight);
    parallel_for(cs.c, cs.n * cs.s, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        const double mu = static_cast<C>(mean.data<T>()[c]), r = static_cast<C>(rstd.data<T>()[c]);
        const double sum_g = channel_sum(cs, c, [&](int64_t j) { return double(static_cast<C>(gp[j])); });
        const double sum_gx = channel_sum(cs, c, [&](int64_t j) {
          return double(static_cast<C>(gp[j])) * ((double(static_cast<C>(xp[j])) - mu) * r);
        });
        if (dx) {
          T* dxp = dx->data<T>();
          const C k = static_cast<C>(wp ? r * static_cast<C>(wp[c]) : r);
          const C mean_g = static_cast<C>(sum_g / cs.count()), mean_gx = static_cast<C>(sum_gx / cs.count());
          const C cmu = static_cast<C>(mu), cr = static_cast<C>(r);
          for_channel(cs, c, [&](int64_t j) {
            const C x_hat = (static_cast<C>(xp[j]) - cmu) * cr;
            dxp[j] = static_cast<T>(k * (static_cast<C>(gp[j]) - mean_g - x_hat * mean_gx));
          });
        }
        if (dw) dw->data<T>()[c] = static_cast<T>(sum_gx);
        if (db) db->data<T>()[c] = static_cast<T>(sum_g);
      }
    });
  });
  return {dx, dw, db};
}

}  // namespace mytorch
