// The first steps of the general eigensolver (linalg/eig.cpp): balancing (LAPACK's gebal, job 'B'), its undoing
// on the eigenvectors (gebak), and the Householder reduction to upper Hessenberg form (gehd2).
//
// Balancing. A row whose entries off the diagonal are zero (within the rows and columns not yet set aside)
// isolates its diagonal entry as an eigenvalue: it is swapped, with the matching column, to the bottom of that
// range; a column whose entries off the diagonal are zero goes to its left end. What remains,
//     P^T A P = [[T1, X, Y], [0, B, Z], [0, 0, T2]],   T1 and T2 upper triangular, B = rows and columns ilo..ihi,
// leaves only B to the QR algorithm. B is then scaled by a diagonal D of powers of two (exact: only exponents
// change), D^{-1} B D, until each row and column i have 2-norms within a factor of two of each other (Parlett &
// Reinsch): the eigenvalues are unchanged, the norm and so the rounding errors of the iteration shrink. The
// searches and the scaling loop are LAPACK's (3.12's order of search), so that the eigenvalues split off in the
// same places and come out in the same order.
//
// Reduction. Step k (ilo <= k < ihi) reflects column k of B below its subdiagonal onto e_{k+1} with
// H_k = I - tau v v^H (linalg/householder.h), A <- H_k^H A H_k: H_k from the right on rows 0..ihi, from the left
// on columns k + 1.. . Then A = Q H Q^H, H upper Hessenberg with a real subdiagonal (each beta is real), and
// Q = H_ilo ... H_{ihi-1}; v stays in column k below the subdiagonal, as householder.h's form_q_transposed reads it.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "linalg/batch.h"
#include "linalg/householder.h"

