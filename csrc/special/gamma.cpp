// The gamma family in float64: lgamma and digamma, by the algorithms of mytorch/backends/_np_gamma.py
// (its docstring holds the math):
// - arguments below 10 are shifted up with Gamma(x + 1) = x Gamma(x) and psi(x + 1) = psi(x) + 1/x, and from
//   10 on Stirling's series (lgamma) and the asymptotic series (digamma) take B_2j, the Bernoulli numbers;
// - near lgamma's zeros x = 1, 2 the series lgamma(1 + z) = -gamma z + sum_k>=2 (-1)^k zeta(k) z^k / k;
// - negative arguments by reflection, Gamma(x) Gamma(1 - x) = pi / sin(pi x) and its derivative, with sin(pi x)
//   taken on x reduced to [-1/2, 1/2] so that it keeps its relative accuracy near the poles.
#include <cmath>
#include <limits>

#include "special/special.h"

namespace mytorch::special {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kEulerGamma = 0.57721566490153286061;
constexpr double kInf = std::numeric_limits<double>::infinity();

// B_2j / (2j (2j - 1)), j = 1..8: Stirling's series
constexpr double kStirling[] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680,
                                1.0 / 1188, -691.0 / 360360, 1.0 / 156, -3617.0 / 122400};
// B_2j / (2j), j = 1..8: digamma's asymptotic series
constexpr double kDigammaAsymptotic[] = {1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240,
                                         1.0 / 132, -691.0 / 32760, 1.0 / 12, -3617.0 / 8160};
// zeta(k) for k = 2..30, the float64 values the NumPy kernel's Hurwitz zeta gives
constexpr double kZeta[] = {
    1.6449340668482264, 1.2020569031595942, 1.0823232337111384, 1.0369277551433702, 1.017343061984449,
    1.0083492773819227, 1.0040773561979444, 1.0020083928260823, 1.0009945751278182, 1.0004941886041194,
    1.0002460865533078, 1.0001227133475787, 1.0000612481350586, 1.000030588236307,  1.0000152822594086,
    1.0000076371976376, 1.000003817293265,  1.0000019082127163, 1.0000009539620338, 1.0000004769329867,
    1.0000002384505027, 1.000000119219926,  1.000000059608189,  1.0000000298035034, 1.0000000149015549,
    1.0000000074507118, 1.000000003725334,  1.0000000018626598, 1.0000000009313275};

// (-1)^n for the nearest integer n to x (-1 where that is not a finite integer), and x - n (exact).
double parity(double x, double& reduced) {
  const double n = std::nearbyint(x);
  reduced = x - n;
  return std::fmod(n, 2.0) == 0.0 ? 1.0 : -1.0;
}

// sin(pi x) and cos(pi x), exactly 0 at the integers (half-integers): sin(pi (n + r)) = (-1)^n sin(pi r).
double sinpi(double x) {
  double r;
  const double sign = parity(x, r);
  return sign * std::sin(kPi * r);
}

double cospi(double x) {
  double r;
  const double sign = parity(x, r);
  return sign * std::cos(kPi * r);
}

// lgamma(t) for t >= 10: (t - 1/2) ln t - t + ln(2 pi)/2 + sum_j B_2j / (2j (2j-1) t^(2j-1)).
double lgamma_stirling(double t) {
  const double inv = 1.0 / t, inv2 = 1.0 / (t * t);
  double tail = 0.0;
  for (int j = 7; j >= 0; --j) tail = tail * inv2 + kStirling[j];
  return (t - 0.5) * std::log(t) - t + 0.5 * std::log(2.0 * kPi) + tail * inv;
}

// lgamma(1 + z) for |z| <= 1/4: -gamma z + sum_{k=2..30} (-1)^k zeta(k) z^k / k.
double lgamma_near_one(double z) {
  double total = 0.0;
  for (int k = 30; k > 1; --k) total = (total + (k % 2 ? -kZeta[k - 2] : kZeta[k - 2]) / k) * z;
  return (total - kEulerGamma) * z;
}

// lgamma(x) for x > 0: x < 1/2 through lgamma(x + 1) - ln x; the series near 1 and 2; Stirling's elsewhere,
// after lgamma(y) = lgamma(y + n) - ln(y (y + 1) ... (y + n - 1)) with y + n >= 10.
double lgamma_positive(double x) {
  const bool tiny = x < 0.5;
  const double y = tiny ? x + 1.0 : x;
  double out;
  if (std::abs(y - 2.0) <= 0.25) {
    out = std::log1p(y - 2.0) + lgamma_near_one(y - 2.0);
  } else if (std::abs(y - 1.0) <= 0.25) {
    out = lgamma_near_one(y - 1.0);
  } else {
    double t = std::max(y, 0.5), prod = 1.0;
    for (int step = 0; step < 10 && t < 10.0; ++step, t += 1.0) prod *= t;
    out = lgamma_stirling(t) - std::log(prod);
  }
  return tiny ? out - std::log(x) : out;
}

}  // namespace

// ln |Gamma(x)|: inf at the poles 0, -1, -2, ... and at +-inf; negative x by reflection,
// lgamma(x) = ln(pi / |sin(pi x)|) - lgamma(1 - x).
double lgamma(double x) {
  if ((x <= 0 && x == std::floor(x)) || std::isinf(x)) return kInf;
  if (x < 0) return std::log(kPi / std::abs(sinpi(x))) - lgamma_positive(1.0 - x);
  return lgamma_positive(x);
}

// psi(x) = d/dx ln Gamma(x): psi(t) = ln t - 1/(2t) - sum_j B_2j / (2j t^2j) for t >= 10, smaller arguments
// shifted up by psi(x) = psi(x + n) - sum 1/(x + k); negative x by reflection psi(x) = psi(1 - x) - pi / tan(pi x).
// psi(+-0) = -+inf, nan at the negative integers (where the two sides' infinities differ in sign), as PyTorch.
double digamma(double x) {
  if (x == 0) return std::copysign(kInf, -x);
  const bool neg = x < 0;
  if (neg && x == std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
  double t = neg ? 1.0 - x : x, steps = 0.0;
  for (int step = 0; step < 10 && t < 10.0; ++step, t += 1.0) steps = steps + 1.0 / t;
  const double inv2 = 1.0 / (t * t);
  double tail = 0.0;
  for (int j = 7; j >= 0; --j) tail = tail * inv2 + kDigammaAsymptotic[j];
  const double out = std::log(t) - 0.5 / t - tail * inv2 - steps;
  return neg ? out - kPi * cospi(x) / sinpi(x) : out;
}

}  // namespace mytorch::special
