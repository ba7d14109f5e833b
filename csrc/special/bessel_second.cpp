// The Bessel functions of the second kind in float64: bessel_y0, bessel_y1 (Y_v), modified_bessel_k0,
// modified_bessel_k1 (K_v) and scaled_modified_bessel_k0, scaled_modified_bessel_k1 (e^x K_v), by the algorithms
// of mytorch/backends/_np_bessel_second.py (its docstring holds the math). All are defined for x > 0; 0 gives
// -inf for Y and +inf for K, x < 0 NaN, as in PyTorch.
//   small x (Y below 4, K below 2): Neumann's series, J_v's and I_v's power series with the weights
//       H_k + H_(k+v) (H_k the harmonic numbers) beside the logarithmic term (ln(x/2) + gamma) J_v or I_v;
//   Y, 4 <= x <= 25: the Neumann expansions of Y_v in J_n, gathered by Miller's recurrence (bessel.cpp);
//   Y, x > 25: Hankel's expansion;
//   K, x > 2: e^x K_v(x) = int_0^inf e^(-s^2) cosh(v t(s)) 2 / sqrt(2x + s^2) ds, t(s) = 2 asinh(s / sqrt(2x)),
//       by the trapezoidal rule with steps of 1/8 up to s = 6.5 (geometric convergence: the integrand is
//       analytic in a strip), which also serves airy.cpp's K_(1/3).
#include <cmath>
#include <limits>

#include "special/bessel.h"
#include "special/special.h"

namespace mytorch::special {
namespace bessel {
namespace {

constexpr double kEuler = 0.5772156649015329;
const double kLn2 = std::log(2.0);
constexpr int kTerms = 30;
constexpr double kStep = 1.0 / 8.0;
constexpr int kNodes = 53;  // s = 0, 1/8, ..., 6.5, where e^(-s^2) < 1e-18

// H_k + H_(k+v) for k < 30: the weights of Neumann's series S_v
std::array<double, kTerms> harmonic_weights(int v) {
  std::array<double, kTerms> out{};
  double h_k = 0.0, h_kv = v;
  out[0] = h_k + h_kv;
  for (int k = 1; k < kTerms; ++k) {
    h_k = h_k + 1.0 / k;
    h_kv = h_kv + 1.0 / (k + v);
    out[k] = h_k + h_kv;
  }
  return out;
}

const std::array<double, kTerms> kHarmonic[2] = {harmonic_weights(0), harmonic_weights(1)};

// The coefficients c_n of sum_n c_n J_n in Y_v's Neumann expansion, the logarithmic term aside:
//   v = 0: -2 sum_(k>=1) (-1)^k J_2k / k;   v = 1: sum_(k>=1) (-1)^k (J_(2k-1) - J_(2k+1)) / k.
Functional neumann_functional(int v) {
  Functional c{};
  for (int k = 1; k < (kMillerTop + 1) / 2; ++k) {
    const double sign = k % 2 ? -1.0 : 1.0;
    if (v == 0) {
      c[2 * k] -= 2.0 * sign / k;
    } else {
      c[2 * k - 1] += sign / k;
      c[2 * k + 1] -= sign / k;
    }
  }
  return c;
}

const Functional kNeumann[2] = {neumann_functional(0), neumann_functional(1)};

// the trapezoid's weights h e^(-s^2) (h/2 at s = 0)
std::array<double, kNodes> trapezoid_weights() {
  std::array<double, kNodes> out{};
  for (int i = 0; i < kNodes; ++i) {
    const double s = i * kStep;
    out[i] = (i == 0 ? kStep / 2 : kStep) * std::exp(-(s * s));
  }
  return out;
}

const std::array<double, kNodes> kWeights = trapezoid_weights();

// S_v(x, sign) = sum_k (H_k + H_(k+v)) (sign x^2/4)^k / (k! (k+v)!)
double neumann_series(double x, int v, double sign) {
  return power_series(x, v, sign, kTerms, kHarmonic[v].data(), /*leading=*/false);
}

double bessel_second(double x, int v) {
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (!(x > 0)) return std::numeric_limits<double>::quiet_NaN();  // Y is real for x > 0 only
  if (x < 4.0) {
    const double log_term = std::log(x) - kLn2 + kEuler;  // not ln(x/2): x/2 rounds to 0 for the least subnormal x
    if (v == 0) {
      return 2 / kPi * (log_term * power_series(x, 0, -1.0, kTerms) - neumann_series(x, 0, -1.0) / 2);
    }
    return 2 / kPi * log_term * power_series(x, 1, -1.0, kTerms) - 2 / (kPi * x) -
           x / (2 * kPi) * neumann_series(x, 1, -1.0);
  }
  if (x <= 25.0) {
    // J_0, J_1 and the functional's sum in one recurrence
    const Functional* wanted[] = {&order(0), &order(1), &kNeumann[v]};
    double sums[3];
    miller(x, wanted, 3, sums);
    const double log_term = std::log(x / 2.0) + kEuler;
    return 2 / kPi * (v == 0 ? log_term * sums[0] + sums[2] : log_term * sums[1] - sums[0] / x + sums[2]);
  }
  double j, y;
  hankel(x, v, j, y);
  return y;
}

// e^x K_v(x): the series below 2, the integral above.
double scaled_k(double x, int v) {
  if (x == 0) return std::numeric_limits<double>::infinity();
  if (!(x >= 0)) return std::numeric_limits<double>::quiet_NaN();
  if (x > 2.0) return scaled_k_integral(x, v);
  const double log_term = std::log(x) - kLn2 + kEuler;
  const double i_v = scaled_modified(x, v) * std::exp(x);
  const double series = v == 0 ? -log_term * i_v + neumann_series(x, 0, 1.0) / 2
                               : 1.0 / x + log_term * i_v - x / 4 * neumann_series(x, 1, 1.0);
  return series * std::exp(x);
}

}  // namespace

double scaled_k_integral(double x, double v) {
  double total = 0.0;
  const double root = std::sqrt(2.0 * x);
  for (int i = 0; i < kNodes; ++i) {
    const double s = i * kStep;
    total += kWeights[i] * std::cosh(v * 2.0 * std::asinh(s / root)) * 2.0 / std::sqrt(2.0 * x + s * s);
  }
  return total;
}

}  // namespace bessel

double bessel_y0(double x) { return bessel::bessel_second(x, 0); }

double bessel_y1(double x) { return bessel::bessel_second(x, 1); }

double scaled_modified_bessel_k0(double x) { return bessel::scaled_k(x, 0); }

double scaled_modified_bessel_k1(double x) { return bessel::scaled_k(x, 1); }

// K_v(x) = e^-x (e^x K_v(x)), which underflows to 0 gracefully past x = 745
double modified_bessel_k0(double x) { return bessel::scaled_k(x, 0) * std::exp(-x); }

double modified_bessel_k1(double x) { return bessel::scaled_k(x, 1) * std::exp(-x); }

}  // namespace mytorch::special
