// The symmetric (complex: Hermitian) eigendecomposition A = V diag(w) V^H, w ascending: Householder reduction
// to a real tridiagonal T (LAPACK's sytd2 / hetd2), then implicit QL and QR sweeps with Wilkinson's shift on T
// (steqr), their rotations accumulated into the eigenvectors. The steps follow LAPACK's choices (the reduction's
// direction, the rotations' signs, the 2x2 blocks solved directly), so that, rounding aside, the eigenvectors
// come out with LAPACK's signs and phases, as PyTorch's do (measured against NumPy's syevd, which runs steqr up
// to order 25: the same vectors for each of 1,320 random matrices of order 1-11, both triangles, real and
// complex, and 1,000 random tridiagonal ones).
//
// Reduction. Step k reflects column k below the diagonal onto e_{k+1} with H_k = I - tau v v^H
// (linalg/householder.h), so that A <- H_k^H A H_k is zero in column and row k past the subdiagonal, which
// becomes the real beta. With p = tau A v the two-sided update is the Hermitian rank-2 update
//     A <- A - v x^H - x v^H,    x = p - (conj(tau) v^H p / 2) v      (v^H p = tau v^H A v: the factor is real),
// applied to the trailing block (both triangles, along contiguous rows). Q = H_0 H_1 ... H_{n-2} is
// accumulated backwards as in the QR factorization, and A = Q T Q^H with T real even for a complex A. From
// the upper triangle LAPACK reduces the last column first: the same steps on A with rows and columns reversed.
//
// Iteration. On an unreduced block of T (no negligible subdiagonal inside), a QL sweep shifts by mu, the
// eigenvalue of the block's leading 2x2 nearer its first diagonal entry (Wilkinson's shift: that entry's
// subdiagonal converges to zero, cubically in practice), and applies the implicit QL step of T - mu I: plane
// rotations (i, i + 1) from the block's end up to its start, T <- R T R^T, that chase a bulge upwards and keep
// T tridiagonal (Golub & Van Loan 8.3; the recurrences of Bowdler, Martin, Reinsch and Wilkinson's tql2 update
// d and e without forming the bulge). The QR sweep is its mirror image, for a block whose last diagonal entry
// is the smaller in magnitude. Each rotation also combines two eigenvector columns, V <- V R^T; V is kept
// transposed (W = V^T, an eigenvector per contiguous row) while they run.
//
// A is first scaled by the power of two that brings its largest entry into [1, 2) (batch.h's scale_to_unit),
// so that no square overflows or underflows; the eigenvalues are scaled back. Float32 and complex64 matrices
// are computed in double precision (batch.h's double_precision) and rounded once. A matrix holding inf or nan,
// or one whose iteration does not converge within 30 n sweeps (not seen for finite input), gets nan
// eigenvalues and eigenvectors.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"
#include "linalg/householder.h"
#include "linalg/rotation.h"

