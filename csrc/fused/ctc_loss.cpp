// ctc_loss and its backward: the CTC forward-backward recursions in log space, one sample per task.
//
// Sample n has T_n frames, S_n labels and the extended target l' of L_n = 2 S_n + 1 states (blanks around
// and between the labels); lp_t(c) = log_probs[t, n, c]. The forward keeps every alpha row, in the
// (T, N, L) array the backward reads back (L = 2 S + 1 for the widest target):
//     alpha_0(0) = lp_0(blank),  alpha_0(1) = lp_0(l'_1),  alpha_0(s > 1) = -inf
//     alpha_t(s) = log(e^(a1 - m) + e^(a2 - m) + e^(a3 - m)) + m + lp_t(l'_s)
// with a1, a2, a3 = alpha_{t-1}(s), alpha_{t-1}(s-1) and alpha_{t-1}(s-2) (the last only where l'_s differs
// from l'_{s-2}; a missing term is -inf) and m their maximum (0 when all are -inf), and
//     nll = -log(e^(l1 - m) + e^(l2 - m)) - m,   l1, l2 = alpha_{T_n-1}(2 S_n), alpha_{T_n-1}(2 S_n - 1)
// (-alpha_{T_n-1}(0) for an empty target; 0 or inf with no frames, as the target is empty or not).
// The backward runs beta the same way from the last frame (beta_{T_n-1} is lp at the two final states)
// and, for each frame, collects the occupancies per class in log space, the states from the last down,
// one two-term log-add at a time, then takes the gradient through the log-softmax:
//     lcab_t(c) = log sum_{s: l'_s = c} e^(alpha_t(s) + beta_t(s))
//     grad_t(c) = (e^lp_t(c) - e^((lcab_t(c) + nll) - lp_t(c))) g     (0 for t >= T_n)
// That is PyTorch's order of operations, so float32 gradients round as PyTorch's do: the occupancies
// are near e^-nll, far below float32's range for long utterances, so they are never formed before nll
// is added back. Infeasible samples (nll inf) get NaN gradients, or 0 under zero_infinity.
#include "fused/ctc_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/errors.h"
#include "core/parallel.h"
#include "fused/fused.h"

namespace mytorch {
namespace {

// The checked arguments: dense copies, the sizes and where each sample's labels start.
struct Problem {
  Array log_probs, targets;
  std::vector<int64_t> input_lengths, target_lengths, label_start;
  int64_t frames, batch, classes, states, blank;
};

std::vector<int64_t> lengths_of(const Array& a, int64_t batch, const char* kernel, const char* name) {
  if (a.dtype() != DType::Int64 || a.shape() != Shape{batch}) {
    throw std::invalid_argument(std::string(kernel) + "(): " + name + " must be int64 of shape (N,)");
  }
  const Array d = dense(a);
  return std::vector<int64_t>(d.data<int64_t>(), d.data<int64_t>() + batch);
}

Problem check(const Array& log_probs, const Array& targets, const Array& input_lengths, const Array& target_lengths,
              int64_t blank, const char* kernel) {
  const std::string k(kernel);
  if (log_probs.ndim() != 3) throw std::invalid_argument(k + "(): log_probs must be (T, N, C)");
  if (log_probs.dtype() != DType::Float32 && log_probs.dtype() != DType::Float64) {
    throw TypeError(k + "(): expected float32 or float64 log_probs, got " + dtype_name(log_probs.dtype()));
  }
  Problem p{dense(log_probs), dense(targets), {}, {}, {}, log_probs.shape()[0], log_probs.shape()[1],
            log_probs.shape()[2], 0, blank};
  if (blank < 0 || blank >= p.classes) throw std::invalid_argument(k + "(): blank must be in [0, C)");
  if (targets.dtype() != DType::Int64 || targets.ndim() < 1 || targets.ndim() > 2) {
    throw std::invalid_argument(k + "(): targets must be int64, (N, S) or concatenated (sum of lengths,)");
  }
  p.input_lengths = lengths_of(input_lengths, p.batch, kernel, "input_lengths");
  p.target_lengths = lengths_of(target_lengths, p.batch, kernel, "target_lengths");
  const bool padded = targets.ndim() == 2;
  if (padded && targets.shape()[0] != p.batch) throw std::invalid_argument(k + "(): targets must have N rows");
  int64_t widest = padded ? targets.shape()[1] : 0, next = 0;
  for (int64_t n = 0; n < p.batch; ++n) {
    const int64_t t_n = p.input_lengths[n], s_n = p.target_lengths[n];
    if (t_n < 0 || t_n > p.frames) throw std::invalid_argument(k + "(): input_lengths must lie in [0, T]");
    if (s_n < 0 || (padded && s_n > widest)) {
      throw std::invalid_argument(k + "(): target_lengths must lie in [0, targets.shape[1]]");
    }
    p.label_start.push_back(padded ? n * widest : next);
    next += s_n;
    if (!padded) widest = std::max(widest, s_n);
  }
  if (!padded && next != targets.shape()[0]) {
    throw std::invalid_argument(k + "(): concatenated targets must hold sum(target_lengths) labels");
  }
  const int64_t* labels = p.targets.data<int64_t>();
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t i = 0; i < p.target_lengths[n]; ++i) {
      const int64_t c = labels[p.label_start[n] + i];
      if (c < 0 || c >= p.classes) {
        throw IndexError(k + "(): target label " + std::to_string(c) + " is out of bounds for " +
                         std::to_string(p.classes) + " classes");
      }
    }
  }
  p.states = 2 * widest + 1;
  return p;
}

