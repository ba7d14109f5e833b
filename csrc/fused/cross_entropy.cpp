// cross_entropy and its backward: log-softmax and the negative log-likelihood in one pass per row.
//
// Logits x (N, C, *d) are read as rows of C classes (fused/rows.h: row r is sample r of the target
// (N, *d) in row-major order). With m = max_c x_c and s = sum_c e^(x_c - m), a row's log-probabilities
// are lp_c = (x_c - m) - log s, so the forward needs, per row: the max (one pass over the row, which
// brings it into cache), then s and, for label smoothing, sum_c w_c (x_c - m) (a second pass, from
// cache). The loss reads lp at the target only:
//     loss = -(1 - e) w_t lp_t - (e / C) sum_c w_c lp_c,
//     sum_c w_c lp_c = sum_c w_c (x_c - m) - log s sum_c w_c.
// No (N, C) array is written: the backward recomputes p_c = e^((x_c - m) - log s) from the m and log s
// the forward returns, which costs an exp per element but spares writing and re-reading the whole
// probability array (for 50k classes, that memory traffic is what a kernel waits on).
//
// Backward, one pass per row, Q = (1 - e) w_t + (e / C) sum_c w_c (0 where ignored):
//     dx_c = g (p_c Q - (e / C) w_c) - g (1 - e) w_t [c = t]     (NLL, x = lp: dx_c = -g w_t [c = t]).
#include <cmath>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/vmath.h"
#include "fused/cross_entropy.h"
#include "fused/fused.h"
#include "fused/rows.h"

