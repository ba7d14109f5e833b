// The regularized incomplete gamma functions P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt (igamma) and
// Q(a, x) = 1 - P(a, x) (igammac) in float64, by the algorithm of mytorch/backends/_np_gamma.py (its docstring
// holds the math): the power series P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n)) for
// x <= max(1, a), Legendre's continued fraction for Q (Lentz's method) otherwise; the other one of the pair is
// 1 minus it, so that the smaller one carries the precision.
// Both iterate until the element has converged, as the NumPy kernel's elements do (each is left as it is once it
// has, while the others go on): a continued fraction that went on after its factor C_n D_n reached 1 would be
// multiplied by 1 +- 1 ulp up to 5000 times, a drift of up to 1e-13.
#include <algorithm>
#include <cmath>
#include <limits>

#include "special/special.h"

namespace mytorch::special {
namespace {

constexpr int kMaxSteps = 5000;

// x^a e^-x / Gamma(a), through logarithms (each factor alone over- or underflows long before the product)
double prefactor(double a, double x) { return std::exp(a * std::log(x) - x - lgamma(a)); }

// P(a, x) by the power series, summed until a term is below 1e-17 of the sum.
double lower_series(double a, double x) {
  double term = 1.0 / a, total = term, n = a;
  for (int step = 0; step < kMaxSteps; ++step) {
    n += 1.0;
    term = term * x / n;
    total += term;
    if (!(std::abs(term) > 1e-17 * std::abs(total))) break;
  }
  return total * prefactor(a, x);
}

// Q(a, x) by Legendre's continued fraction with Lentz's method: the convergent h_n = h_(n-1) C_n D_n,
// C_n = b_n + a_n / C_(n-1), D_n = 1 / (b_n + a_n D_(n-1)), tiny values kept off 0; until C_n D_n = 1 to 1e-16.
double upper_fraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / (b == 0 ? kTiny : b);
  double h = d;
  for (int i = 1; i < kMaxSteps; ++i) {
    const double an = -i * (i - a);
    b = b + 2.0;
    d = an * d + b;
    d = 1.0 / (d == 0 ? kTiny : d);
    c = b + an / c;
    c = c == 0 ? kTiny : c;
    const double delta = c * d;
    h *= delta;
    if (!(std::abs(delta - 1.0) > 1e-16)) break;
  }
  return h * prefactor(a, x);
}

// P (upper = false) or Q (upper = true), with PyTorch's boundaries: P(0, x > 0) = 1, P(a, 0) = 0, P(inf, x) = 0,
// P(a, inf) = 1, nan off the domain, and for nan operands where no boundary applies.
double incomplete_gamma(double a, double x, bool upper) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  const double lo = upper ? 1.0 : 0.0, hi = upper ? 0.0 : 1.0;
  if (a < 0 || x < 0) return kNan;
  if (a == 0) return x > 0 ? hi : kNan;
  if (x == 0) return lo;
  if (std::isinf(a)) return std::isinf(x) ? kNan : lo;
  if (std::isinf(x)) return hi;
  if (std::isnan(a) || std::isnan(x)) return kNan;
  if (x <= std::max(a, 1.0)) {
    const double p = lower_series(a, x);
    return upper ? 1.0 - p : p;
  }
  const double q = upper_fraction(a, x);
  return upper ? q : 1.0 - q;
}

}  // namespace

double igamma(double a, double x) { return incomplete_gamma(a, x, false); }

double igammac(double a, double x) { return incomplete_gamma(a, x, true); }

}  // namespace mytorch::special