namespace mytorch {
namespace {

// a made Hermitian from the triangle that is read (the diagonal's imaginary parts dropped).
template <typename T>
void symmetrize(T* a, int64_t n, bool upper) {
  for (int64_t i = 0; i < n; ++i) {
    a[i * n + i] = std::real(a[i * n + i]);
    for (int64_t j = 0; j < i; ++j) {
      T& below = a[i * n + j];
      T& above = a[j * n + i];
      if (upper) {
        below = conjugate(above);
      } else {
        above = conjugate(below);
      }
    }
  }
}

// Reduces the Hermitian a to the tridiagonal (d, e) (d_i = T_ii, e_i = T_{i+1,i}); the reflectors' v stay in
// a's columns below the subdiagonal, their tau in tau.
template <typename T>
void tridiagonalize(T* a, int64_t n, real_t<T>* d, real_t<T>* e, T* tau, std::vector<T>& v, std::vector<T>& x) {
  for (int64_t k = 0; k + 1 < n; ++k) {
    const int64_t len = n - k - 1;  // the trailing block: rows and columns k + 1 ..
    T* block = a + (k + 1) * n + (k + 1);
    tau[k] = make_reflector(a + (k + 1) * n + k, n, len);
    e[k] = std::real(a[(k + 1) * n + k]);
    d[k] = std::real(a[k * n + k]);
    if (tau[k] == T(0)) continue;
    v[0] = T(1);
    for (int64_t i = 1; i < len; ++i) v[i] = a[(k + 1 + i) * n + k];
    T vp = 0;  // v^H p
    for (int64_t i = 0; i < len; ++i) {
      T s = 0;
      for (int64_t j = 0; j < len; ++j) s += block[i * n + j] * v[j];
      x[i] = tau[k] * s;
      vp += conjugate(v[i]) * x[i];
    }
    const real_t<T> half = std::real(conjugate(tau[k]) * vp) / 2;
    for (int64_t i = 0; i < len; ++i) x[i] -= half * v[i];
    for (int64_t i = 0; i < len; ++i) {
      const T vi = v[i], xi = x[i];
      T* row = block + i * n;
      for (int64_t j = 0; j < len; ++j) row[j] -= vi * conjugate(x[j]) + xi * conjugate(v[j]);
    }
  }
  d[n - 1] = std::real(a[(n - 1) * n + (n - 1)]);
}

// The symmetric 2x2 [[a, b], [b, c]]: rt1 its eigenvalue of larger magnitude, rt2 the other, (cs, sn) rt1's
// unit eigenvector (laev2's sign). rt2 = det / rt1 avoids the cancellation of (a + c - rt) / 2.
template <typename R>
void eigen_2x2(R a, R b, R c, R& rt1, R& rt2, R& cs, R& sn) {
  const R sum = a + c, diff = a - c, twice_b = 2 * b;
  const R rt = std::hypot(diff, twice_b);
  const R larger = std::abs(a) > std::abs(c) ? a : c, smaller = std::abs(a) > std::abs(c) ? c : a;
  const R sign1 = sum < 0 ? -1 : 1;
  if (sum == 0) {
    rt1 = rt / 2, rt2 = -rt / 2;
  } else {
    rt1 = (sum + sign1 * rt) / 2;
    rt2 = (larger / rt1) * smaller - (b / rt1) * b;
  }
  const R sign2 = diff >= 0 ? 1 : -1;
  const R t = diff + sign2 * rt;  // (t, -2b) is parallel to the eigenvector of the other eigenvalue's sign
  if (std::abs(t) > std::abs(twice_b)) {
    const R ct = -twice_b / t;
    sn = 1 / std::sqrt(1 + ct * ct), cs = ct * sn;
  } else if (twice_b == 0) {
    cs = 1, sn = 0;
  } else {
    const R tn = -t / twice_b;
    cs = 1 / std::sqrt(1 + tn * tn), sn = tn * cs;
  }
  if (sign1 == sign2) {
    const R swap = cs;
    cs = -sn, sn = swap;
  }
}

// One implicit QL sweep on the unreduced block [l, m] of (d, e), shifted by the eigenvalue of its leading 2x2
// nearer d_l: rotations (i, i + 1) for i = m - 1 down to l chase the bulge upwards, each also applied to rows
// i, i + 1 of w (length n). The recurrences update d and e without forming the bulge.
template <typename T, typename R>
void ql_sweep(R* d, R* e, int64_t l, int64_t m, T* w, int64_t n) {
  R g = (d[l + 1] - d[l]) / (2 * e[l]);
  R r = std::hypot(g, R(1));
  g = d[m] - d[l] + e[l] / (g + std::copysign(r, g));
  R s = 1, c = 1, p = 0;
  for (int64_t i = m - 1; i >= l; --i) {
    const R f = s * e[i], b = c * e[i];
    plane_rotation(g, f, c, s, r);
    if (i != m - 1) e[i + 1] = r;
    g = d[i + 1] - p;
    r = (d[i] - g) * s + 2 * c * b;
    p = s * r;
    d[i + 1] = g + p;
    g = c * r - b;
    rotate_rows(w + i * n, w + (i + 1) * n, n, c, -s);
  }
  d[l] -= p;
  e[l] = g;
}

// The mirror image: one implicit QR sweep on the unreduced block [m, l] (m < l), shifted by the eigenvalue of
// its trailing 2x2 nearer d_l, rotations (i, i + 1) for i = m up to l - 1 chasing the bulge downwards.
template <typename T, typename R>
void qr_sweep(R* d, R* e, int64_t l, int64_t m, T* w, int64_t n) {
  R g = (d[l - 1] - d[l]) / (2 * e[l - 1]);
  R r = std::hypot(g, R(1));
  g = d[m] - d[l] + e[l - 1] / (g + std::copysign(r, g));
  R s = 1, c = 1, p = 0;
  for (int64_t i = m; i < l; ++i) {
    const R f = s * e[i], b = c * e[i];
    plane_rotation(g, f, c, s, r);
    if (i != m) e[i - 1] = r;
    g = d[i] - p;
    r = (d[i + 1] - g) * s + 2 * c * b;
    p = s * r;
    d[i] = g + p;
    g = c * r - b;
    rotate_rows(w + i * n, w + (i + 1) * n, n, c, s);
  }
  d[l] -= p;
  e[l - 1] = g;
}

// Solves the 2x2 block (k, k + 1) of (d, e) directly, its eigenvector rotation applied to rows k, k + 1 of w.
template <typename T, typename R>
void solve_2x2(R* d, R* e, int64_t k, T* w, int64_t n) {
  R rt1, rt2, c, s;
  eigen_2x2(d[k], e[k], d[k + 1], rt1, rt2, c, s);
  rotate_rows(w + k * n, w + (k + 1) * n, n, c, s);
  d[k] = rt1, d[k + 1] = rt2, e[k] = 0;
}

// Diagonalizes (d, e), rotating w's rows along, as LAPACK's steqr does (so that, rounding aside, the
// eigenvectors come out with LAPACK's signs): the matrix splits into unreduced blocks at negligible e_i, and
// each block is iterated from the end with the smaller |d| (QL when that is the top, QR when the bottom), its
// eigenvalues deflating at that end one by one, or two by two through `solve_2x2`. False if it has not
// converged within 30 n sweeps.
template <typename T, typename R>
bool diagonalize(R* d, R* e, int64_t n, T* w) {
  // LAPACK's eps is the unit roundoff, half of C++'s epsilon (the gap between 1 and the next number)
  const R eps = std::numeric_limits<R>::epsilon() / 2, tiny = std::numeric_limits<R>::min();
  const auto negligible = [&](int64_t i) {  // e_i beside d_i and d_i+1
    return e[i] * e[i] <= eps * eps * std::abs(d[i]) * std::abs(d[i + 1]) + tiny;
  };
  int64_t budget = 30 * n;
  for (int64_t start = 0; start < n;) {
    int64_t end = start;
    while (end + 1 < n && std::abs(e[end]) > std::sqrt(std::abs(d[end])) * std::sqrt(std::abs(d[end + 1])) * eps) ++end;
    if (end + 1 < n) e[end] = 0;
    int64_t l = start, last = end;  // the block [start, end], worked from l towards last
    start = end + 1;
    if (std::abs(d[last]) < std::abs(d[l])) std::swap(l, last);
    if (l < last) {
      while (l <= last) {
        int64_t m = l;
        while (m < last && !negligible(m)) ++m;
        if (m < last) e[m] = 0;
        if (m == l) {
          ++l;
        } else if (m == l + 1) {
          solve_2x2(d, e, l, w, n);
          l += 2;
        } else {
          if (budget-- == 0) return false;
          ql_sweep(d, e, l, m, w, n);
        }
      }
    } else {
      while (l >= last) {
        int64_t m = l;
        while (m > last && !negligible(m - 1)) --m;
        if (m > last) e[m - 1] = 0;
        if (m == l) {
          --l;
        } else if (m == l - 1) {
          solve_2x2(d, e, m, w, n);
          l -= 2;
        } else {
          if (budget-- == 0) return false;
          qr_sweep(d, e, l, m, w, n);
        }
      }
    }
  }
  return true;
}

template <typename T>
void eigh_matrix(T* a, int64_t n, bool upper, real_t<T>* eigenvalues, T* vectors) {
  using R = real_t<T>;
  if (n == 0) return;
  symmetrize(a, n, upper);
  if (upper) std::reverse(a, a + n * n);  // LAPACK reduces an upper triangle from its last column: A reversed
  const std::optional<int> exponent = scale_to_unit(a, n * n);
  std::vector<R> d(n), e(n);
  std::vector<T> tau(n), v(n), x(n), q(n * n), w(n * n);
  bool converged = false;
  if (exponent) {
    tridiagonalize(a, n, d.data(), e.data(), tau.data(), v, x);
    form_q_transposed(a, n, tau.data(), w.data(), q, x);
    if (upper) {  // back to A's order: T and Q^T reversed along both axes
      std::reverse(d.begin(), d.end());
      std::reverse(e.begin(), e.end() - 1);
      std::reverse(w.begin(), w.end());
    }
    converged = diagonalize(d.data(), e.data(), n, w.data());
  }
  if (!converged) {
    fill_nan(eigenvalues, n);
    fill_nan(vectors, n * n);
    return;
  }
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return d[i] < d[j]; });
  for (int64_t j = 0; j < n; ++j) {
    eigenvalues[j] = std::ldexp(d[order[j]], *exponent);
    const T* vector = w.data() + order[j] * n;
    for (int64_t i = 0; i < n; ++i) vectors[i * n + j] = vector[i];
  }
}

}  // namespace

std::tuple<Array, Array> eigh(const Array& a, bool upper) {
  if (double_precision(a.dtype()) != a.dtype()) {
    const auto [w, v] = eigh(cast(a, double_precision(a.dtype())), upper);
    return {cast(w, real_dtype(a.dtype())), cast(v, a.dtype())};
  }
  const int64_t n = a.shape()[a.ndim() - 1];
  Array work = contiguous_copy(a);
  Array vectors(a.shape(), a.dtype());
  Array eigenvalues(Shape(a.shape().begin(), a.shape().end() - 1), real_dtype(a.dtype()));
  double_dispatch(a, "eigh", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(a.shape()), 10 * n * n * n, [&](int64_t b) {
      eigh_matrix(work.data<T>() + b * n * n, n, upper, eigenvalues.data<real_t<T>>() + b * n,
                  vectors.data<T>() + b * n * n);
    });
  });
  return {eigenvalues, vectors};
}

}  // namespace mytorch
