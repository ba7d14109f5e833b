// The error-function family in float64: erfc, erfcx, erfinv, ndtri, log_ndtr. The algorithms of
// mytorch/backends/_np_special.py, step for step (its docstring holds the math):
//   z = |x| < 2:  erf(z) by the all-positive series 2/sqrt(pi) e^(-z^2) sum_n 2^n z^(2n+1) / (1*3*...*(2n+1));
//   z >= 2:       erfcx(z) by its continued fraction, erfc(z) = e^(-z^2) erfcx(z) with e^(-z^2) taken exactly;
//   inverses:     Halley's method from a closed-form start (`inverse_erf`).
#include <algorithm>
#include <cmath>
#include <limits>

#include "special/special.h"

namespace mytorch::special {
namespace {

constexpr double kPi = 3.14159265358979323846;
// rounded as the NumPy kernels round them: from the double nearest pi
const double kTwoOverSqrtPi = 2.0 / std::sqrt(kPi);
const double kHalfSqrtPi = std::sqrt(kPi) / 2.0;
const double kSqrt2 = std::sqrt(2.0);

// erf(z) for 0 <= z <= 2 (larger z are clamped); 60 terms reach 1e-17 (term ratio 2z^2/(2n+1) <= 8/(2n+1)).
double erf_series(double z) {
  z = std::min(z, 2.0);
  const double x2 = z * z;
  double term = z, total = z;
  for (int n = 1; n < 60; ++n) {
    term *= 2.0 * x2 / (2 * n + 1);
    total += term;
  }
  return kTwoOverSqrtPi * std::exp(-x2) * total;
}

// erfcx(z) for z >= 2 (smaller z are clamped): 1/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
// 60 levels evaluated bottom-up.
double erfcx_fraction(double z) {
  z = std::max(z, 2.0);
  double frac = 0.0;
  for (int k = 60; k > 0; --k) frac = (k / 2.0) / (z + frac);
  return 1.0 / std::sqrt(kPi) / (z + frac);
}

// e^(sign z^2) to full relative accuracy: z = hi + lo with hi a multiple of 2^-12, so hi^2 is exact, and
// e^(sign z^2) = e^(sign hi^2) e^(sign (2 hi + lo) lo). z is capped at 40, where e^-1600 is 0 and e^1600 inf.
double exp_square(double z, double sign) {
  z = std::min(z, 40.0);
  const double hi = std::nearbyint(z * 4096.0) / 4096.0;
  const double lo = z - hi;
  return std::exp(sign * hi * hi) * std::exp(sign * (2.0 * hi + lo) * lo);
}

double erfc_nonnegative(double z) {
  return z < 2.0 ? 1.0 - erf_series(z) : exp_square(z, -1.0) * erfcx_fraction(z);
}

double erfcx_nonnegative(double z) {
  return z < 2.0 ? exp_square(std::min(z, 2.0), 1.0) * (1.0 - erf_series(z)) : erfcx_fraction(z);
}

// x >= 0 with erf(x) = a and erfc(x) = c, a + c = 1, each given exactly where it carries the precision
// (a when a < 1/2, c otherwise). Start: a < 1/2: erfinv(a) ~ sqrt(pi)/2 a (1 + pi a^2 / 12); otherwise
// Winitzki's x^2 = sqrt(t^2 - l/k) - t, t = 2/(pi k) + l/2, k = 0.147, l = ln c + ln(2 - c). Then three
// Halley steps x -= d / (1 + x d), d = (erf(x) - a) e^(x^2) sqrt(pi)/2 or, on the c side,
// d = (e^(ln c + x^2) - erfcx(x)) sqrt(pi)/2, so that no factor underflows; the error cubes each step.
double inverse_erf(double a, double c) {
  const bool small = a < 0.5;
  const double k = 0.147;
  const double log_c = std::log(small ? 0.5 : c);
  const double l = log_c + std::log(2.0 - (small ? 0.5 : c));
  const double t = 2.0 / (kPi * k) + l / 2.0;
  double x = small ? kHalfSqrtPi * a * (1.0 + kPi * a * a / 12.0)
                   : std::sqrt(std::max(std::sqrt(t * t - l / k) - t, 0.0));
  for (int step = 0; step < 3; ++step) {
    const double d = kHalfSqrtPi * (small ? (erf_series(x) - a) * std::exp(std::min(x * x, 700.0))
                                          : std::exp(log_c + x * x) - erfcx_nonnegative(x));
    x = x - d / (1.0 + x * d);
  }
  return c == 0.0 ? std::numeric_limits<double>::infinity() : x;
}

}  // namespace

double erfc(double x) {
  const double e = erfc_nonnegative(std::abs(x));
  return x < 0 ? 2.0 - e : e;
}

// erfcx(-z) = 2 e^(z^2) - erfcx(z), which overflows to inf past x = -26.6 as the true value does.
double erfcx(double x) {
  const double z = std::abs(x);
  const double scaled = erfcx_nonnegative(z);
  return x < 0 ? 2.0 * exp_square(z, 1.0) - scaled : scaled;
}

double erfinv(double y) {
  const double a = std::abs(y);
  if (!(a <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  return std::copysign(inverse_erf(a, 1.0 - a), y);  // 1 - a is exact for a >= 1/2, where it is used
}

// Phi^-1(p) = sqrt(2) erfinv(2p - 1): for p < 1/2, -sqrt(2) times the root with a = 1 - 2p, c = 2p;
// otherwise sqrt(2) times the root with a = 2p - 1, c = 2 - 2p (each exact where it is used).
double ndtri(double p) {
  if (!(p >= 0.0 && p <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  const bool low = p < 0.5;
  const double x = kSqrt2 * inverse_erf(low ? 1.0 - 2.0 * p : 2.0 * p - 1.0, low ? 2.0 * p : 2.0 - 2.0 * p);
  return low ? -x : x;
}

// log Phi(x), Phi(x) = erfc(-x / sqrt 2) / 2: for x < -1, log(erfcx(-x/sqrt 2) / 2) - x^2 / 2 (Phi underflows
// long before its logarithm does); otherwise log1p(-erfc(x / sqrt 2) / 2) (accurate as Phi -> 1).
double log_ndtr(double x) {
  const double z = -x / kSqrt2;
  if (x < -1.0) return std::log(erfcx_nonnegative(std::max(z, 0.0)) / 2.0) - x * x / 2.0;
  return std::log1p(-erfc(-z) / 2.0);
}

}  // namespace mytorch::special