namespace mytorch {
namespace {

// What a row needs besides its own logits.
template <typename C>
struct Classes {
  std::vector<C> w;  // the class weights in the compute type (all 1 without weights): loops read them as a vector
  C weight_sum;      // sum_c w_c
  int64_t count;     // C
  int64_t ignore_index;
  C smoothing;
};

// The checked inputs: contiguous copies where they were strided, the row layout and the classes.
struct Inputs {
  Array x, target;
  std::optional<Array> weight;
  AxisLayout rows;
};

Inputs check_inputs(const Array& x, const Array& target, const std::optional<Array>& weight, const char* kernel) {
  if (x.ndim() < 2) throw std::invalid_argument(std::string(kernel) + "(): expected logits of shape (N, C, *d)");
  Shape per_sample = x.shape();
  per_sample.erase(per_sample.begin() + 1);
  if (target.shape() != per_sample) {
    throw std::invalid_argument(std::string(kernel) + "(): target must have the logits' shape without dim 1");
  }
  if (target.dtype() != DType::Int64) {
    throw TypeError(std::string(kernel) + "(): expected int64 targets, got " + dtype_name(target.dtype()));
  }
  if (weight && (weight->shape() != Shape{x.shape()[1]} || weight->dtype() != x.dtype())) {
    throw std::invalid_argument(std::string(kernel) + "(): weight must be (C,) of the logits' dtype");
  }
  return {dense(x), dense(target), weight ? std::optional<Array>(dense(*weight)) : std::nullopt,
          layout_of(x.shape(), 1)};
}

template <typename T, typename C = compute_t<T>>
Classes<C> classes_of(const Inputs& in, int64_t ignore_index, double smoothing) {
  Classes<C> k{std::vector<C>(in.rows.n, C(1)), 0, in.rows.n, ignore_index, static_cast<C>(smoothing)};
  if (in.weight) {
    const T* w = in.weight->data<T>();
    for (int64_t c = 0; c < k.count; ++c) k.w[c] = static_cast<C>(w[c]);
  }
  for (C wc : k.w) k.weight_sum += wc;
  return k;
}

// IndexError naming the first target (row-major) that is neither a class nor ignore_index. A serial
// scan of N * d integers: cheap next to the N * C logits, and it names the first bad one by construction.
void check_targets(const int64_t* target, int64_t count, int64_t classes, int64_t ignore_index) {
  for (int64_t r = 0; r < count; ++r) {
    const int64_t t = target[r];
    if (t != ignore_index && (t < 0 || t >= classes)) {
      throw IndexError("Target " + std::to_string(t) + " is out of bounds.");
    }
  }
}

template <typename C> struct RowResult {
  C loss, w_t, max, log_sum;
};

// The loss of one row of logits (stride 1 when Unit) with target t.
template <bool Unit, typename T, typename C = compute_t<T>>
RowResult<C> loss_row(const T* x, int64_t stride, int64_t t, const Classes<C>& k) {
  const int64_t s = Unit ? 1 : stride;
  const int64_t n = k.count;
  const C m = row_max<Unit>(x, n, stride);
  const C sum = row_sum_exp<Unit>(x, n, stride, m);  // sum_c e^(x_c - m)
  C weighted = 0;  // sum_c w_c (x_c - m), for label smoothing: a pass over the cached row, without exp
  if (k.smoothing > 0) {
    const C* w = k.w.data();
#pragma omp simd reduction(+ : weighted)
    for (int64_t c = 0; c < n; ++c) weighted += w[c] * (static_cast<C>(x[c * s]) - m);
  }
  const C log_sum = std::log(sum);
  if (t == k.ignore_index) return {C(0), C(0), m, log_sum};
  const C w_t = k.w[t];
  // (x_t - m) - log s rather than x_t - (m + log s): x - m is exact near the max, where it matters most
  C loss = -w_t * ((static_cast<C>(x[t * s]) - m) - log_sum);
  if (k.smoothing > 0) {
    loss = loss * (1 - k.smoothing) - k.smoothing / static_cast<C>(n) * (weighted - log_sum * k.weight_sum);
  }
  return {loss, w_t, m, log_sum};
}

// dx of one row (stride 1 when Unit) for upstream gradient g: p_c from m and log s, or from probs.
template <bool Unit, typename T, typename C = compute_t<T>>
void loss_row_backward(const T* x, const T* probs, T* dx, int64_t stride, int64_t t, C g, C m, C log_sum,
                       const Classes<C>& k) {
  const int64_t s = Unit ? 1 : stride;
  const int64_t n = k.count;
  const bool valid = t != k.ignore_index;
  const C w_t = valid ? k.w[t] : C(0);
  const C spread = valid ? g * k.smoothing / static_cast<C>(n) : C(0);  // g (e / C), per unit of w_c
  const C total = g * ((1 - k.smoothing) * w_t) + spread * k.weight_sum;  // g Q
  const C* w = k.w.data();
  if (probs) {
#pragma omp simd
    for (int64_t c = 0; c < n; ++c) dx[c * s] = static_cast<T>(static_cast<C>(probs[c * s]) * total - spread * w[c]);
  } else {
    const int64_t body = n - n % kLanes<C>;
#pragma omp simd
    for (int64_t c = 0; c < body; ++c) {
      const C p = vmath::exp((static_cast<C>(x[c * s]) - m) - log_sum);
      dx[c * s] = static_cast<T>(p * total - spread * w[c]);
    }
    if (body < n) {
      alignas(64) C p[kLanes<C>];
      tail_lanes(x, s, body, n, C(0), p);
#pragma omp simd
      for (int64_t i = 0; i < kLanes<C>; ++i) p[i] = vmath::exp((p[i] - m) - log_sum);
      for (int64_t c = body; c < n; ++c) dx[c * s] = static_cast<T>(p[c - body] * total - spread * w[c]);
    }
  }
  if (valid) dx[t * s] = static_cast<T>(static_cast<C>(dx[t * s]) - g * (1 - k.smoothing) * w_t);
}

// NLL (x already is log-probabilities): loss = -w_t x_t, dx_c = -g w_t [c = t].
template <typename T, typename C = compute_t<T>>
C nll_row(const T* x, int64_t stride, int64_t t, const Classes<C>& k) {
  return t == k.ignore_index ? C(0) : -k.w[t] * static_cast<C>(x[t * stride]);
}

template <typename T, typename C = compute_t<T>>
void nll_row_backward(T* dx, int64_t stride, int64_t t, C g, const Classes<C>& k) {
  for (int64_t c = 0; c < k.count; ++c) dx[c * stride] = T(0);
  if (t != k.ignore_index) dx[t * stride] = static_cast<T>(-g * k.w[t]);
}

}  // namespace

CrossEntropyResult cross_entropy(const Array& x_in, const Array& target_in, const std::optional<Array>& weight,
                                 int64_t ignore_index, double label_smoothing, bool log_softmax) {
  const Inputs in = check_inputs(x_in, target_in, weight, "cross_entropy");
  const AxisLayout& l = in.rows;
  const int64_t* target = in.target.data<int64_t>();
  check_targets(target, l.rows(), l.n, ignore_index);
  const Shape& per_sample = in.target.shape();
  const DType dt = in.x.dtype();
  Array loss(per_sample, dt), w_t(per_sample, dt);
  std::optional<Array> row_max, log_sum;
  if (log_softmax) row_max = Array(per_sample, dt), log_sum = Array(per_sample, dt);
  dispatch_floating(dt, "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const auto k = classes_of<T>(in, ignore_index, log_softmax ? label_smoothing : 0.0);
    const T* x = in.x.data<T>();
    T *loss_p = loss.data<T>(), *w_t_p = w_t.data<T>();
    T* max_p = log_softmax ? row_max->data<T>() : nullptr;
    T* log_sum_p = log_softmax ? log_sum->data<T>() : nullptr;
    parallel_for(l.rows(), l.n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const T* row = x + l.row_start(r);
        if (!log_softmax) {
          loss_p[r] = static_cast<T>(nll_row(row, l.inner, target[r], k));
          w_t_p[r] = static_cast<T>(target[r] == ignore_index ? 0 : k.w[target[r]]);
          continue;
        }
        const auto res = l.inner == 1 ? loss_row<true>(row, 1, target[r], k) : loss_row<false>(row, l.inner, target[r], k);
        loss_p[r] = static_cast<T>(res.loss);
        w_t_p[r] = static_cast<T>(res.w_t);
        max_p[r] = static_cast<T>(res.max);
        log_sum_p[r] = static_cast<T>(res.log_sum);
      }
    });
  });
  return {loss, w_t, row_max, log_sum, std::nullopt};
}

