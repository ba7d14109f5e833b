#include "optim/updates.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/strided.h"

namespace mytorch {
namespace {

#define INLINE_STEP __attribute__((always_inline))

// Visits element i of the parameter and of up to four state arrays of its shape (grad first), calling
// step(refs...) with references to each operand's element. An absent operand (no momentum buffer, no
// amsgrad, ...) reads and writes a scratch row of its own, so the step function has one signature
// whether or not a buffer exists. When every operand is contiguous along a row, the row loop runs on
// restrict-qualified pointers: the compiler then knows the operands never overlap and vectorises it.
// It can only vectorise what it sees: the step functions below are forced inline (INLINE_STEP), since
// GCC judged Adam's and RMSprop's too big to inline at two call sites and then called them per element.
template <typename T, int N, typename Step>
void for_each_element(const Array& param, const std::array<const Array*, N>& others, Step step) {
  for (const Array* a : others) {
    if (a && (a->shape() != param.shape() || a->dtype() != param.dtype())) {
      throw std::invalid_argument("optimizer update: state and gradient must have the parameter's shape and dtype");
    }
  }
  std::array<Strides, N + 1> strides;
  std::array<char*, N + 1> base;
  std::array<int64_t, N + 1> sizes;
  strides[0] = param.strides();
  base[0] = param.bytes();
  for (int k = 0; k < N; ++k) {  // absent operands: stride 0 over a null base, replaced by scratch rows below
    strides[k + 1] = others[k] ? others[k]->strides() : Strides(param.ndim(), 0);
    base[k + 1] = others[k] ? others[k]->bytes() : nullptr;
  }
  sizes.fill(sizeof(T));
  auto layout = coalesce<N + 1>(param.shape(), strides);
  for_each_row<N + 1>(layout, base, sizes, [&](const std::array<char*, N + 1>& p, int64_t n,
                                               std::array<int64_t, N + 1> s) {
    // absent operands get a small scratch row each, reused chunk by chunk
    constexpr int64_t kChunk = 2048;
    std::vector<T> scratch;
    std::array<T*, N + 1> x;
    bool contiguous = true;
    for (int k = 0; k <= N; ++k) {
      if (p[k] == nullptr) {
        scratch.resize(scratch.size() + kChunk);
        s[k] = 1;
      }
      contiguous &= s[k] == 1;
    }
    for (int64_t begin = 0; begin < n; begin += kChunk) {
      const int64_t len = std::min(kChunk, n - begin);
      T* next_scratch = scratch.data();
      for (int k = 0; k <= N; ++k) {
        if (p[k] == nullptr) {
          x[k] = next_scratch;
          next_scratch += kChunk;
        } else {
          x[k] = reinterpret_cast<T*>(p[k]) + begin * s[k];
        }
      }
      if (contiguous) {
        T* __restrict x0 = x[0];
        T* __restrict x1 = x[1];
        T* __restrict x2 = x[2];
        if constexpr (N == 2) {
          for (int64_t i = 0; i < len; ++i) step(x0[i], x1[i], x2[i]);
        } else {
          T* __restrict x3 = x[3];
          T* __restrict x4 = x[4];
          for (int64_t i = 0; i < len; ++i) step(x0[i], x1[i], x2[i], x3[i], x4[i]);
        }
      } else {
        for (int64_t i = 0; i < len; ++i) {
          if constexpr (N == 2) step(x[0][i * s[0]], x[1][i * s[1]], x[2][i * s[2]]);
          if constexpr (N == 4) step(x[0][i * s[0]], x[1][i * s[1]], x[2][i * s[2]], x[3][i * s[3]], x[4][i * s[4]]);
        }
      }
    }
  });
}

// Calls f(T{}) for the floating dtypes the optimizers take.
template <typename F>
void dispatch_float(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Float16: return f(Half{});
    case DType::BFloat16: return f(BFloat16{});
    default: throw TypeError(std::string(op) + ": expected a floating point parameter, got " + dtype_name(dt));
  }
}

// Arithmetic rounded to T after every operation, as PyTorch's (and NumPy's) elementwise ops round.
template <typename T> struct Rounded {
  using C = compute_t<T>;
  static C r(C x) { return static_cast<C>(static_cast<T>(x)); }
  static C add(C a, C b) { return r(a + b); }
  static C sub(C a, C b) { return r(a - b); }
  static C mul(C a, C b) { return r(a * b); }
  static C div(C a, C b) { return r(a / b); }
  static C sqrt(C a) { return r(std::sqrt(a)); }
  // (-grad if maximize else grad) + weight_decay * param, in PyTorch's order: param * wd, then +/- grad
  static C effective_grad(C param, C grad, C wd, bool maximize) {
    if (wd == C(0)) return maximize ? -grad : grad;
    C decay = mul(param, wd);
    return maximize ? sub(decay, grad) : add(decay, grad);
  }
  // a + w (b - a), from the nearer end: b - (b - a)(1 - w) when w >= 0.5
  static C lerp(C a, C b, C w, C one_minus_w, bool from_b) {
    C diff = sub(b, a);
    return from_b ? sub(b, mul(diff, one_minus_w)) : add(a, mul(diff, w));
  }
};

template <typename T> compute_t<T> as(double x) { return static_cast<compute_t<T>>(static_cast<T>(x)); }

}  // namespace

