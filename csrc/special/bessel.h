// The pieces the Bessel kernels share (bessel.cpp, bessel_second.cpp, airy.cpp), in float64, as the helpers of
// mytorch/backends/_np_bessel.py and _np_bessel_second.py that they mirror (their docstrings hold the math).
#pragma once
#include <array>

namespace mytorch::special::bessel {

constexpr double kPi = 3.14159265358979323846;
constexpr int kAsymptoticTerms = 40;
// the top of Miller's recurrence, 2 int((25 + 30 + sqrt(40 * 25)) / 2): even, far enough above z <= 25 for 1e-17
constexpr int kMillerTop = 86;

// a_k(v) = prod_{j<=k} (4v^2 - (2j-1)^2) / (k! 8^k) for k < 40, v = 0, 1: Hankel's and the modified asymptotic
// expansions' coefficients.
extern const std::array<double, kAsymptoticTerms> kAsymptotic[2];

// sum_k c_k sign^k (x/2)^(2k+v) / (k! (k+v)!) over k < terms, c_k = weights[k] (1 without weights), v = 0 or 1,
// the common factor (x/2)^v left out when not `leading`: J_v's and I_v's series, and with harmonic weights the
// Neumann series of Y_v and K_v.
double power_series(double x, int v, double sign, int terms, const double* weights = nullptr, bool leading = true);

// e^-|x| I_v(|x|) for any x (the sign is the caller's).
double scaled_modified(double x, int v);

// A linear functional c_0 J_0 + ... + c_top J_top, as Miller's recurrence gathers it.
using Functional = std::array<double, kMillerTop + 1>;

// sum_n c_n J_n(z) for each of the `count` functionals, for 4 <= z <= 25, by Miller's backward recurrence.
void miller(double z, const Functional* const* functionals, int count, double* out);

// The functional picking J_n out of J_0..J_top.
const Functional& order(int n);

// J_v(z) (j) and Y_v(z) (y) for z > 25 by Hankel's expansion.
void hankel(double z, int v, double& j, double& y);

// e^x K_v(x) for x >= 1/2 by the trapezoidal rule on e^x K_v(x) = int_0^inf e^(-s^2) cosh(v t(s)) 2/sqrt(2x+s^2) ds.
double scaled_k_integral(double x, double v);

}  // namespace mytorch::special::bessel
