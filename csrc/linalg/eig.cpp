// The general eigendecomposition A V = V diag(w) of a real or complex square matrix, LAPACK's geev (right
// vectors) step by step, so that the eigenvalues come out in LAPACK's order and the vectors with its
// normalization:
//   1. balance A (gebal: isolated eigenvalues set aside, the rest scaled by powers of two; linalg/hessenberg.h);
//   2. reduce it to upper Hessenberg form H = Q^H A Q by Householder reflectors (gehd2), Z = Q;
//   3. the QR algorithm takes H to Schur form T = Z^H A Z (lahqr, linalg/schur.cpp): upper triangular for a
//      complex A, quasi-triangular (2x2 blocks for complex pairs) for a real one; the eigenvalues are read off
//      as it deflates them, from the bottom up;
//   4. the eigenvectors of T by back-substitution (trevc): for the eigenvalue w at position k, x_k = 1 and
//          (T_11 - w I) x_1 = -T_12 x_k   (T_11 the leading k x k block, 1x1 and 2x2 diagonal blocks in turn),
//      a complex pair's 2x2 block giving its pair of starting components; then v = Z x, balancing undone (gebak);
//   5. each v scaled to unit 2-norm, then turned by a phase so that its largest component is real (for real A,
//      a complex pair's: the real-A vectors are real up to their sign otherwise), as geev does.
// The conjugate eigenvalue of a pair (second, negative imaginary part) gets the conjugate vector.
//
// A diagonal pivot of T - w I smaller than smin = max(ulp |w|, smlnum) is taken as smin: a defective or repeated
// eigenvalue then still gets a finite vector (the limit of nearby matrices'); when the components grow, the
// vector is scaled down as it is solved (LAPACK's laln2 and trevc bounds) so that nothing overflows.
//
// A is first scaled by the power of two that brings its largest entry into [1, 2) (batch.h's scale_to_unit) and
// the eigenvalues scaled back; the one absolute test of the iteration (lanv2's, which decides the order of a
// close real pair) is scaled with it, so that the order stays LAPACK's (MKL's too) at every scale. Float32 and complex64 matrices are computed in double precision (batch.h's
// double_precision) and rounded once. A matrix holding inf or nan, or one whose QR iteration does not converge
// (not seen for finite input), raises RuntimeError with NumPy's words, as the NumPy backend's eig does.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <stdexcept>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"
#include "linalg/hessenberg.h"
#include "linalg/householder.h"
#include "linalg/rotation.h"
#include "linalg/schur.h"