void sgd_update(const Array& param, const Array& grad, const Array* buffer, const SgdOptions& o) {
  dispatch_float(param.dtype(), "sgd_update", [&](auto tag) {
    using T = decltype(tag);
    using R = Rounded<T>;
    using C = compute_t<T>;
    const C wd = as<T>(o.weight_decay), momentum = as<T>(o.momentum), keep = as<T>(1 - o.dampening);
    const C minus_lr = as<T>(-o.lr);
    const bool has_buffer = buffer != nullptr, undamped = o.dampening == 0;
    for_each_element<T, 2>(param, {&grad, buffer}, [&](T& p, T& g_raw, T& b) INLINE_STEP {
      C g = R::effective_grad(C(p), C(g_raw), wd, o.maximize);
      C d = g;
      if (has_buffer) {
        C buf = o.init_buffer ? g : R::add(R::mul(C(b), momentum), undamped ? g : R::mul(g, keep));
        b = static_cast<T>(buf);
        d = o.nesterov ? R::add(g, R::mul(buf, momentum)) : buf;
      }
      p = static_cast<T>(R::add(C(p), R::mul(d, minus_lr)));
    });
  });
}

void adam_update(const Array& param, const Array& grad, const Array& exp_avg, const Array& exp_avg_sq,
                 const Array* max_exp_avg_sq, const AdamOptions& o) {
  dispatch_float(param.dtype(), "adam_update", [&](auto tag) {
    using T = decltype(tag);
    using R = Rounded<T>;
    using C = compute_t<T>;
    const C scale = as<T>(o.param_scale), wd = as<T>(o.weight_decay);
    const C w1 = as<T>(1 - o.beta1), one_minus_w1 = as<T>(1 - (1 - o.beta1));
    const C beta2 = as<T>(o.beta2), w2 = as<T>(1 - o.beta2), bc2 = as<T>(o.bias_correction2_sqrt);
    const C eps = as<T>(o.eps), minus_step = as<T>(-o.step_size);
    const bool scaled = o.param_scale != 1, amsgrad = max_exp_avg_sq != nullptr, from_b = 1 - o.beta1 >= 0.5;
    for_each_element<T, 4>(param, {&grad, &exp_avg, &exp_avg_sq, max_exp_avg_sq},
                           [&](T& p_ref, T& g_raw, T& m_ref, T& v_ref, T& vmax_ref) INLINE_STEP {
      C p = scaled ? R::mul(C(p_ref), scale) : C(p_ref);
      C g = R::effective_grad(p, C(g_raw), wd, o.maximize);
      C m = R::lerp(C(m_ref), g, w1, one_minus_w1, from_b);
      C v = R::add(R::mul(C(v_ref), beta2), R::mul(R::mul(g, w2), g));
      m_ref = static_cast<T>(m);
      v_ref = static_cast<T>(v);
      if (amsgrad) {  // NaN wins, as in np.maximum / torch.maximum
        C vmax = C(vmax_ref);
        v = (std::isnan(vmax) || vmax > v) ? vmax : v;
        vmax_ref = static_cast<T>(v);
      }
      C denom = R::add(R::div(R::sqrt(v), bc2), eps);
      p_ref = static_cast<T>(R::add(p, R::mul(R::div(m, denom), minus_step)));
    });
  });
}

void rmsprop_update(const Array& param, const Array& grad, const Array& square_avg, const Array* grad_avg,
                    const Array* momentum_buffer, const RmspropOptions& o) {
  dispatch_float(param.dtype(), "rmsprop_update", [&](auto tag) {
    using T = decltype(tag);
    using R = Rounded<T>;
    using C = compute_t<T>;
    const C wd = as<T>(o.weight_decay), alpha = as<T>(o.alpha), w = as<T>(1 - o.alpha);
    const C one_minus_w = as<T>(1 - (1 - o.alpha)), eps = as<T>(o.eps), momentum = as<T>(o.momentum);
    const C minus_lr = as<T>(-o.lr);
    const bool centered = grad_avg != nullptr, has_buffer = momentum_buffer != nullptr, from_b = 1 - o.alpha >= 0.5;
    for_each_element<T, 4>(param, {&grad, &square_avg, grad_avg, momentum_buffer},
                           [&](T& p, T& g_raw, T& sq_ref, T& ga_ref, T& b_ref) INLINE_STEP {
      C g = R::effective_grad(C(p), C(g_raw), wd, o.maximize);
      C sq = R::add(R::mul(C(sq_ref), alpha), R::mul(R::mul(g, w), g));
      sq_ref = static_cast<T>(sq);
      C avg;
      if (centered) {
        C ga = R::lerp(C(ga_ref), g, w, one_minus_w, from_b);
        ga_ref = static_cast<T>(ga);
        avg = R::sqrt(R::sub(sq, R::mul(ga, ga)));
      } else {
        avg = R::sqrt(sq);
      }
      C step = R::div(g, R::add(avg, eps));
      if (has_buffer) {
        C b = R::add(R::mul(C(b_ref), momentum), step);
        b_ref = static_cast<T>(b);
        step = b;
      }
      p = static_cast<T>(R::add(C(p), R::mul(step, minus_lr)));
    });
  });
}

void adagrad_update(const Array& param, const Array& grad, const Array& state_sum, const AdagradOptions& o) {
  dispatch_float(param.dtype(), "adagrad_update", [&](auto tag) {
    using T = decltype(tag);
    using R = Rounded<T>;
    using C = compute_t<T>;
    const C wd = as<T>(o.weight_decay), eps = as<T>(o.eps), minus_clr = as<T>(-o.clr);
    for_each_element<T, 2>(param, {&grad, &state_sum}, [&](T& p, T& g_raw, T& s_ref) INLINE_STEP {
      C g = R::effective_grad(C(p), C(g_raw), wd, o.maximize);
      C s = R::add(C(s_ref), R::mul(g, g));
      s_ref = static_cast<T>(s);
      C step = R::div(g, R::add(R::sqrt(s), eps));
      p = static_cast<T>(R::add(C(p), R::mul(step, minus_clr)));
    });
  });
}

}  // namespace mytorch