namespace mytorch {

// What balancing did: the block [ilo, ihi] left to the iteration, the row and column swapped with each j
// outside it (in the order of the search), and D's diagonal (1 outside the block).
struct Balancing {
  int64_t ilo = 0, ihi = -1;
  std::vector<int64_t> swapped;
  std::vector<double> scale;
};

// Swaps columns i and j over rows [0, rows) and rows i and j over columns [first_column, n).
template <typename T>
void swap_row_and_column(T* a, int64_t n, int64_t i, int64_t j, int64_t rows, int64_t first_column) {
  for (int64_t r = 0; r < rows; ++r) std::swap(a[r * n + i], a[r * n + j]);
  for (int64_t c = first_column; c < n; ++c) std::swap(a[i * n + c], a[j * n + c]);
}

// Whether row (or, `column`, column) i of a has zeros off the diagonal within [first, last].
template <typename T>
bool isolated(const T* a, int64_t n, int64_t i, int64_t first, int64_t last, bool column) {
  for (int64_t j = first; j <= last; ++j) {
    if (j != i && (column ? a[j * n + i] : a[i * n + j]) != T(0)) return false;
  }
  return true;
}

// Balances the row-major n x n a in place (gebal, job 'B').
template <typename T>
Balancing balance(T* a, int64_t n) {
  using R = real_t<T>;
  Balancing b;
  b.swapped.resize(n);
  b.scale.assign(n, 1.0);
  std::iota(b.swapped.begin(), b.swapped.end(), 0);
  int64_t k = 0, l = n - 1;  // the rows and columns not set aside
  if (n == 0) return b;
  // rows isolating an eigenvalue go to the bottom; each pass goes on upwards after a swap, as LAPACK's
  for (bool found = true; found;) {
    found = false;
    for (int64_t i = l; i >= 0; --i) {
      if (!isolated(a, n, i, 0, l, false)) continue;
      b.swapped[l] = i;
      if (i != l) swap_row_and_column(a, n, i, l, l + 1, k);
      found = true;
      if (l == 0) {
        b.ilo = b.ihi = 0;
        return b;
      }
      --l;
    }
  }
  // columns isolating an eigenvalue go to the left; each pass goes on rightwards up to where it started
  for (bool found = true; found;) {
    found = false;
    for (int64_t j = k, last = l; j <= last; ++j) {
      if (!isolated(a, n, j, k, l, true)) continue;
      b.swapped[k] = j;
      if (j != k) swap_row_and_column(a, n, j, k, l + 1, k);
      found = true;
      ++k;
    }
  }
  b.ilo = k, b.ihi = l;
  // LAPACK's limits keep the products of scale factors away from overflow and underflow
  const R sfmin1 = std::numeric_limits<R>::min() / std::numeric_limits<R>::epsilon(), sfmax1 = 1 / sfmin1;
  const R sfmin2 = 2 * sfmin1, sfmax2 = 1 / sfmin2;
  for (bool changed = true; changed;) {
    changed = false;
    for (int64_t i = k; i <= l; ++i) {
      R c = 0, r = 0, ca = 0, ra = 0;  // the column's and row's 2-norms within the block, their largest |entry|
      for (int64_t j = k; j <= l; ++j) c += abs2(a[j * n + i]), r += abs2(a[i * n + j]);
      c = std::sqrt(c), r = std::sqrt(r);
      for (int64_t j = 0; j <= l; ++j) ca = std::max(ca, std::abs(a[j * n + i]));
      for (int64_t j = k; j < n; ++j) ra = std::max(ra, std::abs(a[i * n + j]));
      if (c == 0 || r == 0) continue;
      R g = r / 2, f = 1;
      const R s = c + r;
      while (c < g && std::max({f, c, ca}) < sfmax2 && std::min({r, g, ra}) > sfmin2) {
        f *= 2, c *= 2, ca *= 2, r /= 2, g /= 2, ra /= 2;
      }
      g = c / 2;
      while (g >= r && std::max(r, ra) < sfmax2 && std::min({f, c, g, ca}) > sfmin2) {
        f /= 2, c /= 2, g /= 2, ca /= 2, r *= 2, ra *= 2;
      }
      if (c + r >= R(0.95) * s) continue;  // not worth it: the norms are already close
      if (f < 1 && b.scale[i] < 1 && f * b.scale[i] <= sfmin1) continue;
      if (f > 1 && b.scale[i] > 1 && b.scale[i] >= sfmax1 / f) continue;
      b.scale[i] *= f;
      changed = true;
      for (int64_t j = k; j < n; ++j) a[i * n + j] /= f;
      for (int64_t j = 0; j <= l; ++j) a[j * n + i] *= f;
    }
  }
  return b;
}

// The eigenvectors of A from those of the balanced matrix (gebak): rows of v (n x cols, an eigenvector per
// column) scaled by D, then the swaps undone in reverse order.
template <typename T>
void unbalance(const Balancing& b, T* v, int64_t n, int64_t cols) {
  for (int64_t i = b.ilo; i <= b.ihi; ++i) {
    for (int64_t c = 0; c < cols; ++c) v[i * cols + c] *= b.scale[i];
  }
  for (int64_t step = 0; step < n; ++step) {
    if (step >= b.ilo && step <= b.ihi) continue;
    const int64_t i = step < b.ilo ? b.ilo - 1 - step : step, j = b.swapped[i];
    if (j != i) std::swap_ranges(v + i * cols, v + (i + 1) * cols, v + j * cols);
  }
}

// Reduces rows and columns ilo..ihi of the balanced a to upper Hessenberg form in place (gehd2); tau (n values)
// gets each reflector's tau, 0 outside [ilo, ihi). w: room for n values.
template <typename T>
void reduce_to_hessenberg(T* a, int64_t n, int64_t ilo, int64_t ihi, T* tau, std::vector<T>& w) {
  std::fill(tau, tau + n, T(0));
  for (int64_t k = ilo; k < ihi; ++k) {
    tau[k] = make_reflector(a + (k + 1) * n + k, n, ihi - k);
    if (tau[k] == T(0)) continue;
    for (int64_t r = 0; r <= ihi; ++r) {  // A <- A H: each row loses tau (row . v) v^H
      T* row = a + r * n;
      T s = row[k + 1];
      for (int64_t i = k + 2; i <= ihi; ++i) s += row[i] * a[i * n + k];
      s *= tau[k];
      row[k + 1] -= s;
      for (int64_t i = k + 2; i <= ihi; ++i) row[i] -= s * conjugate(a[i * n + k]);
    }
    reflect(a + n, n, ihi, k, conjugate(tau[k]), a + n, n, k + 1, n, w);  // A <- H^H A, v read a row down
  }
}

}  // namespace mytorch
