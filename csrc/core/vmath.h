// Vectorisable float32 exp, log, erf, sigmoid and tanh, for the elementwise and fused kernels.
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
#include <limits>

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
// - e^r = 1 + r + r^2 P(r), P of degree 4 fitted for this file (numpy, relative least squares iterated
//   to minimax on [-ln2/2, ln2/2], each coefficient rounded to float before the lower ones were
//   refitted): relative error 4.7e-9, below float rounding, one multiply-add fewer than the Taylor
//   series to r^7 that reaches the same accuracy.
// - 2^n is built from exponent bits in two factors, so that n in [-150, 129] (denormal results and
//   overflow to inf) needs no special case (exp_in_range). x is clamped to [-104, 88.8] first: e^-104 rounds to 0 and
//   e^88.8 overflows to inf, so the clamp changes no result, and NaN passes through it.
// exp_parts: e^r and n; exp_in_range: e^x for x in [-104, 88.8] or NaN; exp: any x.
struct ExpParts {
  float e_r;
  int32_t n;
};
inline ExpParts exp_parts(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRoundShift = 12582912.0f;  // 1.5 * 2^23
  float shifted = x * kLog2e + kRoundShift;
  float n = shifted - kRoundShift;
  int32_t ni = static_cast<int32_t>(float_to_bits(shifted) - float_to_bits(kRoundShift));
  float r = (x - n * kLn2Hi) - n * kLn2Lo;
  float p = 0.0013813145f;
  p = p * r + 0.008369419f;
  p = p * r + 0.041668456f;
  p = p * r + 0.16666515f;
  p = p * r + 0.49999994f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  return {p, ni};
}
inline float exp_in_range(float x) {
  const ExpParts e = exp_parts(x);
  int32_t n1 = e.n >> 1, n2 = e.n - n1;
  float scale1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  float scale2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  return e.e_r * scale1 * scale2;
}
inline float exp(float x) { return exp_in_range(std::min(std::max(x, -104.0f), 88.8f)); }
// e^x for x <= 0, flushing the results below the smallest normal float (x < -87) to 0: 2^n is then
// always a normal float, one factor instead of two (8% of exact GELU's time, whose only caller this is:
// there e^x is multiplied by numbers near 1, so 1.6e-38 of absolute error is far below float rounding
// of anything it touches). The clamp is written as the one max instruction, which maps NaN to -87 (GCC
// compiles exp's NaN-keeping clamp to several masked paths), and e^NaN is 0: for callers whose NaN
// reaches the result another way.
inline float exp_nonpositive(float x) {
  const ExpParts e = exp_parts(x > -87.0f ? x : -87.0f);
  const float value = e.e_r * bits_to_float(static_cast<uint32_t>(e.n + 127) << 23);
  return x > -87.0f ? value : 0.0f;
}
inline double exp(double x) { return std::exp(x); }

// log x = e ln 2 + log m, with x = 2^e m and m in [sqrt(1/2), sqrt(2)):
// - e and m come from the float's bits: exponent field and mantissa with the exponent of [0.5, 1); an m
//   below sqrt(1/2) is doubled (and e lowered), which centres m on 1. A denormal x is first scaled by
//   2^23 into the normal range (and 23 taken off e).
// - log m = log(1 + f), f = m - 1 in [-0.293, 0.415], which is exact (Sterbenz): f - f^2/2 + f^3 R(f),
//   R of degree 8 fitted for this file (numpy, relative least squares iterated towards minimax on
//   Chebyshev nodes, each coefficient rounded to float before the lower ones were refitted): under 0.8 ulp
//   in a float32 evaluation. e ln 2 is added in two parts (kLn2Hi e is exact), last, so that log x near
//   1 (e = 0) keeps f's relative accuracy.
// - 0 gives -inf, a negative x or NaN gives NaN, inf gives inf (selects after the arithmetic).
inline float log(float x) {
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  const bool denormal = x < 1.17549435e-38f;
  const uint32_t bits = float_to_bits(denormal ? x * 8388608.0f : x);
  const int32_t e = static_cast<int32_t>((bits >> 23) & 0xff) - 126;
  const float m = bits_to_float((bits & 0x007fffffu) | 0x3f000000u);  // in [0.5, 1)
  const bool low = m < 0.70710678f;
  const float f = low ? (m + m) - 1.0f : m - 1.0f;
  const float ef = static_cast<float>(low ? e - 1 : e) - (denormal ? 23.0f : 0.0f);
  const float z = f * f;
  float r = 0.067483991f;
  r = r * f - 0.11376512f;
  r = r * f + 0.11720540f;
  r = r * f - 0.12442543f;
  r = r * f + 0.14247249f;
  r = r * f - 0.16667008f;
  r = r * f + 0.20000750f;
  r = r * f - 0.25000006f;
  r = r * f + 0.33333331f;
  float y = (r * f * z + kLn2Lo * ef) - 0.5f * z;
  y = (f + y) + kLn2Hi * ef;
  y = x == 0.0f ? -std::numeric_limits<float>::infinity() : y;
  y = x == std::numeric_limits<float>::infinity() ? x : y;
  return x < 0.0f || x != x ? std::numeric_limits<float>::quiet_NaN() : y;
}
inline double log(double x) { return std::log(x); }