namespace mytorch {
namespace {

using C = std::complex<double>;

constexpr double kUlp = std::numeric_limits<double>::epsilon();
constexpr double kSafmin = std::numeric_limits<double>::min();
constexpr double kBig = 1 / (2 * kSafmin);  // laln2's overflow threshold

// x with c x = s b for the size x size (1 or 2) row-major block c; returns the factor s <= 1 by which b had to
// shrink for x to stay finite (laln2, in complex arithmetic: Gaussian elimination with complete pivoting), pivots
// under smin taken as smin.
double solve_block(const C* c, int64_t size, const C* b, double smin, C* x) {
  double scale = 1;
  const auto shrink = [&](double bound, double pivot) {  // b's bound over the pivot's size would overflow
    if (pivot < 1 && bound > 1 && bound > kBig * pivot) scale = 1 / bound;
  };
  if (size == 1) {
    C d = c[0];
    if (cabs1(d) < smin) d = smin;
    shrink(cabs1(b[0]), cabs1(d));
    x[0] = (b[0] * scale) / d;
    return scale;
  }
  int64_t p = 0;  // the pivot: the largest entry, the first on ties in column order
  double cmax = 0;
  for (int64_t q : {0, 2, 1, 3}) {
    if (cabs1(c[q]) > cmax) cmax = cabs1(c[q]), p = q;
  }
  if (cmax < smin) {  // the whole block is negligible: smin I
    shrink(std::max(cabs1(b[0]), cabs1(b[1])), smin);
    x[0] = b[0] * (scale / smin), x[1] = b[1] * (scale / smin);
    return scale;
  }
  const int64_t r1 = p / 2, c1 = p % 2, r2 = 1 - r1, c2 = 1 - c1;
  const C u11 = c[p], l21 = c[r2 * 2 + c1] / u11, u12 = c[r1 * 2 + c2];
  C u22 = c[r2 * 2 + c2] - l21 * u12;
  if (cabs1(u22) < smin) u22 = smin;
  const C b1 = b[r1], b2 = b[r2] - l21 * b1;
  const double bound = std::max(cabs1(b1) * (cabs1(u22) * cabs1(1.0 / u11)), cabs1(b2));
  if (bound > 1 && cabs1(u22) < 1 && bound >= kBig * cabs1(u22)) scale = 1 / bound;
  const C x2 = (b2 * scale) / u22, x1 = (b1 * scale) / u11 - x2 * (u12 / u11);
  x[c1] = x1, x[c2] = x2;
  const double xnorm = std::max(cabs1(x1), cabs1(x2));
  if (xnorm > 1 && cmax > 1 && xnorm > kBig / cmax) {  // |c| |x| would overflow
    const double temp = cmax / kBig;
    x[0] *= temp, x[1] *= temp, scale *= temp;
  }
  return scale;
}

// Solves (T_11 - w I) x_1 = x_1 in place for rows 0..top of x (which hold the right-hand side -T_12 x_2, x_2 the
// components past top, already set), block by block from the bottom, scaling all of x[0 .. last] down whenever
// a solved block could make the updates overflow. cnorm_j = sum_{i<j} |t_ij| bounds that growth (trevc's test).
// tt is T transposed: each solved component updates the others along a column of T, a contiguous row of tt.
template <typename T>
void back_substitute(const T* tt, int64_t n, int64_t top, int64_t last, C w, double smin, const double* cnorm,
                     C* x) {
  const double bignum = (1 - kUlp) / (kSafmin * (static_cast<double>(n) / kUlp));
  for (int64_t j = top; j >= 0;) {
    const int64_t size = j > 0 && tt[(j - 1) * n + j] != T(0) ? 2 : 1, first = j - size + 1;
    C block[4], x_block[2];
    for (int64_t r = 0; r < size; ++r) {
      for (int64_t c = 0; c < size; ++c) block[r * size + c] = tt[(first + c) * n + first + r] - (r == c ? w : 0.0);
    }
    double scale = solve_block(block, size, x + first, smin, x_block);
    const double xnorm = size == 1 ? cabs1(x_block[0]) : std::max(cabs1(x_block[0]), cabs1(x_block[1]));
    const double growth = size == 1 ? cnorm[j] : std::max(cnorm[j - 1], cnorm[j]);
    if (xnorm > 1 && growth > bignum / xnorm) {
      for (int64_t r = 0; r < size; ++r) x_block[r] /= xnorm;
      scale /= xnorm;
    }
    if (scale != 1) {
      for (int64_t i = 0; i <= last; ++i) x[i] *= scale;
    }
    for (int64_t r = 0; r < size; ++r) {
      x[first + r] = x_block[r];
      const T* column = tt + (first + r) * n;
      for (int64_t i = 0; i < first; ++i) x[i] -= column[i] * x_block[r];
    }
    j = first - 1;
  }
}

// Column j of the row-major n x n v <- Z x, Z's columns the rows of w: x_0 w_0 + ... + x_last w_last.
template <typename T>
void back_transform(const T* w, int64_t n, int64_t last, const C* x, C* v, int64_t j, std::vector<C>& sum) {
  std::fill(sum.begin(), sum.end(), C(0));
  for (int64_t k = 0; k <= last; ++k) {
    const C xk = x[k];
    const T* row = w + k * n;
    for (int64_t i = 0; i < n; ++i) sum[i] += xk * row[i];
  }
  for (int64_t i = 0; i < n; ++i) v[i * n + j] = sum[i];
}

// The eigenvectors of the (quasi-)triangular t (trevc, right vectors, back-transformed by Z = w^T) into the
// columns of v; ev: the eigenvalues (a real t's complex pair: the first with the positive imaginary part).
template <typename T>
void schur_vectors(const T* t, const T* w, int64_t n, const C* ev, C* v) {
  std::vector<double> cnorm(n, 0.0);
  std::vector<T> tt(n * n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) tt[j * n + i] = t[i * n + j];
  }
  for (int64_t j = 1; j < n; ++j) {
    for (int64_t i = 0; i < j; ++i) cnorm[j] += std::abs(tt[j * n + i]);
  }
  const double smlnum = kSafmin * (static_cast<double>(n) / kUlp);
  std::vector<C> x(n), sum(n);
  for (int64_t ki = n - 1; ki >= 0; --ki) {
    const bool pair = ki > 0 && t[ki * n + ki - 1] != T(0);  // only for a real t
    const int64_t col = pair ? ki - 1 : ki, top = pair ? ki - 2 : ki - 1;
    const C w_ki = ev[col];
    std::fill(x.begin(), x.end(), C(0));
    if (pair) {  // the 2x2 block's vector for its eigenvalue a + i wi: (1, i wi / b), or (-wi / c, i) when |b| < |c|
      const double b = std::real(t[(ki - 1) * n + ki]), c = std::real(t[ki * n + ki - 1]), wi = w_ki.imag();
      if (std::abs(b) >= std::abs(c)) {
        x[ki - 1] = 1, x[ki] = C(0, wi / b);
      } else {
        x[ki - 1] = -wi / c, x[ki] = C(0, 1);
      }
    } else {
      x[ki] = 1;
    }
    for (int64_t k = 0; k <= top; ++k) {
      x[k] = -(t[k * n + ki] * x[ki]);
      if (pair) x[k] -= t[k * n + ki - 1] * x[ki - 1];
    }
    back_substitute(tt.data(), n, top, ki, w_ki, std::max(kUlp * cabs1(w_ki), smlnum), cnorm.data(), x.data());
    back_transform(w, n, ki, x.data(), v, col, sum);
    if (pair) {
      for (int64_t i = 0; i < n; ++i) v[i * n + ki] = std::conj(v[i * n + col]);
      --ki;
    }
  }
}

// Column j of v scaled to unit 2-norm and turned so that its largest component (the first such) is real: for a
// complex A by the phase that makes it positive, for a real A's complex pair by LAPACK's rotation (lartg), which
// leaves it with its real part's sign.
void normalize_column(C* v, int64_t n, int64_t j, bool real_input) {
  double norm = 0;
  for (int64_t i = 0; i < n; ++i) norm = std::hypot(norm, std::abs(v[i * n + j]));
  int64_t largest = 0;
  double size = -1;
  for (int64_t i = 0; i < n; ++i) {
    v[i * n + j] /= norm;
    if (std::norm(v[i * n + j]) > size) size = std::norm(v[i * n + j]), largest = i;
  }
  const C top = v[largest * n + j];
  C turn;
  if (real_input) {
    double c, s, r;
    plane_rotation(top.real(), top.imag(), c, s, r);
    turn = C(c, -s);
  } else {
    turn = std::conj(top) / std::sqrt(size);
  }
  for (int64_t i = 0; i < n; ++i) v[i * n + j] *= turn;
  v[largest * n + j].imag(0);
}

// What went wrong with a matrix, for the error raised after the batch.
enum class Failure { kNone, kNotFinite, kNotConverged };

template <typename T>
Failure eig_matrix(T* a, int64_t n, C* values, C* v) {
  if (n == 0) return Failure::kNone;
  const std::optional<int> exponent = scale_to_unit(a, n * n);
  if (!exponent) return Failure::kNotFinite;
  // geev iterates on A itself, or on A scaled to a largest entry of smlnum = sqrt(safmin) / ulp (bignum = 1 /
  // smlnum) when A's is below (above): a 1 there is scaled_largest / that largest here
  double scaled_largest = 0;
  for (int64_t i = 0; i < n * n; ++i) scaled_largest = std::max(scaled_largest, double(std::abs(a[i])));
  const double smlnum = std::sqrt(std::numeric_limits<double>::min()) / std::numeric_limits<double>::epsilon();
  const double geev_largest = std::clamp(std::ldexp(scaled_largest, *exponent), smlnum, 1 / smlnum);
  const double unit = scaled_largest == 0 ? 1.0 : scaled_largest / geev_largest;
  const Balancing balancing = balance(a, n);
  std::vector<T> tau(n), work(n), q(n * n), w(n * n);
  reduce_to_hessenberg(a, n, balancing.ilo, balancing.ihi, tau.data(), work);
  form_q_transposed(a, n, tau.data(), w.data(), q, work);
  for (int64_t i = 2; i < n; ++i) std::fill(a + i * n, a + i * n + i - 1, T(0));  // the reflectors' v
  for (int64_t i = 0; i < n; ++i) values[i] = a[i * n + i];  // the isolated eigenvalues; the iteration sets the rest
  if constexpr (is_complex_v<T>) {
    if (!complex_schur(a, n, balancing.ilo, balancing.ihi, w.data(), values)) return Failure::kNotConverged;
  } else {
    std::vector<double> wr(n), wi(n, 0.0);
    for (int64_t i = 0; i < n; ++i) wr[i] = a[i * n + i];
    if (!real_schur(a, n, balancing.ilo, balancing.ihi, w.data(), wr.data(), wi.data(), unit)) {
      return Failure::kNotConverged;
    }
    for (int64_t i = 0; i < n; ++i) values[i] = C(wr[i], wi[i]);
  }
  schur_vectors(a, w.data(), n, values, v);
  unbalance(balancing, v, n, n);
  for (int64_t j = 0; j < n; ++j) {
    if (!is_complex_v<T> && values[j].imag() < 0) continue;  // the conjugate of the column before
    normalize_column(v, n, j, !is_complex_v<T>);
    if (!is_complex_v<T> && values[j].imag() > 0) {
      for (int64_t i = 0; i < n; ++i) v[i * n + j + 1] = std::conj(v[i * n + j]);
    }
  }
  for (int64_t i = 0; i < n; ++i) values[i] = {std::ldexp(values[i].real(), *exponent), std::ldexp(values[i].imag(), *exponent)};
  return Failure::kNone;
}

}  // namespace

