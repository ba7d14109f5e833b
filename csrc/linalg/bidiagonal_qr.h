// Step 3 of svd.cpp: the SVD of a real upper bidiagonal B = W diag(sigma) Z^T by implicit QR sweeps (Demmel &
// Kahan's bdsqr), which svd.cpp's module comment describes; also the base case of the divide and conquer
// (bidiagonal_dc.h).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "linalg/rotation.h"

namespace mytorch {

// The singular values of the triangular [[f, g], [0, h]] (LAPACK's las2): smax + smin = sqrt((|f| + |h|)^2 + g^2)
// and smax - smin = sqrt((|f| - |h|)^2 + g^2), computed relative to the largest entry; smin = |f h| / smax keeps
// the small one's relative accuracy.
template <typename R>
void singular_values_2x2(R f, R g, R h, R& smin, R& smax) {
  const R fa = std::abs(f), ga = std::abs(g), ha = std::abs(h);
  const R small = std::min(fa, ha), large = std::max(fa, ha);
  if (small == 0) {
    smin = 0;
    smax = large == 0 ? ga : std::hypot(large, ga);
  } else if (ga < large) {
    const R sum = 1 + small / large, diff = (large - small) / large, gr = (ga / large) * (ga / large);
    const R c = 2 / (std::sqrt(sum * sum + gr) + std::sqrt(diff * diff + gr));  // 2 / ((smax + smin + smax - smin) / large)
    smin = small * c, smax = large / c;
  } else {
    const R ratio = large / ga;
    if (ratio == 0) {  // g overwhelms: smax = |g|, smin = |f h| / |g| without underflow
      smin = (small * large) / ga, smax = ga;
    } else {
      const R sum = 1 + small / large, diff = (large - small) / large;
      const R c = 1 / (std::sqrt(1 + (sum * ratio) * (sum * ratio)) + std::sqrt(1 + (diff * ratio) * (diff * ratio)));
      smin = 2 * (small * c) * ratio, smax = ga / (2 * c);
    }
  }
}

// The SVD of the triangular [[f, g], [0, h]] (LAPACK's lasv2):
//     [cl sl; -sl cl] [f g; 0 h] [cr -sr; sr cr] = [smax 0; 0 smin],
// |smax| >= |smin| the singular values with the signs that make it hold. With |f| >= |h| (else the problem is
// transposed and reversed, which swaps the roles of the two rotations), l = (|f| - |h|) / |f|, m = g / f,
// t = 2 - l, s = sqrt(t^2 + m^2) and r = sqrt(l^2 + m^2) give smax = |f| a and smin = |h| / a with a = (s + r) / 2,
// and the right rotation's tangent is (m / (s + t) + m / (r + l)) (1 + a); each quantity is formed without
// cancellation, so that both values and the rotations are accurate to a few roundings.
template <typename R>
void svd_2x2(R f, R g, R h, R& smin, R& smax, R& sr, R& cr, R& sl, R& cl) {
  const R eps = std::numeric_limits<R>::epsilon() / 2;
  R ft = f, fa = std::abs(f), ht = h, ha = std::abs(h);
  int largest = 0;  // which entry is largest in magnitude: 0 f, 1 g, 2 h
  const bool swap = ha > fa;
  if (swap) {
    largest = 2;
    std::swap(ft, ht);
    std::swap(fa, ha);
  }
  const R gt = g, ga = std::abs(g);
  R clt = 1, crt = 1, slt = 0, srt = 0;
  if (ga == 0) {  // diagonal
    smin = ha, smax = fa;
  } else {
    bool g_small = true;
    if (ga > fa) {
      largest = 1;
      if (fa / ga < eps) {  // g dominates to working precision
        g_small = false;
        smax = ga;
        smin = ha > 1 ? fa / (ga / ha) : (fa / ga) * ha;
        clt = 1, slt = ht / gt, srt = 1, crt = ft / gt;
      }
    }
    if (g_small) {
      const R diff = fa - ha;
      R l = diff == fa ? R(1) : diff / fa;  // in [0, 1]
      const R m = gt / ft, t = 2 - l, mm = m * m;
      const R s = std::sqrt(t * t + mm), r = l == 0 ? std::abs(m) : std::sqrt(l * l + mm);
      const R a = (s + r) / 2;
      smin = ha / a, smax = fa * a;
      R tangent;
      if (mm == 0) {  // m tiny: its square underflowed
        tangent = l == 0 ? std::copysign(R(2), ft) * std::copysign(R(1), gt) : gt / std::copysign(diff, ft) + m / t;
      } else {
        tangent = (m / (s + t) + m / (r + l)) * (1 + a);
      }
      l = std::sqrt(tangent * tangent + 4);
      crt = 2 / l, srt = tangent / l;
      clt = (crt + srt * m) / a;
      slt = (ht / ft) * srt / a;
    }
  }
  if (swap) {
    cl = srt, sl = crt, cr = slt, sr = clt;
  } else {
    cl = clt, sl = slt, cr = crt, sr = srt;
  }
  // the signs that make the decomposition hold, read from the largest entry's equation
  const auto sign = [](R x) { return std::copysign(R(1), x); };
  const R tsign = largest == 0   ? sign(cr) * sign(cl) * sign(f)
                  : largest == 1 ? sign(sr) * sign(cl) * sign(g)
                                 : sign(sr) * sign(sl) * sign(h);
  smax = std::copysign(smax, tsign);
  smin = std::copysign(smin, tsign * sign(f) * sign(h));
}

// Rotates rows k and k + 1 of the count x count w (when not null) by (c, s): rotate_rows.
template <typename R>
void rotate_vectors(R* w, int64_t count, int64_t k, R c, R s) {
  if (w) rotate_rows(w + k * count, w + (k + 1) * count, count, c, s);
}

// Step 3 on the upper bidiagonal (d, e) of order n, in place: d becomes the singular values, unsorted and
// signed; the left rotations combine rows of wt (W^T), the right ones rows of zt (Z^T), n x n each, when not
// null. False if it has not converged.
template <typename R>
bool bidiagonal_qr(R* d, R* e, int64_t n, R* wt, R* zt) {
  // LAPACK's eps is the unit roundoff, half of C++'s epsilon (the gap between 1 and the next number)
  const R eps = std::numeric_limits<R>::epsilon() / 2, unfl = std::numeric_limits<R>::min();
  const R tol = std::clamp(std::pow(eps, R(-0.125)), R(10), R(100)) * eps;  // relative accuracy sought
  const int64_t max_iter = 6 * n * n;
  // sigma_min >= min_i mu_i, the lower bound of the module comment, over the whole matrix (divided by sqrt(n))
  R smallest = n ? std::abs(d[0]) : R(0), mu = smallest;
  for (int64_t i = 1; i < n && smallest != 0; ++i) {
    mu = std::abs(d[i]) * (mu / (mu + std::abs(e[i - 1])));
    smallest = std::min(smallest, mu);
  }
  const R thresh = std::max(tol * smallest / std::sqrt(R(std::max<int64_t>(n, 1))), 6 * R(n) * R(n) * unfl);
  int64_t iter = 0, old_ll = -1, old_m = -1;
  bool downwards = true;  // the sweep's direction: from ll down to m, or from m up to ll
  for (int64_t m = n - 1; m > 0;) {
    if (iter > max_iter) return false;
    // the unreduced block [ll, m] that ends at m
    R smax = std::abs(d[m]);
    int64_t ll = m - 1;
    for (; ll >= 0; --ll) {
      if (std::abs(e[ll]) <= thresh) break;
      smax = std::max({smax, std::abs(d[ll]), std::abs(e[ll])});
    }
    if (ll >= 0) {
      e[ll] = 0;
      if (ll == m - 1) {  // d_m has converged
        --m;
        continue;
      }
    }
    ++ll;
    if (ll == m - 1) {  // a 2x2 block, solved directly
      R cosr, sinr, cosl, sinl;
      svd_2x2(d[m - 1], e[m - 1], d[m], d[m], d[m - 1], sinr, cosr, sinl, cosl);
      e[m - 1] = 0;
      rotate_vectors(zt, n, m - 1, cosr, sinr);
      rotate_vectors(wt, n, m - 1, cosl, sinl);
      m -= 2;
      continue;
    }
    if (ll > old_m || m < old_ll) downwards = std::abs(d[ll]) >= std::abs(d[m]);  // a new block
    // convergence tests, towards the end the sweep goes to, with the bound mu of the block's smallest value
    R mu, smin_bound;
    bool split = false;
    if (downwards) {
      if (std::abs(e[m - 1]) <= tol * std::abs(d[m])) {
        e[m - 1] = 0;
        continue;
      }
      mu = smin_bound = std::abs(d[ll]);
      for (int64_t i = ll; i < m && !split; ++i) {
        if (std::abs(e[i]) <= tol * mu) {
          e[i] = 0, split = true;
        } else {
          mu = std::abs(d[i + 1]) * (mu / (mu + std::abs(e[i])));
          smin_bound = std::min(smin_bound, mu);
        }
      }
    } else {
      if (std::abs(e[ll]) <= tol * std::abs(d[ll])) {
        e[ll] = 0;
        continue;
      }
      mu = smin_bound = std::abs(d[m]);
      for (int64_t i = m - 1; i >= ll && !split; --i) {
        if (std::abs(e[i]) <= tol * mu) {
          e[i] = 0, split = true;
        } else {
          mu = std::abs(d[i]) * (mu / (mu + std::abs(e[i])));
          smin_bound = std::min(smin_bound, mu);
        }
      }
    }
    if (split) continue;
    old_ll = ll, old_m = m;
    // the shift: zero where subtracting it would cost the smallest singular value its relative accuracy
    R shift = 0;
    if (R(n) * tol * (smin_bound / smax) > std::max(eps, tol / 100)) {
      R unused, nearest_end;
      if (downwards) {
        nearest_end = std::abs(d[ll]);
        singular_values_2x2(d[m - 1], e[m - 1], d[m], shift, unused);
      } else {
        nearest_end = std::abs(d[m]);
        singular_values_2x2(d[ll], e[ll], d[ll + 1], shift, unused);
      }
      if (nearest_end > 0 && (shift / nearest_end) * (shift / nearest_end) < eps) shift = 0;
    }
    iter += m - ll;
    if (shift == 0 && downwards) {
      // zero-shift sweep (Demmel & Kahan): rotations from the right (cs, sn) and left (oldcs, oldsn) in turn
      R cs = 1, sn = 0, oldcs = 1, oldsn = 0, r;
      for (int64_t i = ll; i < m; ++i) {
        plane_rotation(d[i] * cs, e[i], cs, sn, r);
        if (i > ll) e[i - 1] = oldsn * r;
        plane_rotation(oldcs * r, d[i + 1] * sn, oldcs, oldsn, d[i]);
        rotate_vectors(zt, n, i, cs, sn);
        rotate_vectors(wt, n, i, oldcs, oldsn);
      }
      const R h = d[m] * cs;
      d[m] = h * oldcs, e[m - 1] = h * oldsn;
      if (std::abs(e[m - 1]) <= thresh) e[m - 1] = 0;
    } else if (shift == 0) {
      R cs = 1, sn = 0, oldcs = 1, oldsn = 0, r;
      for (int64_t i = m; i > ll; --i) {
        plane_rotation(d[i] * cs, e[i - 1], cs, sn, r);
        if (i < m) e[i] = oldsn * r;
        plane_rotation(oldcs * r, d[i - 1] * sn, oldcs, oldsn, d[i]);
        rotate_vectors(zt, n, i - 1, oldcs, -oldsn);
        rotate_vectors(wt, n, i - 1, cs, -sn);
      }
      const R h = d[ll] * cs;
      d[ll] = h * oldcs, e[ll] = h * oldsn;
      if (std::abs(e[ll]) <= thresh) e[ll] = 0;
    } else if (downwards) {
      // shifted sweep: the first rotation is that of the first column of B^T B - shift^2 I; the rest chase the
      // bulge it makes down the band
      R f = (std::abs(d[ll]) - shift) * (std::copysign(R(1), d[ll]) + shift / d[ll]), g = e[ll];
      for (int64_t i = ll; i < m; ++i) {
        R cosr, sinr, cosl, sinl, r;
        plane_rotation(f, g, cosr, sinr, r);
        if (i > ll) e[i - 1] = r;
        f = cosr * d[i] + sinr * e[i];
        e[i] = cosr * e[i] - sinr * d[i];
        g = sinr * d[i + 1];
        d[i + 1] = cosr * d[i + 1];
        plane_rotation(f, g, cosl, sinl, r);
        d[i] = r;
        f = cosl * e[i] + sinl * d[i + 1];
        d[i + 1] = cosl * d[i + 1] - sinl * e[i];
        if (i < m - 1) {
          g = sinl * e[i + 1];
          e[i + 1] = cosl * e[i + 1];
        }
        rotate_vectors(zt, n, i, cosr, sinr);
        rotate_vectors(wt, n, i, cosl, sinl);
      }
      e[m - 1] = f;
      if (std::abs(e[m - 1]) <= thresh) e[m - 1] = 0;
    } else {
      R f = (std::abs(d[m]) - shift) * (std::copysign(R(1), d[m]) + shift / d[m]), g = e[m - 1];
      for (int64_t i = m; i > ll; --i) {
        R cosr, sinr, cosl, sinl, r;
        plane_rotation(f, g, cosr, sinr, r);
        if (i < m) e[i] = r;
        f = cosr * d[i] + sinr * e[i - 1];
        e[i - 1] = cosr * e[i - 1] - sinr * d[i];
        g = sinr * d[i - 1];
        d[i - 1] = cosr * d[i - 1];
        plane_rotation(f, g, cosl, sinl, r);
        d[i] = r;
        f = cosl * e[i - 1] + sinl * d[i - 1];
        d[i - 1] = cosl * d[i - 1] - sinl * e[i - 1];
        if (i > ll + 1) {
          g = sinl * e[i - 2];
          e[i - 2] = cosl * e[i - 2];
        }
        rotate_vectors(zt, n, i - 1, cosl, -sinl);
        rotate_vectors(wt, n, i - 1, cosr, -sinr);
      }
      e[ll] = f;
      if (std::abs(e[ll]) <= thresh) e[ll] = 0;
    }
  }
  return true;
}

}  // namespace mytorch
