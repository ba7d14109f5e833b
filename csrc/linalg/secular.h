// The SVD of the k x k "broken arrow" matrix that a divide-and-conquer merge leaves (bidiagonal_dc.h; LAPACK's
// lasd3/lasd4/lasd8):
//
//     M = [ z_0 z_1 ... z_{k-1} ]      0 = d_0 < d_1 < ... < d_{k-1}, every z_i != 0.
//         [  0  d_1             ]
//         [  0        ...       ]
//         [  0            d_{k-1}]
//
// M^T M = D^2 + z z^T, so the singular values are the roots of the secular equation
//     f(sigma) = 1 + sum_i z_i^2 / (d_i^2 - sigma^2) = 0,
// one in each (d_j, d_{j+1}) and the last in (d_{k-1}, sqrt(d_{k-1}^2 + |z|^2)): f rises from -inf to +inf
// between poles. The vectors are v_j ~ (z_i / (d_i^2 - sigma_j^2))_i and u_j ~ (-1, (d_i z_i / (d_i^2 -
// sigma_j^2))_{i>=1}) (M v_j = that u_j, as f(sigma_j) = 0 makes its first entry -1).
//
// Accuracy (Gu & Eisenstat): each root is found as sigma_j^2 = d_b^2 + t_j relative to its nearer pole d_b, so
// that every difference sigma_j^2 - d_i^2 = t_j - (d_i - d_b)(d_i + d_b) is accurate to a few roundings even
// when sigma_j is within a rounding of d_b; the vectors are then formed with the z^ for which the computed
// sigmas are the exact singular values,
//     z^_i^2 = prod_j (sigma_j^2 - d_i^2) / prod_{l != i} (d_l^2 - d_i^2),
// which makes them orthogonal to working precision however close the sigmas are.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace mytorch {

// One root of the secular equation: sigma^2 = d[base]^2 + t.
template <typename R>
struct SecularRoot {
  int64_t base;
  R t;
};

// sigma_j^2 - d_i^2 for a root relative to its base: t - (d_i - d_b)(d_i + d_b).
template <typename R>
R squared_gap(const SecularRoot<R>& root, const R* d, int64_t i) {
  const R db = d[root.base];
  return root.t - (d[i] - db) * (d[i] + db);
}

// The j-th root of f (d ascending, d[0] = 0; z2 the squared z; rho = |z|^2). In coordinates t relative to the
// base pole, the poles are delta_i = d_i^2 - d_b^2; each step fits f near t by
//     c + s1 / (delta_j - x) + s2 / (delta_{j+1} - x)
// (s1, s2 matching the derivatives of the sums over the poles left and right of the root, c the value) and
// takes the zero of that model in the bracket, a quadratic; a bisection where the model's zero leaves the
// bracket. False if it has not converged in 100 steps.
template <typename R>
bool secular_root(const R* d, const R* z2, int64_t k, R rho, int64_t j, SecularRoot<R>& root) {
  const R eps = std::numeric_limits<R>::epsilon() / 2;
  const bool last = j == k - 1;
  std::vector<R> delta(k);
  const auto set_base = [&](int64_t b) {
    root.base = b;
    for (int64_t i = 0; i < k; ++i) delta[i] = (d[i] - d[b]) * (d[i] + d[b]);
  };
  // f at t, with the sums over the poles at or left of j (psi) and right of it (phi) and their derivatives
  R psi, dpsi, phi, dphi;
  const auto evaluate = [&](R t) {
    psi = dpsi = phi = dphi = 0;
    for (int64_t i = 0; i < k; ++i) {
      const R inv = 1 / (delta[i] - t), term = z2[i] * inv;
      if (i <= j) {
        psi += term, dpsi += term * inv;
      } else {
        phi += term, dphi += term * inv;
      }
    }
    return 1 + psi + phi;
  };
  R lo, hi;
  if (last) {
    set_base(j);
    lo = 0, hi = rho;  // f(rho) >= 0: each term is at least -z_i^2 / rho
  } else {
    // the half of (d_j, d_{j+1}) that holds the root decides the base: f at the midpoint of the squares
    set_base(j);
    const R half = delta[j + 1] / 2;
    if (evaluate(half) >= 0) {
      lo = 0, hi = half;
    } else {
      set_base(j + 1);
      lo = -half, hi = 0;
    }
  }
  const R left_pole = delta[j], right_pole = last ? R(0) : delta[j + 1];
  R t = (lo + hi) / 2;
  for (int iter = 0; iter < 100; ++iter) {
    const R f = evaluate(t);
    if (f == 0 || std::abs(f) <= 8 * eps * (1 + phi - psi) * R(k)) break;
    (f < 0 ? lo : hi) = t;  // f increases with t
    const R s1 = dpsi * (left_pole - t) * (left_pole - t);
    R x = std::numeric_limits<R>::quiet_NaN();
    if (last) {
      const R c = f - s1 / (left_pole - t);  // f ~ c + s1 / (delta_j - x)
      if (c > 0) x = left_pole + s1 / c;
    } else {
      const R s2 = dphi * (right_pole - t) * (right_pole - t);
      const R c = f - s1 / (left_pole - t) - s2 / (right_pole - t);
      // c (a - x)(b - x) + s1 (b - x) + s2 (a - x) = 0, a = delta_j, b = delta_{j+1}: one zero in (a, b), where
      // it changes sign; the other zero as C / q keeps the one near 0 (the base) accurate
      const R a = left_pole, b = right_pole;
      const R qb = -(c * (a + b) + s1 + s2), qc = c * a * b + s1 * b + s2 * a;
      if (c == 0) {
        x = qc / -qb;
      } else {
        const R disc = qb * qb - 4 * c * qc;
        if (disc >= 0) {
          const R q = -(qb + std::copysign(std::sqrt(disc), qb)) / 2;
          const R x1 = q / c, x2 = qc / q;
          x = (x1 > lo && x1 < hi) ? x1 : x2;
        }
      }
    }
    if (!(x > lo && x < hi)) x = (lo + hi) / 2;
    if (std::abs(x - t) <= 2 * eps * std::abs(x) || hi - lo <= 2 * eps * std::max(std::abs(lo), std::abs(hi))) {
      root.t = x;
      return true;
    }
    t = x;
    if (iter == 99) return false;
  }
  root.t = t;
  return true;
}

