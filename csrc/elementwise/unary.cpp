// Unary elementwise kernels. Each op is one line of math on the compute type; the table at the
// bottom says which dtypes it takes and whether it answers with a bool.
#include <cmath>
#include <string>
#include <type_traits>

#include "core/errors.h"
#include "core/vmath.h"
#include "elementwise/elementwise.h"
#include "elementwise/loops.h"

namespace mytorch {
namespace {

// PyTorch's sign: (0 < x) - (x < 0), so 0 for NaN and for both zeros.
template <typename C> C sign_of(C x) { return static_cast<C>((C(0) < x) - (x < C(0))); }

// The math of op OP on compute type C (a floating type unless the op also takes integers). OP is a
// template argument so that each op gets its own loop, with no branch per element.
template <UnaryOp OP, typename C>
C apply(C x) {
  if constexpr (OP == UnaryOp::neg) return static_cast<C>(-x);
  else if constexpr (OP == UnaryOp::abs) return x < C(0) ? static_cast<C>(-x) : x;
  else if constexpr (OP == UnaryOp::sign) return sign_of(x);
  else if constexpr (!std::is_floating_point_v<C>) return x;  // floor/ceil/round/trunc of an integer
  else if constexpr (OP == UnaryOp::exp) return vmath::exp(x);  // vectorisable for float (core/vmath.h)
  else if constexpr (OP == UnaryOp::exp2) return std::exp2(x);
  else if constexpr (OP == UnaryOp::expm1) return std::expm1(x);
  else if constexpr (OP == UnaryOp::log) return vmath::log(x);  // vectorisable for float, like exp
  else if constexpr (OP == UnaryOp::log2) return std::log2(x);
  else if constexpr (OP == UnaryOp::log10) return std::log10(x);
  else if constexpr (OP == UnaryOp::log1p) return std::log1p(x);
  else if constexpr (OP == UnaryOp::sqrt) return std::sqrt(x);
  else if constexpr (OP == UnaryOp::rsqrt) return C(1) / std::sqrt(x);
  else if constexpr (OP == UnaryOp::sin) return std::sin(x);
  else if constexpr (OP == UnaryOp::cos) return std::cos(x);
  else if constexpr (OP == UnaryOp::tan) return std::tan(x);
  else if constexpr (OP == UnaryOp::asin) return std::asin(x);
  else if constexpr (OP == UnaryOp::acos) return std::acos(x);
  else if constexpr (OP == UnaryOp::atan) return std::atan(x);
  else if constexpr (OP == UnaryOp::sinh) return std::sinh(x);
  else if constexpr (OP == UnaryOp::cosh) return std::cosh(x);
  else if constexpr (OP == UnaryOp::tanh) return vmath::tanh(x);
  else if constexpr (OP == UnaryOp::asinh) return std::asinh(x);
  else if constexpr (OP == UnaryOp::acosh) return std::acosh(x);
  else if constexpr (OP == UnaryOp::atanh) return std::atanh(x);
  else if constexpr (OP == UnaryOp::sigmoid) return vmath::sigmoid(x);  // exp overflow: the limit 0
  else if constexpr (OP == UnaryOp::erf) return vmath::erf(x);
  else if constexpr (OP == UnaryOp::floor) return std::floor(x);
  else if constexpr (OP == UnaryOp::ceil) return std::ceil(x);
  else if constexpr (OP == UnaryOp::round) return std::nearbyint(x);  // halves to even, as PyTorch rounds
  else if constexpr (OP == UnaryOp::trunc) return std::trunc(x);
  else return C(1) / x;  // reciprocal
}

template <UnaryOp OP, typename C>
bool predicate(C x) {
  constexpr bool fp = std::is_floating_point_v<C>;
  if constexpr (OP == UnaryOp::isnan) { if constexpr (fp) return std::isnan(x); else return false; }
  else if constexpr (OP == UnaryOp::isinf) { if constexpr (fp) return std::isinf(x); else return false; }
  else if constexpr (OP == UnaryOp::isfinite) { if constexpr (fp) return std::isfinite(x); else return true; }
  else if constexpr (OP == UnaryOp::signbit) { if constexpr (fp) return std::signbit(x); else return x < C(0); }
  else return !x;  // logical_not
}

// The ops PyTorch defines on complex numbers: std::complex's functions (the principal branches PyTorch
// uses), and for the ones it lacks the formulas below. expm1 and log1p keep their precision near 0:
//   expm1(x + iy) = (expm1(x) cos y - 2 sin^2(y/2)) + i e^x sin y
//   log1p(x + iy) = log|1 + z| + i arg(1 + z),  log|1 + z| = log1p(2x + x^2 + y^2) / 2
template <UnaryOp OP, typename C>
constexpr bool complex_op() {
  return OP == UnaryOp::neg || OP == UnaryOp::exp || OP == UnaryOp::exp2 || OP == UnaryOp::expm1 ||
         OP == UnaryOp::log || OP == UnaryOp::log2 || OP == UnaryOp::log10 || OP == UnaryOp::log1p ||
         OP == UnaryOp::sqrt || OP == UnaryOp::rsqrt || OP == UnaryOp::sin || OP == UnaryOp::cos ||
         OP == UnaryOp::tan || OP == UnaryOp::asin || OP == UnaryOp::acos || OP == UnaryOp::atan ||
         OP == UnaryOp::sinh || OP == UnaryOp::cosh || OP == UnaryOp::tanh || OP == UnaryOp::asinh ||
         OP == UnaryOp::acosh || OP == UnaryOp::atanh || OP == UnaryOp::sigmoid || OP == UnaryOp::reciprocal;
}

template <UnaryOp OP, typename C>
C apply_complex(C z) {
  using R = typename C::value_type;
  const R x = z.real(), y = z.imag();
  if constexpr (OP == UnaryOp::neg) return -z;
  else if constexpr (OP == UnaryOp::exp) return std::exp(z);
  else if constexpr (OP == UnaryOp::exp2) return std::exp(z * R(0.693147180559945309417232121458176568));
  else if constexpr (OP == UnaryOp::expm1) {
    const R s = std::sin(y / 2);
    return {std::expm1(x) * std::cos(y) - 2 * s * s, std::exp(x) * std::sin(y)};
  } else if constexpr (OP == UnaryOp::log) return std::log(z);
  else if constexpr (OP == UnaryOp::log2) return std::log(z) / R(0.693147180559945309417232121458176568);
  else if constexpr (OP == UnaryOp::log10) return std::log10(z);
  else if constexpr (OP == UnaryOp::log1p) return {std::log1p(x * (2 + x) + y * y) / 2, std::atan2(y, 1 + x)};
  else if constexpr (OP == UnaryOp::sqrt) return std::sqrt(z);
  else if constexpr (OP == UnaryOp::rsqrt) return C(1) / std::sqrt(z);
  else if constexpr (OP == UnaryOp::sin) return std::sin(z);
  else if constexpr (OP == UnaryOp::cos) return std::cos(z);
  else if constexpr (OP == UnaryOp::tan) return std::tan(z);
  else if constexpr (OP == UnaryOp::asin) return std::asin(z);
  else if constexpr (OP == UnaryOp::acos) return std::acos(z);
  else if constexpr (OP == UnaryOp::atan) return std::atan(z);
  else if constexpr (OP == UnaryOp::sinh) return std::sinh(z);
  else if constexpr (OP == UnaryOp::cosh) return std::cosh(z);
  else if constexpr (OP == UnaryOp::tanh) return std::tanh(z);
  else if constexpr (OP == UnaryOp::asinh) return std::asinh(z);
  else if constexpr (OP == UnaryOp::acosh) return std::acosh(z);
  else if constexpr (OP == UnaryOp::atanh) return std::atanh(z);
  else if constexpr (OP == UnaryOp::sigmoid) return C(1) / (C(1) + std::exp(-z));
  else return C(1) / z;  // reciprocal
}

template <UnaryOp OP, typename C>
bool predicate_complex(C z) {
  const auto x = z.real(), y = z.imag();
  if constexpr (OP == UnaryOp::isnan) return std::isnan(x) || std::isnan(y);
  else if constexpr (OP == UnaryOp::isinf) return std::isinf(x) || std::isinf(y);
  else if constexpr (OP == UnaryOp::isfinite) return std::isfinite(x) && std::isfinite(y);
  else return z == C(0);  // logical_not
}

// Calls f(std::integral_constant<UnaryOp, op>{}): the run-time op becomes a compile-time one.
template <typename F>
void dispatch_op(UnaryOp op, F&& f) {
  switch (op) {
#define MYTORCH_CASE(name) case UnaryOp::name: f(std::integral_constant<UnaryOp, UnaryOp::name>{}); break;
    MYTORCH_UNARY_OPS(MYTORCH_CASE)
#undef MYTORCH_CASE
  }
}

bool is_predicate(UnaryOp op) {
  return op == UnaryOp::isnan || op == UnaryOp::isinf || op == UnaryOp::isfinite || op == UnaryOp::signbit ||
         op == UnaryOp::logical_not;
}

// ops defined for integer (and bool) inputs too; every other op needs a floating input
bool takes_integers(UnaryOp op) {
  return op == UnaryOp::neg || op == UnaryOp::abs || op == UnaryOp::sign || op == UnaryOp::floor ||
         op == UnaryOp::ceil || op == UnaryOp::round || op == UnaryOp::trunc || op == UnaryOp::bitwise_not;
}

const char* unary_name(UnaryOp op) {
#define MYTORCH_NAME(name) #name,
  static constexpr const char* names[] = {MYTORCH_UNARY_OPS(MYTORCH_NAME)};
#undef MYTORCH_NAME
  return names[static_cast<int>(op)];
}

// Complex inputs (abs answers with the real dtype of the parts).
Array unary_complex(UnaryOp op, const Array& a) {
  const bool to_real = op == UnaryOp::abs;
  const bool to_bool = op == UnaryOp::isnan || op == UnaryOp::isinf || op == UnaryOp::isfinite ||
                       op == UnaryOp::logical_not;
  const DType real = a.dtype() == DType::Complex64 ? DType::Float32 : DType::Float64;
  Array out(a.shape(), to_bool ? DType::Bool : to_real ? real : a.dtype());
  bool done = false;
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_complex_v<T>) {
      if (to_real) {
        map_unary<T, typename T::value_type>(out, a, [](T z) { return std::abs(z); });
        done = true;
        return;
      }
      dispatch_op(op, [&](auto opc) {
        constexpr UnaryOp OP = decltype(opc)::value;
        if constexpr (OP == UnaryOp::isnan || OP == UnaryOp::isinf || OP == UnaryOp::isfinite ||
                      OP == UnaryOp::logical_not) {
          map_unary<T, bool>(out, a, [](T z) { return predicate_complex<OP>(z); });
          done = true;
        } else if constexpr (complex_op<OP, T>()) {
          map_unary<T, T>(out, a, [](T z) { return apply_complex<OP>(z); });
          done = true;
        }
      });
    }
  });
  if (!done) {
    throw NotImplementedError(std::string("\"") + unary_name(op) + "\" not implemented for '" +
                              complex_scalar_name(a.dtype()) + "'");
  }
  return out;
}

}  // namespace

