// The QR algorithm on an upper Hessenberg matrix H (LAPACK's lahqr, which dhseqr/zhseqr run below order 75):
// similarity transformations H <- G^H H G that keep H Hessenberg and drive its subdiagonal to zero from the
// bottom, accumulated into the Schur vectors Z <- Z G, so that A = Z T Z^H at the end.
//
// Deflation. Before each sweep the active block [l, i] is split at the lowest subdiagonal entry that is
// negligible: |h_{k,k-1}| <= ulp (|h_kk| + |h_{k-1,k-1}|) and, more carefully (Ahues & Kressner), the product of
// the off-diagonal pair small against that of the diagonal's: then h_{k,k-1} = 0. A 1x1 (real or complex) or 2x2
// (real) block split off at the bottom holds converged eigenvalues: i moves up past it. Eigenvalues thus leave
// from the bottom, in LAPACK's order.
//
// Real sweep (Francis). The shifts are the eigenvalues s1, s2 of the trailing 2x2 of the block; the double step
// with both, (H - s1 I)(H - s2 I) = H^2 - (s1 + s2) H + s1 s2 I, is real even for a complex pair. Its first column
// has three nonzeros, from which a 3x3 reflector starts a bulge at row m; further reflectors chase it down and
// off the end (implicit Q theorem: the same as the explicit double step). The sweep starts at the m >= l where
// h_{m,m-1} times that column is negligible, as good as a split. Every 10 sweeps without a deflation take an
// exceptional shift (LAPACK's 3/4 and -0.4375 rule) to break cycles. A 2x2 block at the bottom is put in
// standard form by one rotation (`standardize_2x2`): upper triangular when its eigenvalues are real, otherwise
// [[a, b], [c, a]] with b c < 0, eigenvalues a +- i sqrt(-b c).
//
// Complex sweep. A single Wilkinson shift (the eigenvalue of the trailing 2x2 nearer h_ii) and 2x2 reflectors,
// scaled so that the subdiagonal stays real.
#include "linalg/schur.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "linalg/batch.h"
#include "linalg/householder.h"
#include "linalg/rotation.h"

