// The Bessel functions of the first kind in float64, by the algorithms of mytorch/backends/_np_bessel.py (its
// docstring holds the math): the modified ones i0, i0e = e^-|x| I0, i1, i1e = e^-|x| I1,
//   |x| <= 20: I_v(x) = sum_k (x/2)^(2k+v) / (k! (k+v)!), 60 terms, all positive (no cancellation);
//   |x| > 20:  I_v(x) e^-x = 1/sqrt(2 pi x) sum_k (-1)^k a_k(v) / x^k, 40 terms,
//              a_k(v) = prod_{j<=k} (4v^2 - (2j-1)^2) / (k! 8^k),
// so the scaled functions stay finite where I_v overflows (|x| > 713); and bessel_j0, bessel_j1,
//   |x| < 4:   J_v's alternating power series, 30 terms;
//   |x| <= 25: Miller's backward recurrence J_(n-1) = (2n/x) J_n - J_(n+1) from n = 86, normalised by
//              1 = J_0 + 2 (J_2 + J_4 + ...);
//   |x| > 25:  Hankel's expansion J_v(x) = sqrt(2 / (pi x)) (P cos w - Q sin w), w = x - v pi/2 - pi/4, with
//              cos w and sin w expanded from cos x and sin x.
// I0 and J0 are even, I1 and J1 odd.
#include <cmath>

#include "special/bessel.h"
#include "special/special.h"

namespace mytorch::special {
namespace bessel {
namespace {

constexpr int kModifiedSeriesTerms = 60;
constexpr int kSeriesTerms = 30;

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

// 1 = J_0 + 2 (J_2 + J_4 + ...): the sum that fixes Miller's common factor
Functional normalisation() {
  Functional out{};
  for (int n = 0; n <= kMillerTop; n += 2) out[n] = n == 0 ? 1.0 : 2.0;
  return out;
}

const Functional kNorm = normalisation();
const Functional kOrders[2] = {[] { Functional c{}; c[0] = 1.0; return c; }(),
                               [] { Functional c{}; c[1] = 1.0; return c; }()};

}  // namespace

const std::array<double, kAsymptoticTerms> kAsymptotic[2] = {asymptotic_coefficients(0), asymptotic_coefficients(1)};

const Functional& order(int n) { return kOrders[n]; }

double power_series(double x, int v, double sign, int terms, const double* weights, bool leading) {
  const double half = x / 2.0;
  const double q = sign * (half * half);
  double term = leading && v == 1 ? half : 1.0;  // (x/2)^v / v!, or 1/v! without the leading factor
  double total = weights ? weights[0] * term : term;
  for (int k = 1; k < terms; ++k) {
    term = term * q / (k * (k + v));
    total += weights ? weights[k] * term : term;
  }
  return total;
}

double scaled_modified(double x, int v) {
  const double z = std::abs(x);
  if (z <= 20.0) return power_series(z, v, 1.0, kModifiedSeriesTerms) * std::exp(-z);
  const double inv = 1.0 / z;
  double total = 0.0;
  for (int k = kAsymptoticTerms - 1; k >= 0; --k) total = total * -inv + kAsymptotic[v][k];
  return total / std::sqrt(2.0 * kPi * z);
}

// The recurrence runs once; each functional's sum is gathered on the way down, so no J_n is stored.
void miller(double z, const Functional* const* functionals, int count, double* out) {
  double upper = 0.0, current = 1e-30;  // J_(n+1), J_n for n = top
  for (int f = 0; f < count; ++f) out[f] = (*functionals[f])[kMillerTop] * current;
  double norm = kNorm[kMillerTop] * current;
  for (int n = kMillerTop; n > 0; --n) {
    const double lower = (2.0 * n / z) * current - upper;  // J_(n-1)
    upper = current;
    current = lower;
    for (int f = 0; f < count; ++f) {
      const double c = (*functionals[f])[n - 1];
      if (c != 0.0) out[f] += c * current;
    }
    if (kNorm[n - 1] != 0.0) norm += kNorm[n - 1] * current;
  }
  for (int f = 0; f < count; ++f) out[f] /= norm;
}

void hankel(double z, int v, double& j, double& y) {
  const double inv = 1.0 / z;
  double p = 0.0, q = 0.0;
  for (int k = kAsymptoticTerms - 2; k >= 0; k -= 2) {
    p = p * -(inv * inv) + kAsymptotic[v][k];
    q = q * -(inv * inv) + kAsymptotic[v][k + 1];
  }
  q = q * inv;
  const double c = std::cos(z), s = std::sin(z);
  // w = z - v pi/2 - pi/4: v = 0: cos w = (c + s)/sqrt2, sin w = (s - c)/sqrt2;
  //                        v = 1: cos w = (s - c)/sqrt2, sin w = -(s + c)/sqrt2
  const double cos_w = v == 0 ? c + s : s - c;
  const double sin_w = v == 0 ? s - c : -(s + c);
  const double scale = std::sqrt(2.0 / (kPi * z)) / std::sqrt(2.0);
  j = scale * (p * cos_w - q * sin_w);
  y = scale * (p * sin_w + q * cos_w);
}

}  // namespace bessel

namespace {

double bessel_first(double x, int v) {
  const double z = std::abs(x);
  double out;
  if (z < 4.0) {
    out = bessel::power_series(z, v, -1.0, bessel::kSeriesTerms);
  } else if (z <= 25.0) {
    const bessel::Functional* wanted = &bessel::order(v);
    bessel::miller(z, &wanted, 1, &out);
  } else {
    double y;
    bessel::hankel(z, v, out, y);  // nan for nan x
  }
  return v == 1 && x < 0 ? -out : out;
}

}  // namespace

double i0e(double x) { return bessel::scaled_modified(x, 0); }

double i1e(double x) { return std::copysign(bessel::scaled_modified(x, 1), x); }

double i0(double x) { return bessel::scaled_modified(x, 0) * std::exp(std::abs(x)); }

double i1(double x) { return std::copysign(bessel::scaled_modified(x, 1) * std::exp(std::abs(x)), x); }

double bessel_j0(double x) { return bessel_first(x, 0); }

double bessel_j1(double x) { return bessel_first(x, 1); }

}  // namespace mytorch::special