// erfc(t) = e^(-t^2) Q(t) for t >= 0, where Q(t) = e^(t^2) erfc(t) (the scaled complementary error
// function) falls from 1 at t = 0 like 1 / (t sqrt(pi)). A polynomial in t fits that 1/t shape slowly
// (degree 12 for float accuracy on [0, 3.92]). In w = -t / (2 + t), which maps t in [0, inf) onto
// w in (-1, 0] and the 1/t tail onto a near-linear one, Q = 1 + w R(w) with R of degree 5 suffices:
// - R was fitted for this file (numpy, weighted least squares iterated to minimax on 4000 Chebyshev
//   nodes; each coefficient rounded to float before the lower ones were refitted) to the error that
//   matters when erfc is subtracted from 1 or scaled: |e^(-t^2) (Q~ - Q)| <= 1.1e-8 on [0, 3.92].
// - Q(0) = 1 is exact and w is small near t = 0, so there the rounding of the evaluation fades too.
// - Past 3.92, erfc(t) < 3.5e-8 is below half an ulp of 1, and Q stays bounded (w -> -1) wherever
//   e^(-t^2) is not yet 0; t is clamped to 64 only so that t = inf gives a number, not inf / inf.
//   NaN passes through the clamp.
// The one division is cheaper than the polynomial degree it saves. erfc_scaled(a, k) is Q(a / k), with
// w = -a / (2k + a): a caller whose t is a quotient (GELU's |x| / sqrt 2) passes it undivided, which
// spares the division's multiply and its rounding.
inline float erfc_scaled(float a, float k = 1.0f) {
  a = std::min(a, 64.0f * k);
  float w = -a / (2.0f * k + a);
  float r = 0.10282161f;
  r = r * w - 0.0065228674f;
  r = r * w - 0.31275958f;
  r = r * w + 0.27430916f;
  r = r * w + 1.7432005f;
  r = r * w + 2.2567573f;
  return 1.0f + w * r;
}

// erf(x) = sign(x) (1 - e^(-x^2) Q(|x|)) with Q from erfc_scaled. Near 0 that difference cancels
// (erf(x) ~ 1.128 x), so |x| < 0.75 takes erf(x) = x P(x^2), P of degree 5 fitted the same way to
// relative error 7.3e-9. Both pieces are evaluated and one is selected, which is what lets a loop over
// erf vectorise. Measured against the double-precision erf on a dense grid of floats: at most 1.42 ulp
// (tests/test_cpp_fused.py). erf(+-inf) = +-1 (e^-inf = 0), NaN gives NaN.
inline float erf(float x) {
  float x2 = x * x;
  float p = -6.749533350e-04f;
  p = p * x2 + 5.114348605e-03f;
  p = p * x2 - 2.683462575e-02f;
  p = p * x2 + 1.128337681e-01f;
  p = p * x2 - 3.761262000e-01f;
  p = p * x2 + 1.283791661e-01f;
  float small = x + x * p;  // x P(x^2) with P(0) = 1 + 0.128...: the leading term x is exact
  float ax = std::fabs(x);
  float large = std::copysign(1.0f - exp(-x2) * erfc_scaled(ax), x);
  return ax < 0.75f ? small : large;
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