// l'_s for the states of sample n, and whether the step s-2 -> s is allowed (l'_s != l'_{s-2}).
struct Extended {
  std::vector<int64_t> label;
  std::vector<char> skip;
};

Extended extended(const Problem& p, int64_t n) {
  const int64_t states = 2 * p.target_lengths[n] + 1;
  const int64_t* labels = p.targets.data<int64_t>() + p.label_start[n];
  Extended e{std::vector<int64_t>(states, p.blank), std::vector<char>(states, 0)};
  for (int64_t s = 1; s < states; s += 2) e.label[s] = labels[s / 2];
  for (int64_t s = 2; s < states; ++s) e.skip[s] = e.label[s] != e.label[s - 2];
  return e;
}

// log(e^a + e^b + e^c), shifted by the largest; the terms' order and the shift as PyTorch's kernel takes them.
template <typename T>
T log_add3(T a, T b, T c) {
  constexpr T neg_inf = -std::numeric_limits<T>::infinity();
  T m = std::max(a, std::max(b, c));
  if (m == neg_inf) m = 0;
  return std::log(std::exp(a - m) + std::exp(b - m) + std::exp(c - m)) + m;
}

template <typename T>
void forward_sample(const Problem& p, int64_t n, T* alpha, T* nll) {
  constexpr T neg_inf = -std::numeric_limits<T>::infinity();
  const int64_t t_n = p.input_lengths[n], s_n = p.target_lengths[n], row = p.batch * p.states;
  const T* lp = p.log_probs.data<T>() + n * p.classes;
  const int64_t lp_row = p.batch * p.classes;
  T* a = alpha + n * p.states;
  for (int64_t t = 0; t < p.frames; ++t) std::fill(a + t * row, a + t * row + p.states, neg_inf);
  if (t_n == 0) {
    *nll = s_n == 0 ? T(0) : std::numeric_limits<T>::infinity();
    return;
  }
  const Extended e = extended(p, n);
  const int64_t states = 2 * s_n + 1;
  a[0] = lp[p.blank];
  if (s_n > 0) a[1] = lp[e.label[1]];
  for (int64_t t = 1; t < t_n; ++t) {
    const T* prev = a + (t - 1) * row;
    T* cur = a + t * row;
    const T* lp_t = lp + t * lp_row;
    for (int64_t s = 0; s < states; ++s) {
      const T a2 = s > 0 ? prev[s - 1] : neg_inf, a3 = e.skip[s] ? prev[s - 2] : neg_inf;
      cur[s] = log_add3(prev[s], a2, a3) + lp_t[e.label[s]];
    }
  }
  const T* last = a + (t_n - 1) * row;
  if (s_n == 0) {
    *nll = -last[0];
    return;
  }
  const T l1 = last[2 * s_n], l2 = last[2 * s_n - 1];
  T m = std::max(l1, l2);
  if (m == neg_inf) m = 0;
  *nll = -(std::log(std::exp(l1 - m) + std::exp(l2 - m)) + m);
}