Array unary(UnaryOp op, const Array& a) {
  if (is_complex(a.dtype())) return unary_complex(op, a);
  if (is_predicate(op)) {
    Array out(a.shape(), DType::Bool);
    dispatch(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      dispatch_op(op, [&](auto opc) {
        constexpr UnaryOp OP = decltype(opc)::value;
        if constexpr (OP == UnaryOp::isnan || OP == UnaryOp::isinf || OP == UnaryOp::isfinite ||
                      OP == UnaryOp::signbit || OP == UnaryOp::logical_not) {
          map_unary<T, bool>(out, a, [](compute_t<T> x) { return predicate<OP>(x); });
        }
      });
    });
    return out;
  }
  if (!is_floating(a.dtype()) && !takes_integers(op)) {
    throw TypeError(std::string(unary_name(op)) + "(): expected a floating point input, got " + dtype_name(a.dtype()));
  }
  if (a.dtype() == DType::Bool && op == UnaryOp::neg) {
    throw TypeError("neg(): negation, the `-` operator, on a bool tensor is not supported. "
                    "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  }
  if (is_floating(a.dtype()) && op == UnaryOp::bitwise_not) {
    throw TypeError(std::string("bitwise_not(): not implemented for '") + dtype_name(a.dtype()) + "'");
  }
  Array out(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (std::is_same_v<T, bool>) {
      // abs, sign and the roundings are the identity on bool; bitwise_not is logical not
      const bool flip = op == UnaryOp::bitwise_not;
      map_unary<T, T>(out, a, [flip](C x) { return flip != x; });
    } else if constexpr (std::is_integral_v<T>) {
      if (op == UnaryOp::bitwise_not) {
        map_unary<T, T>(out, a, [](C x) { return static_cast<C>(~x); });
      } else {
        dispatch_op(op, [&](auto opc) {
          constexpr UnaryOp OP = decltype(opc)::value;
          if constexpr (OP == UnaryOp::neg || OP == UnaryOp::abs || OP == UnaryOp::sign || OP == UnaryOp::floor ||
                        OP == UnaryOp::ceil || OP == UnaryOp::round || OP == UnaryOp::trunc) {
            map_unary<T, T>(out, a, [](C x) { return apply<OP>(x); });
          }
        });
      }
    } else {
      dispatch_op(op, [&](auto opc) {
        constexpr UnaryOp OP = decltype(opc)::value;
        if constexpr (!(OP == UnaryOp::isnan || OP == UnaryOp::isinf || OP == UnaryOp::isfinite ||
                        OP == UnaryOp::signbit || OP == UnaryOp::logical_not || OP == UnaryOp::bitwise_not)) {
          map_unary<T, T>(out, a, [](C x) { return apply<OP>(x); });
        }
      });
    }
  });
  return out;
}

}  // namespace mytorch