Array cross_entropy_backward(const Array& g_in, const Array& x_in, const Array& target_in,
                             const std::optional<Array>& weight, const std::optional<Array>& row_max_in,
                             const std::optional<Array>& log_sum_in, const std::optional<Array>& probs_in,
                             int64_t ignore_index, double label_smoothing, bool log_softmax) {
  const Inputs in = check_inputs(x_in, target_in, weight, "cross_entropy_backward");
  const AxisLayout& l = in.rows;
  const int64_t* target = in.target.data<int64_t>();
  const DType dt = in.x.dtype();
  const bool scalar_g = g_in.ndim() == 0;
  if (g_in.dtype() != dt || (!scalar_g && g_in.shape() != in.target.shape())) {
    throw std::invalid_argument("cross_entropy_backward(): g must be 0-d or of the target's shape and dtype");
  }
  const Array g = dense(g_in);
  const bool with_probs = log_softmax && probs_in;
  if (log_softmax && !with_probs && !(row_max_in && log_sum_in)) {
    throw std::invalid_argument("cross_entropy_backward(): needs row_max and log_sum, or probs");
  }
  const Array probs = with_probs ? dense(*probs_in) : Array();
  const Array row_max = log_softmax && !with_probs ? dense(*row_max_in) : Array();
  const Array log_sum = log_softmax && !with_probs ? dense(*log_sum_in) : Array();
  Array dx(in.x.shape(), dt);
  dispatch_floating(dt, "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const auto k = classes_of<T>(in, ignore_index, log_softmax ? label_smoothing : 0.0);
    const T* x = in.x.data<T>();
    const T* gp = g.data<T>();
    T* dxp = dx.data<T>();
    parallel_for(l.rows(), l.n, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t first = l.row_start(r);
        const C g_r = static_cast<C>(gp[scalar_g ? 0 : r]);
        if (!log_softmax) {
          nll_row_backward(dxp + first, l.inner, target[r], g_r, k);
          continue;
        }
        const T* p = with_probs ? probs.data<T>() + first : nullptr;
        const C m = with_probs ? C(0) : static_cast<C>(row_max.data<T>()[r]);
        const C ls = with_probs ? C(0) : static_cast<C>(log_sum.data<T>()[r]);
        if (l.inner == 1) {
          loss_row_backward<true>(x + first, p, dxp + first, 1, target[r], g_r, m, ls, k);
        } else {
          loss_row_backward<false>(x + first, p, dxp + first, l.inner, target[r], g_r, m, ls, k);
        }
      }
    });
  });
  return dx;
}

}  // namespace mytorch