template <typename T>
void backward_sample(const Problem& p, int64_t n, const T* alpha, T nll, T g, bool zero_infinity, T* grad) {
  constexpr T neg_inf = -std::numeric_limits<T>::infinity();
  const int64_t t_n = p.input_lengths[n], s_n = p.target_lengths[n], c_n = p.classes;
  const int64_t lp_row = p.batch * c_n, a_row = p.batch * p.states;
  const T* lp = p.log_probs.data<T>() + n * c_n;
  const T* a = alpha + n * p.states;
  T* out = grad + n * c_n;
  const int64_t live = zero_infinity && nll == std::numeric_limits<T>::infinity() ? 0 : t_n;
  for (int64_t t = live; t < p.frames; ++t) std::fill(out + t * lp_row, out + t * lp_row + c_n, T(0));
  if (live == 0) return;
  for (int64_t t = 0; t < live; ++t) std::fill(out + t * lp_row, out + t * lp_row + c_n, neg_inf);
  const Extended e = extended(p, n);
  const int64_t states = 2 * s_n + 1;
  std::vector<T> next(states, neg_inf), cur(states);
  {  // the last frame: only the two final states start a path (a blank and a label: no log-add needed)
    const int64_t t = t_n - 1;
    T* lcab = out + t * lp_row;
    for (int64_t s = states - 1; s >= std::max<int64_t>(states - 2, 0); --s) {
      next[s] = lp[t * lp_row + e.label[s]];
      lcab[e.label[s]] = a[t * a_row + s] + next[s];
    }
  }
  for (int64_t t = t_n - 2; t >= 0; --t) {
    const T* lp_t = lp + t * lp_row;
    const T* a_t = a + t * a_row;
    T* lcab = out + t * lp_row;
    for (int64_t s = states - 1; s >= 0; --s) {
      const T b2 = s + 1 < states ? next[s + 1] : neg_inf;
      const T b3 = s + 2 < states && e.skip[s + 2] ? next[s + 2] : neg_inf;
      cur[s] = log_add3(next[s], b2, b3) + lp_t[e.label[s]];
      const T ab = a_t[s] + cur[s];
      T& acc = lcab[e.label[s]];
      if (acc == neg_inf) {
        acc = ab;
      } else {
        const T m = std::max(acc, ab);
        acc = std::log(std::exp(acc - m) + std::exp(ab - m)) + m;
      }
    }
    std::swap(next, cur);
  }
  for (int64_t t = 0; t < t_n; ++t) {
    const T* lp_t = lp + t * lp_row;
    T* res = out + t * lp_row;
    for (int64_t c = 0; c < c_n; ++c) res[c] = (std::exp(lp_t[c]) - std::exp(res[c] + nll - lp_t[c])) * g;
  }
}

}  // namespace

std::tuple<Array, Array> ctc_loss(const Array& log_probs, const Array& targets, const Array& input_lengths,
                                  const Array& target_lengths, int64_t blank) {
  const Problem p = check(log_probs, targets, input_lengths, target_lengths, blank, "ctc_loss");
  const DType dt = p.log_probs.dtype();
  Array nll(Shape{p.batch}, dt), alpha(Shape{p.frames, p.batch, p.states}, dt);
  dispatch_floating(dt, "ctc_loss", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      T *a = alpha.data<T>(), *out = nll.data<T>();
      parallel_for(p.batch, p.frames * p.states * 8, [&](int64_t begin, int64_t end) {
        for (int64_t n = begin; n < end; ++n) forward_sample(p, n, a, out + n);
      });
    }
  });
  return {nll, alpha};
}

Array ctc_loss_backward(const Array& g_in, const Array& log_probs, const Array& targets, const Array& input_lengths,
                        const Array& target_lengths, const Array& nll_in, const Array& alpha_in, int64_t blank,
                        bool zero_infinity) {
  const Problem p = check(log_probs, targets, input_lengths, target_lengths, blank, "ctc_loss_backward");
  const DType dt = p.log_probs.dtype();
  const Shape per_sample{p.batch};
  if (g_in.shape() != per_sample || nll_in.shape() != per_sample || g_in.dtype() != dt || nll_in.dtype() != dt ||
      alpha_in.shape() != Shape{p.frames, p.batch, p.states} || alpha_in.dtype() != dt) {
    throw std::invalid_argument("ctc_loss_backward(): g and nll must be (N,), log_alpha (T, N, 2 S + 1), all of "
                                "log_probs' dtype");
  }
  const Array g = dense(g_in), nll = dense(nll_in), alpha = dense(alpha_in);
  Array grad(p.log_probs.shape(), dt);
  dispatch_floating(dt, "ctc_loss_backward", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      const T *a = alpha.data<T>(), *nll_p = nll.data<T>(), *g_p = g.data<T>();
      T* out = grad.data<T>();
      parallel_for(p.batch, p.frames * (p.states + p.classes) * 16, [&](int64_t begin, int64_t end) {
        for (int64_t n = begin; n < end; ++n) backward_sample(p, n, a, nll_p[n], g_p[n], zero_infinity, out);
      });
    }
  });
  return grad;
}

}  // namespace mytorch
