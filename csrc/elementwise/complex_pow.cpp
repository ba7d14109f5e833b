// x ** y for a complex tensor x and a Python-number exponent y, with the bits of PyTorch's CPU kernel
// (aten/src/ATen/native/Pow.cpp, cpu/PowKernel.cpp, and the AVX2 Vectorized<c10::complex> it runs on):
//     y = 0 -> 1 (a fill, nan included),  1 -> x,  2 -> x x,  3 -> (x x) x,  0.5 -> sqrt(x),
//     -1 -> 1 / x,  -2 -> 1 / (x x),  -0.5 -> 1 / sqrt(x),
// any other y std::pow (the principal branch, exp(y log x)). std::pow for every y made (-2.25+0j)**2
// 5.0625 - 1.2e-15j where PyTorch gives 5.0625 exactly.
// The product is (ac - bd) + (ad + bc)i, each product rounded (the vector kernel's: this file is compiled
// without FMA contraction or vectorisation, CMakeLists.txt says why); the reciprocal is c10::complex's division,
// Smith's method, whose multiply-adds the compiler fused into FMAs in PyTorch's build (std::fma here). Torch
// computes the last (n mod 2 vector widths) elements of a contiguous tensor with its scalar code, whose products
// are FMAs: those may differ from these in the last bit. A tensor exponent (0-d included) always takes std::pow
// there, and so it does here.
#include <cmath>
#include <complex>

#include "core/dtype.h"
#include "elementwise/clamp.h"
#include "elementwise/complex_pow.h"
#include "elementwise/elementwise.h"
#include "elementwise/loops.h"

namespace mytorch {
namespace {

// x y without FMA: the vector kernel's product.
template <typename R>
std::complex<R> product(std::complex<R> x, std::complex<R> y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

// 1 / x by Smith's method as c10::complex's operator/= computes (1 + 0i) / (c + di), its multiply-adds fused:
// with |c| >= |d|, r = d / c and 1 / x = (1 + 0 r, 0 - 1 r) / (c + d r); else r = c / d and
// 1 / x = (1 r + 0, 0 r - 1) / (d + c r). 1 / 0 is (inf, nan), as there.
template <typename R>
std::complex<R> reciprocal(std::complex<R> x) {
  const R a = 1, b = 0, c = x.real(), d = x.imag();
  if (std::abs(c) >= std::abs(d)) {
    if (c == 0 && d == 0) return {a / std::abs(c), b / std::abs(d)};
    const R rat = d / c, scale = R(1) / std::fma(d, rat, c);
    return {std::fma(b, rat, a) * scale, std::fma(-a, rat, b) * scale};
  }
  const R rat = c / d, scale = R(1) / std::fma(c, rat, d);
  return {std::fma(a, rat, b) * scale, std::fma(b, rat, -a) * scale};
}

template <typename T>
bool pow_special(const Array& out, const Array& x, T y) {
  if (y.imag() != 0) return false;
  const auto e = y.real();
  if (e == 0) map_unary<T, T>(out, x, [](T) { return T(1); });
  else if (e == 1) map_unary<T, T>(out, x, [](T v) { return v; });
  else if (e == 2) map_unary<T, T>(out, x, [](T v) { return product(v, v); });
  else if (e == 3) map_unary<T, T>(out, x, [](T v) { return product(product(v, v), v); });
  else if (e == 0.5) map_unary<T, T>(out, x, [](T v) { return std::sqrt(v); });
  else if (e == -1) map_unary<T, T>(out, x, [](T v) { return reciprocal(v); });
  else if (e == -2) map_unary<T, T>(out, x, [](T v) { return reciprocal(product(v, v)); });
  else if (e == -0.5) map_unary<T, T>(out, x, [](T v) { return reciprocal(std::sqrt(v)); });
  else return false;
  return true;
}

}  // namespace

Array binary_with_number(BinaryOp op, const Array& a, const Array& number) {
  if ((op == BinaryOp::maximum || op == BinaryOp::minimum) && is_floating(a.dtype()) && number.dtype() == a.dtype() &&
      number.numel() == 1) {
    return clamp_by_number(op, a, number);
  }
  if (op == BinaryOp::pow && is_complex(a.dtype()) && number.dtype() == a.dtype() && number.numel() == 1) {
    Array out(a.shape(), a.dtype());
    const bool done = a.dtype() == DType::Complex64
                          ? pow_special(out, a, *number.data<std::complex<float>>())
                          : pow_special(out, a, *number.data<std::complex<double>>());
    if (done) return out;
  }
  return binary(op, a, number);
}

}  // namespace mytorch