namespace mytorch {
namespace {

using C = std::complex<double>;

// LAPACK's constants: ulp the gap between 1 and the next double, safmin the smallest normal number, and
// smlnum the size below which a subdiagonal entry is negligible whatever its neighbours.
constexpr double kUlp = std::numeric_limits<double>::epsilon();
constexpr double kSafmin = std::numeric_limits<double>::min();

// The index k in (l, i] of the lowest negligible subdiagonal entry h_{k,k-1}, l if none.
template <typename T>
int64_t lowest_split(const T* h, int64_t n, int64_t l, int64_t i, int64_t ilo, int64_t ihi, double smlnum) {
  const auto at = [&](int64_t r, int64_t c) { return h[r * n + c]; };
  int64_t k = i;
  for (; k > l; --k) {
    const double sub = cabs1(at(k, k - 1));
    if (sub <= smlnum) break;
    double tst = cabs1(at(k - 1, k - 1)) + cabs1(at(k, k));
    if (tst == 0) {
      if (k - 2 >= ilo) tst += std::abs(std::real(at(k - 1, k - 2)));
      if (k + 1 <= ihi) tst += std::abs(std::real(at(k + 1, k)));
    }
    if (std::abs(std::real(at(k, k - 1))) <= kUlp * tst) {
      const double sup = cabs1(at(k - 1, k));
      const double ab = std::max(sub, sup), ba = std::min(sub, sup);
      const double diff = cabs1(at(k - 1, k - 1) - at(k, k)), diag = cabs1(at(k, k));
      const double aa = std::max(diag, diff), bb = std::min(diag, diff);
      const double s = aa + ab;
      if (ba * (ab / s) <= std::max(smlnum, kUlp * (bb * (aa / s)))) break;
    }
  }
  return k;
}

// The real 2x2 [[a, b], [c, d]] in standard Schur form by the rotation [[cs, -sn], [sn, cs]] (LAPACK's lanv2):
// (rt1r + i rt1i, rt2r + i rt2i) its eigenvalues, rt1i > 0 for a complex pair.
// The test for real eigenvalues, z >= 4 eps, compares z with an absolute size: `unit` is the size in h's units
// of a 1 in those of the matrix LAPACK's geev iterates on (real_schur).
void standardize_2x2(double& a, double& b, double& c, double& d, double& rt1r, double& rt1i, double& rt2r,
                     double& rt2i, double& cs, double& sn, double unit) {
  constexpr double eps = kUlp, multpl = 4;
  // the power of two near sqrt(safmin / eps), beyond which the scaled sums below could under- or overflow
  const double safmn2 = std::ldexp(1.0, static_cast<int>(std::log2(kSafmin / eps) / 2)), safmx2 = 1 / safmn2;
  if (c == 0) {
    cs = 1, sn = 0;
  } else if (b == 0) {  // swap rows and columns
    cs = 0, sn = 1;
    std::swap(a, d);
    b = -c, c = 0;
  } else if (a - d == 0 && std::signbit(b) != std::signbit(c)) {
    cs = 1, sn = 0;
  } else {
    double temp = a - d, p = temp / 2;
    const double bcmax = std::max(std::abs(b), std::abs(c));
    const double bcmis = std::min(std::abs(b), std::abs(c)) * std::copysign(1.0, b) * std::copysign(1.0, c);
    double scale = std::max(std::abs(p), bcmax);
    double z = (p / scale) * p + (bcmax / scale) * bcmis;
    if (z >= multpl * eps * unit) {  // real eigenvalues: make the block upper triangular
      z = p + std::copysign(std::sqrt(scale) * std::sqrt(z), p);
      a = d + z;
      d -= (bcmax / z) * bcmis;
      const double tau = std::hypot(c, z);
      cs = z / tau, sn = c / tau;
      b -= c, c = 0;
    } else {  // complex or nearly equal real eigenvalues: make the diagonal entries equal
      double sigma = b + c;
      for (int count = 0; count < 20; ++count) {
        scale = std::max(std::abs(temp), std::abs(sigma));
        if (scale >= safmx2) {
          sigma *= safmn2, temp *= safmn2;
        } else if (scale <= safmn2) {
          sigma *= safmx2, temp *= safmx2;
        } else {
          break;
        }
      }
      p = temp / 2;
      double tau = std::hypot(sigma, temp);
      cs = std::sqrt((1 + std::abs(sigma) / tau) / 2);
      sn = -(p / (tau * cs)) * std::copysign(1.0, sigma);
      // [a b; c d] <- [cs sn; -sn cs] [a b; c d] [cs -sn; sn cs]
      const double aa = a * cs + b * sn, bb = -a * sn + b * cs, cc = c * cs + d * sn, dd = -c * sn + d * cs;
      a = aa * cs + cc * sn, b = bb * cs + dd * sn, c = -aa * sn + cc * cs, d = -bb * sn + dd * cs;
      temp = (a + d) / 2;
      a = d = temp;
      if (c != 0) {
        if (b != 0) {
          if (std::signbit(b) == std::signbit(c)) {  // real after all: one more rotation makes it triangular
            const double sab = std::sqrt(std::abs(b)), sac = std::sqrt(std::abs(c));
            p = std::copysign(sab * sac, c);
            tau = 1 / std::sqrt(std::abs(b + c));
            a = temp + p, d = temp - p;
            b -= c, c = 0;
            const double cs1 = sab * tau, sn1 = sac * tau;
            temp = cs * cs1 - sn * sn1;
            sn = cs * sn1 + sn * cs1;
            cs = temp;
          }
        } else {
          b = -c, c = 0;
          temp = cs, cs = -sn, sn = temp;
        }
      }
    }
  }
  rt1r = a, rt2r = d;
  if (c == 0) {
    rt1i = rt2i = 0;
  } else {
    rt1i = std::sqrt(std::abs(b)) * std::sqrt(std::abs(c));
    rt2i = -rt1i;
  }
}

// The two shifts of a Francis sweep on the block ending at i, as (s1r, s1i, s2r, s2i): the eigenvalues of the
// trailing 2x2, or of LAPACK's exceptional 2x2 every 10 sweeps without a deflation. A real pair becomes twice the
// one nearer h_ii.
void francis_shifts(const double* h, int64_t n, int64_t l, int64_t i, int64_t sweeps, double* shifts) {
  const auto at = [&](int64_t r, int64_t c) { return h[r * n + c]; };
  constexpr double dat1 = 0.75, dat2 = -0.4375;
  constexpr int64_t kexsh = 10;
  double h11, h12, h21, h22;
  if (sweeps % (2 * kexsh) == 0) {
    const double s = std::abs(at(i, i - 1)) + std::abs(at(i - 1, i - 2));
    h11 = dat1 * s + at(i, i), h12 = dat2 * s, h21 = s, h22 = h11;
  } else if (sweeps % kexsh == 0) {
    const double s = std::abs(at(l + 1, l)) + std::abs(at(l + 2, l + 1));
    h11 = dat1 * s + at(l, l), h12 = dat2 * s, h21 = s, h22 = h11;
  } else {
    h11 = at(i - 1, i - 1), h21 = at(i, i - 1), h12 = at(i - 1, i), h22 = at(i, i);
  }
  const double s = std::abs(h11) + std::abs(h12) + std::abs(h21) + std::abs(h22);
  if (s == 0) {
    std::fill(shifts, shifts + 4, 0.0);
    return;
  }
  h11 /= s, h21 /= s, h12 /= s, h22 /= s;
  const double tr = (h11 + h22) / 2, det = (h11 - tr) * (h22 - tr) - h12 * h21, rtdisc = std::sqrt(std::abs(det));
  if (det >= 0) {  // a complex conjugate pair
    shifts[0] = tr * s, shifts[1] = rtdisc * s, shifts[2] = shifts[0], shifts[3] = -shifts[1];
  } else {  // two real ones: use the one nearer h22 twice
    const double r1 = tr + rtdisc, r2 = tr - rtdisc;
    shifts[0] = shifts[2] = (std::abs(r1 - h22) <= std::abs(r2 - h22) ? r1 : r2) * s;
    shifts[1] = shifts[3] = 0;
  }
}

// One Francis double-shift sweep on the block [l, i]: finds the starting row m and the first column v of the
// double step there, then chases the bulge down with reflectors of order 3 (2 at the end), applied to columns
// up to n - 1, rows from 0 and the rows of w.
void francis_sweep(double* h, int64_t n, int64_t l, int64_t i, const double* shifts, double* w) {
  const auto at = [&](int64_t r, int64_t c) -> double& { return h[r * n + c]; };
  const double rt1r = shifts[0], rt1i = shifts[1], rt2r = shifts[2], rt2i = shifts[3];
  double v[3];
  int64_t m = i - 2;
  for (;; --m) {  // the scaled first column of (H - s1)(H - s2) at row m; m = l always qualifies
    double h21s = at(m + 1, m);
    double s = std::abs(at(m, m) - rt2r) + std::abs(rt2i) + std::abs(h21s);
    h21s = at(m + 1, m) / s;
    v[0] = h21s * at(m, m + 1) + (at(m, m) - rt1r) * ((at(m, m) - rt2r) / s) - rt1i * (rt2i / s);
    v[1] = h21s * (at(m, m) + at(m + 1, m + 1) - rt1r - rt2r);
    v[2] = h21s * at(m + 2, m + 1);
    s = std::abs(v[0]) + std::abs(v[1]) + std::abs(v[2]);
    v[0] /= s, v[1] /= s, v[2] /= s;
    if (m == l) break;
    const double h00 = std::abs(at(m, m - 1)) * (std::abs(v[1]) + std::abs(v[2]));
    const double h01 = std::abs(v[0]) * (std::abs(at(m - 1, m - 1)) + std::abs(at(m, m)) + std::abs(at(m + 1, m + 1)));
    if (h00 <= kUlp * h01) break;
  }
  for (int64_t k = m; k < i; ++k) {
    const int64_t nr = std::min<int64_t>(3, i - k + 1);
    if (k > m) {
      for (int64_t r = 0; r < nr; ++r) v[r] = at(k + r, k - 1);
    }
    const double t1 = make_reflector(v, 1, nr);
    if (k > m) {
      at(k, k - 1) = v[0];
      at(k + 1, k - 1) = 0;
      if (k < i - 1) at(k + 2, k - 1) = 0;
    } else if (m > l) {
      at(k, k - 1) *= 1 - t1;  // the reflector's sign flip, written so as to survive v underflowing
    }
    const double v2 = v[1], t2 = t1 * v2, v3 = nr == 3 ? v[2] : 0, t3 = t1 * v3;
    for (int64_t j = k; j < n; ++j) {  // G from the left on rows k..k + nr - 1
      const double sum = at(k, j) + v2 * at(k + 1, j) + (nr == 3 ? v3 * at(k + 2, j) : 0);
      at(k, j) -= sum * t1, at(k + 1, j) -= sum * t2;
      if (nr == 3) at(k + 2, j) -= sum * t3;
    }
    for (int64_t j = 0; j <= std::min(k + 3, i); ++j) {  // and from the right on columns k..k + nr - 1
      const double sum = at(j, k) + v2 * at(j, k + 1) + (nr == 3 ? v3 * at(j, k + 2) : 0);
      at(j, k) -= sum * t1, at(j, k + 1) -= sum * t2;
      if (nr == 3) at(j, k + 2) -= sum * t3;
    }
    double* z0 = w + k * n;
    double* z1 = z0 + n;
    double* z2 = nr == 3 ? z1 + n : nullptr;
    for (int64_t j = 0; j < n; ++j) {  // Z <- Z G: Z's columns k.. are w's rows k..
      const double sum = z0[j] + v2 * z1[j] + (nr == 3 ? v3 * z2[j] : 0);
      z0[j] -= sum * t1, z1[j] -= sum * t2;
      if (nr == 3) z2[j] -= sum * t3;
    }
  }
}

// Zeros below the subdiagonal of the block (rounding's and the caller's leftovers, as LAPACK clears them).
template <typename T>
void clear_below_subdiagonal(T* h, int64_t n, int64_t ilo, int64_t ihi) {
  for (int64_t j = ilo; j + 3 <= ihi; ++j) h[(j + 2) * n + j] = h[(j + 3) * n + j] = T(0);
  if (ilo <= ihi - 2) h[ihi * n + ihi - 2] = T(0);
}

}  // namespace

bool real_schur(double* h, int64_t n, int64_t ilo, int64_t ihi, double* w, double* wr, double* wi, double unit) {
  const auto at = [&](int64_t r, int64_t c) -> double& { return h[r * n + c]; };
  if (ilo > ihi) return true;
  if (ilo == ihi) {
    wr[ilo] = at(ilo, ilo), wi[ilo] = 0;
    return true;
  }
  clear_below_subdiagonal(h, n, ilo, ihi);
  const int64_t nh = ihi - ilo + 1, itmax = 30 * std::max<int64_t>(10, nh);
  const double smlnum = kSafmin * (static_cast<double>(nh) / kUlp);
  int64_t sweeps = 0;  // since the last deflation, for the exceptional shifts
  for (int64_t i = ihi; i >= ilo;) {
    int64_t l = ilo;
    bool converged = false;
    for (int64_t its = 0; its <= itmax; ++its) {
      l = lowest_split(h, n, l, i, ilo, ihi, smlnum);
      if (l > ilo) at(l, l - 1) = 0;
      if (l >= i - 1) {
        converged = true;
        break;
      }
      ++sweeps;
      double shifts[4];
      francis_shifts(h, n, l, i, sweeps, shifts);
      francis_sweep(h, n, l, i, shifts, w);
    }
    if (!converged) return false;
    if (l == i) {
      wr[i] = at(i, i), wi[i] = 0;
    } else {  // a 2x2 block: its standard form, the rotation applied to the rest of H and to Z
      double cs, sn;
      standardize_2x2(at(i - 1, i - 1), at(i - 1, i), at(i, i - 1), at(i, i), wr[i - 1], wi[i - 1], wr[i], wi[i], cs,
                      sn, unit);
      if (i + 1 < n) rotate_rows(&at(i - 1, i + 1), &at(i, i + 1), n - i - 1, cs, sn);
      for (int64_t r = 0; r + 1 < i; ++r) {
        const double x = at(r, i - 1), y = at(r, i);
        at(r, i - 1) = cs * x + sn * y, at(r, i) = cs * y - sn * x;
      }
      rotate_rows(w + (i - 1) * n, w + i * n, n, cs, sn);
    }
    sweeps = 0;
    i = l - 1;
  }
  return true;
}

namespace {

// The single shift of a complex sweep on the block [l, i]: Wilkinson's (the eigenvalue of the trailing 2x2
// nearer h_ii), or LAPACK's exceptional one every 10 sweeps without a deflation.
C complex_shift(const C* h, int64_t n, int64_t l, int64_t i, int64_t sweeps) {
  const auto at = [&](int64_t r, int64_t c) { return h[r * n + c]; };
  constexpr int64_t kexsh = 10;
  if (sweeps % (2 * kexsh) == 0) return 0.75 * std::abs(at(i, i - 1).real()) + at(i, i);
  if (sweeps % kexsh == 0) return 0.75 * std::abs(at(l + 1, l).real()) + at(l, l);
  C t = at(i, i);
  const C u = std::sqrt(at(i - 1, i)) * std::sqrt(at(i, i - 1));
  double s = cabs1(u);
  if (s != 0) {
    const C x = 0.5 * (at(i - 1, i - 1) - t);
    const double sx = cabs1(x);
    s = std::max(s, sx);
    C y = s * std::sqrt((x / s) * (x / s) + (u / s) * (u / s));
    if (sx > 0 && (x / sx).real() * y.real() + (x / sx).imag() * y.imag() < 0) y = -y;
    t -= u * (u / (x + y));
  }
  return t;
}

// Multiplies row r of h over columns [begin, end) by f.
void scale_row(C* h, int64_t n, int64_t r, int64_t begin, int64_t end, C f) {
  for (int64_t c = begin; c < end; ++c) h[r * n + c] *= f;
}

// Multiplies column c of h over rows [begin, end) by f.
void scale_column(C* h, int64_t n, int64_t c, int64_t begin, int64_t end, C f) {
  for (int64_t r = begin; r < end; ++r) h[r * n + c] *= f;
}

// One single-shift sweep on the block [l, i]: the starting row m (where h_{m,m-1} times the shifted column is
// negligible, or l), then 2x2 reflectors chasing the bulge down, each followed by the diagonal scaling that keeps
// the subdiagonal real.
void complex_sweep(C* h, int64_t n, int64_t l, int64_t i, C shift, C* w) {
  const auto at = [&](int64_t r, int64_t c) -> C& { return h[r * n + c]; };
  C v[2];
  int64_t m = i - 1;
  for (;; --m) {
    const C h11 = at(m, m), h22 = at(m + 1, m + 1);
    C h11s = h11 - shift;
    double h21 = at(m + 1, m).real();
    const double s = cabs1(h11s) + std::abs(h21);
    h11s /= s, h21 /= s;
    v[0] = h11s, v[1] = h21;
    if (m == l) break;
    const double h10 = at(m, m - 1).real();
    if (std::abs(h10) * std::abs(h21) <= kUlp * (cabs1(h11s) * (cabs1(h11) + cabs1(h22)))) break;
  }
  for (int64_t k = m; k < i; ++k) {
    if (k > m) v[0] = at(k, k - 1), v[1] = at(k + 1, k - 1);
    const C t1 = make_reflector(v, 1, 2);
    if (k > m) at(k, k - 1) = v[0], at(k + 1, k - 1) = 0;
    const C v2 = v[1];
    const double t2 = (t1 * v2).real();  // v2 is real before the reflector, so t1 v2 is too
    for (int64_t j = k; j < n; ++j) {
      const C sum = std::conj(t1) * at(k, j) + t2 * at(k + 1, j);
      at(k, j) -= sum, at(k + 1, j) -= sum * v2;
    }
    for (int64_t j = 0; j <= std::min(k + 2, i); ++j) {
      const C sum = t1 * at(j, k) + t2 * at(j, k + 1);
      at(j, k) -= sum, at(j, k + 1) -= sum * std::conj(v2);
    }
    for (int64_t j = 0; j < n; ++j) {
      C& z0 = w[k * n + j];
      C& z1 = w[(k + 1) * n + j];
      const C sum = t1 * z0 + t2 * z1;
      z0 -= sum, z1 -= sum * std::conj(v2);
    }
    if (k == m && m > l) {  // a start below l leaves h_{m,m-1} times a phase: scale it away
      C temp = 1.0 - t1;
      temp /= std::abs(temp);
      at(m + 1, m) *= std::conj(temp);
      if (m + 2 <= i) at(m + 2, m + 1) *= temp;
      for (int64_t j = m; j <= i; ++j) {
        if (j == m + 1) continue;
        scale_row(h, n, j, j + 1, n, temp);
        scale_column(h, n, j, 0, j, std::conj(temp));
        for (int64_t c = 0; c < n; ++c) w[j * n + c] *= std::conj(temp);
      }
    }
  }
  C temp = at(i, i - 1);  // keep h_{i,i-1} real
  if (temp.imag() != 0) {
    const double rtemp = std::abs(temp);
    at(i, i - 1) = rtemp;
    temp /= rtemp;
    scale_row(h, n, i, i + 1, n, std::conj(temp));
    scale_column(h, n, i, 0, i, temp);
    for (int64_t c = 0; c < n; ++c) w[i * n + c] *= temp;
  }
}

}  // namespace

bool complex_schur(C* h, int64_t n, int64_t ilo, int64_t ihi, C* w, C* ev) {
  if (ilo > ihi) return true;
  if (ilo == ihi) {
    ev[ilo] = h[ilo * n + ilo];
    return true;
  }
  clear_below_subdiagonal(h, n, ilo, ihi);
  const int64_t nh = ihi - ilo + 1, itmax = 30 * std::max<int64_t>(10, nh);
  const double smlnum = kSafmin * (static_cast<double>(nh) / kUlp);
  int64_t sweeps = 0;
  for (int64_t i = ihi; i >= ilo;) {
    int64_t l = ilo;
    bool converged = false;
    for (int64_t its = 0; its <= itmax; ++its) {
      l = lowest_split(h, n, l, i, ilo, ihi, smlnum);
      if (l > ilo) h[l * n + l - 1] = 0;
      if (l >= i) {
        converged = true;
        break;
      }
      ++sweeps;
      complex_sweep(h, n, l, i, complex_shift(h, n, l, i, sweeps), w);
    }
    if (!converged) return false;
    ev[i] = h[i * n + i];
    sweeps = 0;
    i = l - 1;
  }
  return true;
}

}  // namespace mytorch
