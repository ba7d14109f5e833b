// The modified Bessel functions of the first kind in float64: i0, i0e = e^-|x| I0, i1, i1e = e^-|x| I1, by the
// algorithms of mytorch/backends/_np_bessel.py (its docstring holds the math):
//   |x| <= 20: I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!), 60 terms, all positive (no cancellation);
//   |x| > 20:  I_v(x) e^-x = 1/sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k, 40 terms,
//              a_k(v) = prod_{j<=k} (4v^2 - (2j-1)^2) / (k! 8^k),
// so the scaled functions stay finite where I_v overflows (|x| > 713). I0 is even, I1 odd.
#include <algorithm>
#include <array>
#include <cmath>

#include "special/special.h"

namespace mytorch::special {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kSeriesTerms = 60;
constexpr int kAsymptoticTerms = 40;

// a_k(v) for k < 40
std::array<double, kAsymptoticTerms> asymptotic_coefficients(int v) {
  std::array<double, kAsymptoticTerms> out{};
  double a = 1.0;
  out[0] = a;
  for (int k = 1; k < kAsymptoticTerms; ++k) {
    a *= (4.0 * v * v - (2 * k - 1) * (2 * k - 1)) / (k * 8.0);
    out[k] = a;
  }
  return out;
}

const std::array<double, kAsymptoticTerms> kAsymptotic[2] = {asymptotic_coefficients(0), asymptotic_coefficients(1)};

// sum_k (x/2)^(2k+v) / (k! (k+v)!) over k < 60, for v = 0 or 1.
double power_series(double x, int v) {
  const double half = x / 2.0;
  const double q = half * half;
  double term = v == 0 ? 1.0 : half;
  double total = term;
  for (int k = 1; k < kSeriesTerms; ++k) {
    term = term * q / (k * (k + v));
    total += term;
  }
  return total;
}

// e^-|x| I_v(|x|) for any x (the sign is the caller's).
double scaled_modified(double x, int v) {
  const double z = std::abs(x);
  if (z <= 20.0) return power_series(z, v) * std::exp(-z);
  const double inv = 1.0 / z;
  double total = 0.0;
  for (int k = kAsymptoticTerms - 1; k >= 0; --k) total = total * -inv + kAsymptotic[v][k];
  return total / std::sqrt(2.0 * kPi * z);
}

}  // namespace

double i0e(double x) { return scaled_modified(x, 0); }

double i1e(double x) { return std::copysign(scaled_modified(x, 1), x); }

double i0(double x) { return scaled_modified(x, 0) * std::exp(std::abs(x)); }

double i1(double x) { return std::copysign(scaled_modified(x, 1) * std::exp(std::abs(x)), x); }

}  // namespace mytorch::special
