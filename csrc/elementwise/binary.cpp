// Binary elementwise kernels with broadcasting. As for the unary ops, each op is one line of math on
// the compute type, instantiated per op so that its loop has no branch per element.
#include <cmath>
#include <string>
#include <type_traits>

#include "core/errors.h"
#include "elementwise/elementwise.h"
#include "elementwise/loops.h"

namespace mytorch {
namespace {

constexpr bool is_comparison(BinaryOp op) {
  return op == BinaryOp::eq || op == BinaryOp::ne || op == BinaryOp::lt || op == BinaryOp::le ||
         op == BinaryOp::gt || op == BinaryOp::ge || op == BinaryOp::logical_and || op == BinaryOp::logical_or ||
         op == BinaryOp::logical_xor;
}
constexpr bool is_bitwise(BinaryOp op) {
  return op == BinaryOp::bitwise_and || op == BinaryOp::bitwise_or || op == BinaryOp::bitwise_xor;
}
constexpr bool needs_floating(BinaryOp op) { return op == BinaryOp::div || op == BinaryOp::atan2; }

// Python's (and PyTorch's) floor division and modulo: the remainder takes the divisor's sign.
template <typename C> C floor_div(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) {
    if (y == C(0)) return x / y;
    C mod = std::fmod(x, y);
    C div = (x - mod) / y;  // exact multiple of y, so this division is exact up to rounding of the quotient
    if (mod != C(0) && ((y < C(0)) != (mod < C(0)))) div -= C(1);
    if (div == C(0)) return std::copysign(C(0), x / y);
    C floor = std::floor(div);
    return div - floor > C(0.5) ? floor + C(1) : floor;
  } else {
    C q = static_cast<C>(x / y);
    return (x % y != 0 && ((x < C(0)) != (y < C(0)))) ? static_cast<C>(q - 1) : q;
  }
}

template <typename C> C python_mod(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) {
    C mod = std::fmod(x, y);
    if (mod != C(0)) return (y < C(0)) != (mod < C(0)) ? mod + y : mod;
    return std::copysign(C(0), y);
  } else {
    C r = static_cast<C>(x % y);
    return (r != 0 && ((r < C(0)) != (y < C(0)))) ? static_cast<C>(r + y) : r;
  }
}

template <typename C> C int_pow(C base, C exp) {  // exponent >= 0, checked by the caller
  C result = 1;
  while (exp > 0) {
    if (exp & 1) result = static_cast<C>(result * base);
    base = static_cast<C>(base * base);
    exp = static_cast<C>(exp >> 1);
  }
  return result;
}

template <BinaryOp OP, typename C>
auto apply(C x, C y) {
  constexpr bool fp = std::is_floating_point_v<C>;
  if constexpr (OP == BinaryOp::add) return static_cast<C>(x + y);
  else if constexpr (OP == BinaryOp::sub) return static_cast<C>(x - y);
  else if constexpr (OP == BinaryOp::mul) return static_cast<C>(x * y);
  else if constexpr (OP == BinaryOp::div) return static_cast<C>(x / y);
  else if constexpr (OP == BinaryOp::floor_divide) return floor_div(x, y);
  else if constexpr (OP == BinaryOp::remainder) return python_mod(x, y);
  else if constexpr (OP == BinaryOp::fmod) { if constexpr (fp) return std::fmod(x, y); else return static_cast<C>(x % y); }
  else if constexpr (OP == BinaryOp::pow) { if constexpr (fp) return std::pow(x, y); else return int_pow(x, y); }
  else if constexpr (OP == BinaryOp::atan2) return std::atan2(x, y);
  else if constexpr (OP == BinaryOp::maximum) {  // NaN wins, as in PyTorch
    if constexpr (fp) { if (std::isnan(x) || std::isnan(y)) return x + y; }
    return x > y ? x : y;
  } else if constexpr (OP == BinaryOp::minimum) {
    if constexpr (fp) { if (std::isnan(x) || std::isnan(y)) return x + y; }
    return x < y ? x : y;
  }
  else if constexpr (OP == BinaryOp::eq) return x == y;
  else if constexpr (OP == BinaryOp::ne) return x != y;
  else if constexpr (OP == BinaryOp::lt) return x < y;
  else if constexpr (OP == BinaryOp::le) return x <= y;
  else if constexpr (OP == BinaryOp::gt) return x > y;
  else if constexpr (OP == BinaryOp::ge) return x >= y;
  // & and | rather than && and ||: both sides are cheap, and a short circuit is a branch per element
  else if constexpr (OP == BinaryOp::logical_and) return static_cast<bool>((x != C(0)) & (y != C(0)));
  else if constexpr (OP == BinaryOp::logical_or) return static_cast<bool>((x != C(0)) | (y != C(0)));
  else if constexpr (OP == BinaryOp::logical_xor) return (x != C(0)) != (y != C(0));
  else if constexpr (OP == BinaryOp::bitwise_and) return static_cast<C>(x & y);
  else if constexpr (OP == BinaryOp::bitwise_or) return static_cast<C>(x | y);
  else return static_cast<C>(x ^ y);  // bitwise_xor
}