std::tuple<Array, Array> eig(const Array& a) {
  const DType complex_dtype = a.dtype() == DType::Float32 || a.dtype() == DType::Complex64 ? DType::Complex64
                                                                                            : DType::Complex128;
  if (double_precision(a.dtype()) != a.dtype()) {
    const auto [values, vectors] = eig(cast(a, double_precision(a.dtype())));
    return {cast(values, complex_dtype), cast(vectors, complex_dtype)};
  }
  const int64_t n = a.shape()[a.ndim() - 1], count = batch_count(a.shape());
  Array work = contiguous_copy(a);
  Array vectors(a.shape(), complex_dtype);
  Array values(Shape(a.shape().begin(), a.shape().end() - 1), complex_dtype);
  std::vector<Failure> failures(count, Failure::kNone);
  double_dispatch(a, "eig", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(count, 20 * n * n * n, [&](int64_t b) {
      failures[b] = eig_matrix(work.data<T>() + b * n * n, n, values.data<C>() + b * n, vectors.data<C>() + b * n * n);
    });
  });
  for (const Failure failure : failures) {  // LAPACK's error through NumPy, in the NumPy backend's words
    if (failure == Failure::kNotFinite) throw std::runtime_error("eig: Array must not contain infs or NaNs");
    if (failure == Failure::kNotConverged) throw std::runtime_error("eig: Eigenvalues did not converge");
  }
  return {values, vectors};
}

}  // namespace mytorch
