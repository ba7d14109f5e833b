// Vectorisable float32 exp, erf, sigmoid and tanh, for the elementwise and fused kernels.
//
// The C library's expf/erff are calls the compiler cannot vectorise (without -ffast-math), and exact
// GELU spends most of its time in erf. These are branch-free straight-line float code (selects instead
// of branches, bit tricks instead of float->int conversions), so a contiguous loop calling them
// compiles to AVX2/AVX-512 code under -O3 -march=native. Each is accurate to about 1 ulp over the whole
// float range, inf and NaN included (tests/test_cpp_fused.py checks erf against the C library).
// float64 takes the C library's functions: their accuracy is what double callers expect.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace mytorch::vmath {

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2].
// - n is rounded by adding 1.5 * 2^23: the float's low mantissa bits then hold n as an integer.
// - r is formed in two steps (ln 2 = kLn2Hi + kLn2Lo, kLn2Hi with few mantissa bits so n * kLn2Hi
//   is exact) to keep the relative error of r at float rounding.
// - e^r: its Taylor series to r^7; the truncation error |r|^8 / 8! < 6e-9 is below float rounding.
// - 2^n is built from exponent bits in two factors, so that n in [-150, 129] (denormal results and
//   overflow to inf) needs no special case. x is clamped to [-104, 88.8] first: e^-104 rounds to 0 and
//   e^88.8 overflows to inf, so the clamp changes no result, and NaN passes through it.
inline float exp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRoundShift = 12582912.0f;  // 1.5 * 2^23
  x = std::min(std::max(x, -104.0f), 88.8f);
  float shifted = x * kLog2e + kRoundShift;
  float n = shifted - kRoundShift;
  int32_t ni = static_cast<int32_t>(float_to_bits(shifted) - float_to_bits(kRoundShift));
  float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float scale1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  float scale2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  return p * scale1 * scale2;
}
inline double exp(double x) { return std::exp(x); }

// erf in two pieces, both least-squares fits made for this file (numpy, 4000 Chebyshev nodes, in double):
// - |x| < 1:  erf(x) = x P(x^2), P of degree 6; relative fit error 1.2e-9.
// - |x| >= 1: erf(|x|) = 1 - e^(-x^2) Q(|x| - 2.5), Q of degree 8 fitted to erfc(x) e^(x^2) on [1, 4]
//   with absolute error 2.9e-9 in erfc. Past 4, erfc(x) < 1.6e-8 is below half an ulp of 1, so
//   |x| is clamped to 4 there (erf(+-inf) = +-1); NaN passes through the clamp.
// Both pieces are evaluated and one is selected, which is what lets a loop over erf vectorise.
inline float erf(float x) {
  float ax = std::fabs(x);
  float x2 = x * x;
  float p = 7.847262424e-05f;
  p = p * x2 - 8.008193334e-04f;
  p = p * x2 + 5.188099769e-03f;
  p = p * x2 - 2.685369186e-02f;
  p = p * x2 + 1.128358228e-01f;
  p = p * x2 - 3.761262557e-01f;
  p = p * x2 + 1.28379166e-01f;
  float small = x + x * p;  // x P(x^2) with P(0) = 1 + 0.128...: the leading term x is exact

  float a = std::min(std::max(ax, 1.0f), 4.0f);
  float t = a - 2.5f;
  float q = 1.027949296e-04f;
  q = q * t + 2.020257100e-04f;
  q = q * t + 4.935658098e-04f;
  q = q * t - 7.082427470e-04f;
  q = q * t + 2.291415131e-03f;
  q = q * t - 8.119725283e-03f;
  q = q * t + 2.492333888e-02f;
  q = q * t - 7.434078780e-02f;
  q = q * t + 2.108075479e-01f;
  float large = std::copysign(1.0f - exp(-a * a) * q, x);
  return ax < 1.0f ? small : large;
}
inline double erf(double x) { return std::erf(x); }

// 1 / (1 + e^-x): exactly 0 or 1 in the tails (e^-x overflowing to inf gives 0), no cancellation.
template <typename C> inline C sigmoid(C x) { return C(1) / (C(1) + exp(-x)); }

// tanh in two pieces, selected like erf's:
// - |x| < 0.625: tanh x = x + x^3 P(x^2), P of degree 5, a least-squares fit made for this file (numpy,
//   Chebyshev nodes on [0, 0.625], weighted for relative error): within 0.78 ulp evaluated in float.
// - |x| >= 0.625: tanh |x| = 1 - 2 / (e^(2|x|) + 1). tanh is at least 0.55 there, so the subtraction loses
//   under one bit: within 1.5 ulp. e^(2|x|) overflowing to inf gives exactly 1; NaN passes through exp.
inline float tanh(float x) {
  float ax = std::fabs(x);
  float x2 = x * x;
  float p = 2.1489841120e-03f;
  p = p * x2 - 8.1846616759e-03f;
  p = p * x2 + 2.1704000403e-02f;
  p = p * x2 - 5.3947454170e-02f;
  p = p * x2 + 1.3333212502e-01f;
  p = p * x2 - 3.3333331010e-01f;
  float small = std::copysign(x + x * x2 * p, x);  // copysign: tanh(-0) is -0, which the sum loses
  float large = std::copysign(1.0f - 2.0f / (exp(ax + ax) + 1.0f), x);
  return ax < 0.625f ? small : large;
}
inline double tanh(double x) { return std::tanh(x); }

}  // namespace mytorch::vmath
