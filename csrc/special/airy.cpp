// The Airy function Ai in float64, by the algorithm of mytorch/backends/_np_airy.py (its docstring holds the
// math). Ai solves y'' = x y and decays for x -> +inf; with zeta = (2/3) |x|^(3/2):
//   x > 1:          Ai(x) = 1/pi sqrt(x/3) e^-zeta [e^zeta K_(1/3)(zeta)], the scaled K by bessel_second.cpp's
//                   integral;
//   -10 <= x <= 1:  the Taylor series of y'' = x y about the nearest node x0 = -10, -9.5, ..., 1,
//                   a_(n+2) = (x0 a_n + a_(n-1)) / ((n+1)(n+2)), 25 terms; the nodes' Ai and Ai' come from the
//                   same series, stepped out from 0 by half-units;
//   x < -10:        Ai(-z) = pi^(-1/2) z^(-1/4) [sin(zeta + pi/4) P - cos(zeta + pi/4) Q], the asymptotic
//                   expansion with u_(k+1) / u_k = (6k+1)(6k+3)(6k+5) / (216 (k+1)(2k+1)), 24 terms.
// +-inf give NaN, as in PyTorch.
#include <array>
#include <cmath>
#include <limits>

#include "special/bessel.h"
#include "special/special.h"

namespace mytorch::special {
namespace {

constexpr double kPi = bessel::kPi;
constexpr double kLow = -10.0, kHigh = 1.0, kNodeStep = 0.5;
constexpr int kNodeCount = 23;  // -10, -9.5, ..., 1
constexpr int kTaylorTerms = 25;
constexpr int kAsymptoticTerms = 24;
// Ai(0) = 3^(-2/3) / Gamma(2/3) and Ai'(0) = -3^(-1/3) / Gamma(1/3), the doubles the NumPy kernel starts from
constexpr double kAi0 = 0.3550280538878173, kAiPrime0 = -0.2588194037928068;

struct Taylor {
  double value, slope;
};

// (y(x0 + d), y'(x0 + d)) of y'' = x y from y(x0) = a0, y'(x0) = a1, `terms` steps of the recurrence.
Taylor taylor(double x0, double a0, double a1, double d, int terms) {
  double previous = 0.0 * a0, current = a0, following = a1;  // a_(n-1), a_n, a_(n+1) at n = 0
  double value = a0 + a1 * d, slope = a1 + 0.0 * d, power = 1.0 + 0.0 * d;  // power = d^n, n = 0
  for (int n = 0; n < terms; ++n) {
    const double next = (x0 * current + previous) / ((n + 1) * (n + 2));
    previous = current;
    current = following;
    following = next;
    power = power * d;  // d^(n+1)
    value = value + following * power * d;  // a_(n+2) d^(n+2)
    slope = slope + (n + 2) * following * power;  // (n+2) a_(n+2) d^(n+1)
  }
  return {value, slope};
}

// Ai and Ai' at the nodes, stepped out from 0 in both directions with 40-term series
std::array<Taylor, kNodeCount> node_table() {
  std::array<Taylor, kNodeCount> out{};
  const int zero = static_cast<int>(-kLow / kNodeStep);
  out[zero] = {kAi0, kAiPrime0};
  for (int direction : {-1, 1}) {
    Taylor at = out[zero];
    double x0 = 0.0;
    for (int i = zero + direction; i >= 0 && i < kNodeCount; i += direction) {
      at = taylor(x0, at.value, at.slope, direction * kNodeStep, 40);
      x0 += direction * kNodeStep;
      out[i] = at;
    }
  }
  return out;
}

const std::array<Taylor, kNodeCount> kNodes = node_table();

std::array<double, kAsymptoticTerms> asymptotic_coefficients() {
  std::array<double, kAsymptoticTerms> out{};
  out[0] = 1.0;
  for (int k = 0; k + 1 < kAsymptoticTerms; ++k) {
    out[k + 1] = out[k] * (6 * k + 1) * (6 * k + 3) * (6 * k + 5) / (216.0 * (k + 1) * (2 * k + 1));
  }
  return out;
}

const std::array<double, kAsymptoticTerms> kU = asymptotic_coefficients();

double near(double x) {
  const int index = static_cast<int>(std::nearbyint(((std::isnan(x) ? 0.0 : x) - kLow) / kNodeStep));
  const double x0 = kLow + index * kNodeStep;
  return taylor(x0, kNodes[index].value, kNodes[index].slope, x - x0, kTaylorTerms).value;
}

double oscillating(double x) {
  const double z = -x;
  const double zeta = 2.0 / 3.0 * z * std::sqrt(z);
  const double inv = 1.0 / zeta;
  double p = 0.0, q = 0.0;
  for (int k = kAsymptoticTerms - 2; k >= 0; k -= 2) {
    p = p * -(inv * inv) + kU[k];
    q = q * -(inv * inv) + kU[k + 1];
  }
  q = q * inv;
  const double s = std::sin(zeta), c = std::cos(zeta);
  // sin(zeta + pi/4) = (s + c) / sqrt2, cos(zeta + pi/4) = (c - s) / sqrt2
  return ((s + c) * p - (c - s) * q) / std::sqrt(2.0 * kPi) / std::sqrt(std::sqrt(z));
}

double decaying(double x) {
  const double zeta = 2.0 / 3.0 * x * std::sqrt(x);
  return std::sqrt(x / 3.0) / kPi * std::exp(-zeta) * bessel::scaled_k_integral(zeta, 1.0 / 3.0);
}

}  // namespace

double airy_ai(double x) {
  if (std::isinf(x)) return std::numeric_limits<double>::quiet_NaN();
  if (x < kLow) return oscillating(x);
  if (x > kHigh) return decaying(x);
  return near(x);
}

}  // namespace mytorch::special