template <typename F>
void dispatch_op(BinaryOp op, F&& f) {
  switch (op) {
#define MYTORCH_CASE(name) case BinaryOp::name: f(std::integral_constant<BinaryOp, BinaryOp::name>{}); break;
    MYTORCH_BINARY_OPS(MYTORCH_CASE)
#undef MYTORCH_CASE
  }
}

const char* binary_name(BinaryOp op) {
#define MYTORCH_NAME(name) #name,
  static constexpr const char* names[] = {MYTORCH_BINARY_OPS(MYTORCH_NAME)};
#undef MYTORCH_NAME
  return names[static_cast<int>(op)];
}

// Integer division by zero is an error in PyTorch (NumPy would warn and give 0).
template <typename T>
void check_divisor(BinaryOp op, const Array& b) {
  if (any_of<T>(b, [](T v) { return v == 0; })) {
    throw std::runtime_error(std::string("ZeroDivisionError: ") + binary_name(op) + " by zero in an integer tensor");
  }
}

// The ops PyTorch defines on complex numbers here: arithmetic, pow (std::pow's principal branch) and
// (in)equality; the logical ops reach a kernel as bool operands (the ops layer casts them).
constexpr bool complex_op(BinaryOp op) {
  return op == BinaryOp::add || op == BinaryOp::sub || op == BinaryOp::mul || op == BinaryOp::div ||
         op == BinaryOp::pow || op == BinaryOp::eq || op == BinaryOp::ne;
}

template <BinaryOp OP, typename C>
auto apply_complex(C x, C y) {
  if constexpr (OP == BinaryOp::add) return x + y;
  else if constexpr (OP == BinaryOp::sub) return x - y;
  else if constexpr (OP == BinaryOp::mul) return x * y;
  else if constexpr (OP == BinaryOp::div) return x / y;
  else if constexpr (OP == BinaryOp::pow) return std::pow(x, y);
  else if constexpr (OP == BinaryOp::eq) return x == y;
  else return x != y;  // ne
}

void binary_complex(BinaryOp op, const Array& out, const Array& a, const Array& b) {
  if (!complex_op(op)) {
    throw NotImplementedError(std::string("\"") + binary_name(op) + "\" not implemented for '" +
                              complex_scalar_name(a.dtype()) + "'");
  }
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_complex_v<T>) {
      dispatch_op(op, [&](auto opc) {
        constexpr BinaryOp OP = decltype(opc)::value;
        if constexpr (OP == BinaryOp::eq || OP == BinaryOp::ne) {
          map_binary<T, bool>(out, a, b, [](T x, T y) { return apply_complex<OP>(x, y); });
        } else if constexpr (complex_op(OP)) {
          map_binary<T, T>(out, a, b, [](T x, T y) { return apply_complex<OP>(x, y); });
        }
      });
    }
  });
}