// The SVD of M above: sigma ascending, and the singular vectors as rows of ut and vt (k x k, row j = u_j, v_j).
// False if a root has not converged.
template <typename R>
bool arrow_svd(const R* d, const R* z, int64_t k, R* sigma, R* ut, R* vt) {
  std::vector<R> z2(k);
  R rho = 0;
  for (int64_t i = 0; i < k; ++i) z2[i] = z[i] * z[i], rho += z2[i];
  std::vector<SecularRoot<R>> roots(k);
  for (int64_t j = 0; j < k; ++j) {
    if (!secular_root(d, z2.data(), k, rho, j, roots[j])) return false;
    const R db = d[roots[j].base];
    sigma[j] = std::sqrt(db * db + roots[j].t);
  }
  // z^ (Gu & Eisenstat), the product ordered so that each factor is a ratio near one: sigma_j pairs with
  // d_j below i (sigma_j < d_{j+1} <= d_i) and with d_{j+1} from i on (sigma_j > d_j >= d_i)
  std::vector<R> zhat(k);
  for (int64_t i = 0; i < k; ++i) {
    R p = squared_gap(roots[k - 1], d, i);
    for (int64_t l = 0; l < i; ++l) p *= squared_gap(roots[l], d, i) / ((d[l] - d[i]) * (d[l] + d[i]));
    for (int64_t l = i; l < k - 1; ++l) p *= squared_gap(roots[l], d, i) / ((d[l + 1] - d[i]) * (d[l + 1] + d[i]));
    zhat[i] = std::copysign(std::sqrt(std::abs(p)), z[i]);
  }
  for (int64_t j = 0; j < k; ++j) {
    R* u = ut + j * k;
    R* v = vt + j * k;
    R unorm = 1, vnorm = 0;
    u[0] = -1;
    for (int64_t i = 0; i < k; ++i) {
      v[i] = zhat[i] / -squared_gap(roots[j], d, i);
      vnorm += v[i] * v[i];
      if (i > 0) {
        u[i] = d[i] * v[i];
        unorm += u[i] * u[i];
      }
    }
    unorm = 1 / std::sqrt(unorm), vnorm = 1 / std::sqrt(vnorm);
    for (int64_t i = 0; i < k; ++i) u[i] *= unorm, v[i] *= vnorm;
  }
  return true;
}

}  // namespace mytorch
