// The Hurwitz zeta function zeta(s, q) = sum_{k>=0} (q + k)^-s in float64, by the algorithm of
// mytorch/backends/_np_gamma.py (its docstring holds the math): the terms summed directly until q + k >= 9 (and at
// least 9 of them), then the Euler-Maclaurin tail at a = q + N,
//   a^(1-s)/(s-1) + a^-s/2 + sum_j B_2j/(2j)! s (s+1) ... (s+2j-2) a^(-s-2j+1),  j = 1..12.
// Each element takes its own N, max(9, ceil(9 - q)), as the NumPy kernel's elements do (so that a value does not
// depend on the array it comes in).
#include <algorithm>
#include <cmath>
#include <limits>

#include "special/special.h"

namespace mytorch::special {
namespace {

// B_2j / (2j)!, j = 1..12, the doubles nearest to them
constexpr double kEulerMaclaurin[] = {
    0.08333333333333333,    -0.001388888888888889,   3.306878306878307e-05,  -8.267195767195768e-07,
    2.08767569878681e-08,   -5.284190138687493e-10,  1.3382536530684679e-11, -3.3896802963225827e-13,
    8.586062056277845e-15,  -2.174868698558062e-16,  5.5090028283602295e-18, -1.3954464685812522e-19};

}  // namespace

// PyTorch's domain: inf at s = 1 and at the poles q = 0, -1, ...; nan for s < 1, and for q < 0 with a
// non-integer s (where (q + k)^-s is not real).
double zeta(double s, double q) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  if (s == 1) return kInf;
  if (s < 1) return kNan;
  if (q <= 0 && q == std::floor(q)) return kInf;
  if (q <= 0 && s != std::floor(s)) return kNan;
  // q >= 9 - N: for q < 0 this sums past the negative terms (|q| + 9 of them, as the NumPy kernel and PyTorch)
  const double steps = std::isfinite(q) ? std::max(9.0, std::ceil(9.0 - q)) : 9.0;
  double total = 0.0, a = q;
  for (double k = 0; k < steps; ++k) {
    total += std::pow(a, -s);
    a += 1.0;
  }
  double tail = std::pow(a, 1.0 - s) / (s - 1.0) + 0.5 * std::pow(a, -s);
  double rising = s;  // s (s+1) ... (s+2j-2)
  double power = std::pow(a, -s - 1.0);
  const double inv2 = 1.0 / (a * a);
  for (int j = 1; j <= 12; ++j) {
    tail += kEulerMaclaurin[j - 1] * rising * power;
    rising = rising * (s + 2 * j - 1) * (s + 2 * j);
    power = power * inv2;
  }
  return total + tail;
}

}  // namespace mytorch::special