// x ** y for a floating tensor x and one exponent y: the exponents PyTorch's CPU kernel computes with
// multiplies and square roots instead of std::pow (aten/src/ATen/native/cpu/PowKernel.cpp), so the bits
// match its: 2 -> x x, 3 -> x x x, -2 -> 1 / (x x), 0.5 -> sqrt, -0.5 -> 1 / sqrt, -1 -> 1 / x, 1 -> x.
// They are also the common ones (x ** 2 of an RMS norm or a squared error, and its gradient's x ** 1), and
// a vectorised multiply is ~20x faster than a per-element std::pow call. False for any other exponent.
// As measured against torch 2.13: for bfloat16 the products round to the type after each multiply (`r`;
// its vectors compute op by op), and float16 keeps std::pow for the square roots (pow(-inf, 0.5) is inf,
// sqrt(-inf) NaN).
template <typename T>
bool pow_by_exponent(const Array& out, const Array& x, double y) {
  using C = compute_t<T>;
  constexpr auto r = [](C v) { return std::is_same_v<T, BFloat16> ? static_cast<C>(static_cast<T>(v)) : v; };
  constexpr bool roots = !std::is_same_v<T, Half>;
  if (y == 2) map_unary<T, T>(out, x, [](C v) { return v * v; });
  else if (y == 3) map_unary<T, T>(out, x, [r](C v) { return r(v * v) * v; });
  else if (y == -2) map_unary<T, T>(out, x, [r](C v) { return C(1) / r(v * v); });
  else if (roots && y == 0.5) map_unary<T, T>(out, x, [](C v) { return std::sqrt(v); });
  else if (roots && y == -0.5) map_unary<T, T>(out, x, [](C v) { return C(1) / std::sqrt(v); });
  else if (y == -1) map_unary<T, T>(out, x, [](C v) { return C(1) / v; });
  else if (y == 1) map_unary<T, T>(out, x, [](C v) { return v; });
  else return false;
  return true;
}

}  // namespace

Shape broadcast_shape(const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (x != y && x != 1 && y != 1) {
      throw std::invalid_argument("shapes cannot be broadcast together: size " + std::to_string(x) + " vs " +
                                  std::to_string(y) + " at dim " + std::to_string(i));
    }
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Array binary(BinaryOp op, const Array& a, const Array& b) {
  Array out(broadcast_shape(a.shape(), b.shape()), is_comparison(op) ? DType::Bool : a.dtype());
  binary_into(op, out, a, b);
  return out;
}

void binary_into(BinaryOp op, const Array& out, const Array& a, const Array& b) {
  if (a.dtype() != b.dtype()) {
    throw TypeError(std::string(binary_name(op)) + "(): operands must have one dtype, got " + dtype_name(a.dtype()) +
                    " and " + dtype_name(b.dtype()));
  }
  const DType dt = a.dtype();
  const DType out_dt = is_comparison(op) ? DType::Bool : dt;
  if (out.dtype() != out_dt || out.shape() != broadcast_shape(a.shape(), b.shape())) {
    throw std::invalid_argument(std::string(binary_name(op)) + "(): the output must have the broadcast shape and dtype " +
                                dtype_name(out_dt));
  }
  if (is_complex(dt)) {
    binary_complex(op, out, a, b);
    return;
  }
  if (needs_floating(op) && !is_floating(dt)) {
    throw TypeError(std::string(binary_name(op)) + "(): expected floating point operands, got " + dtype_name(dt));
  }
  if (is_bitwise(op) && is_floating(dt)) {
    throw TypeError(std::string(binary_name(op)) + "(): not implemented for '" + dtype_name(dt) + "'");
  }
  if (dt == DType::Bool && op == BinaryOp::sub) {
    throw TypeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    "Use the `^` or `logical_xor()` operator instead.");
  }
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (std::is_floating_point_v<C>) {
      if (op == BinaryOp::pow && b.numel() == 1 && out.shape() == a.shape() &&
          pow_by_exponent<T>(out, a, static_cast<double>(static_cast<C>(*b.data<load_t<T>>())))) {
        return;
      }
    }
    if constexpr (std::is_integral_v<T>) {
      if (op == BinaryOp::floor_divide || op == BinaryOp::remainder || op == BinaryOp::fmod) check_divisor<T>(op, b);
      if (op == BinaryOp::pow && any_of<T>(b, [](T v) { return v < T(0); })) {
        throw std::runtime_error("pow(): integers to negative integer powers are not allowed");
      }
    }
    dispatch_op(op, [&](auto opc) {
      constexpr BinaryOp OP = decltype(opc)::value;
      if constexpr (is_comparison(OP)) {
        map_binary<T, bool>(out, a, b, [](C x, C y) { return apply<OP>(x, y); });
      } else if constexpr (std::is_floating_point_v<C> && (is_bitwise(OP))) {
        // rejected above
      } else if constexpr (!std::is_floating_point_v<C> && needs_floating(OP)) {
        // rejected above
      } else {
        map_binary<T, T>(out, a, b, [](C x, C y) { return apply<OP>(x, y); });
      }
    });
  });
}

}  // namespace mytorch
