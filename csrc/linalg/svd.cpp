// The singular value decomposition A = U diag(S) V^H by one-sided Jacobi rotations (Hestenes' method, LAPACK's
// gesvj in its plainest form), S descending.
//
// For a tall B (m >= n rows: B = A, or A^H for a wide A) the method makes B's columns orthogonal by plane
// rotations from the right, B <- B J, J accumulated into V. For the pair of columns (b_i, b_j) with
// alpha = |b_i|^2, beta = |b_j|^2 and gamma = b_i^H b_j = |gamma| e^{i phi}, the column b_j e^{-i phi} has a
// real inner product |gamma| with b_i, and the real rotation
//     b_i <- c b_i - s e^{-i phi} b_j,   b_j <- s b_i + c e^{-i phi} b_j,
//     zeta = (beta - alpha) / (2 |gamma|),  t = s / c = sign(zeta) / (|zeta| + sqrt(1 + zeta^2)),
// (the smaller root of t^2 + 2 zeta t - 1 = 0, so |t| <= 1) makes them orthogonal: it diagonalizes the Gram
// matrix [[alpha, |gamma|], [|gamma|, beta]] of the pair, as the symmetric Jacobi method does. Sweeps over
// all pairs repeat until no pair has |gamma| > sqrt(m) eps sqrt(alpha beta) (quadratic convergence at the
// end). Then B V = U diag(S) with S_j = |b_j| and U's columns b_j / S_j. The test is relative to each
// pair's own norms, so even tiny singular values come out to high relative accuracy and their vectors
// orthonormal; only a column that is exactly zero has no direction, and that column of U, like those past
// min(m, n) with full_matrices, is completed to an orthonormal basis from the Householder QR of the others.
//
// Float32 and complex64 matrices are computed in double precision (batch.h's double_precision) and rounded once.
// B is kept transposed (one column per contiguous row), and so is V, so that every rotation and inner product
// runs along contiguous memory. As in the eigensolver, B is first scaled by the power of two that brings its
// largest entry into [1, 2) (batch.h's scale_to_unit: no square in the sums overflows); S is scaled back. A
// matrix with inf or nan gets nan everywhere.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"
#include "linalg/householder.h"

namespace mytorch {
namespace {

// Rotates the rows x, y of length len: x <- c x - s conj(phase) y, y <- s x + c conj(phase) y.
template <typename T, typename R>
void rotate_pair(T* x, T* y, int64_t len, R c, R s, T phase) {
  const T turned = conjugate(phase);
  for (int64_t i = 0; i < len; ++i) {
    const T xi = x[i], yi = turned * y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

// gamma / |gamma|, a unit complex number (the sign for a real gamma). Once a rank deficiency has shrunk two
// columns to rounding noise, their inner product gamma is subnormal, and dividing it by its own modulus would
// leave |phase| off 1 by a subnormal's coarse relative spacing (up to 1e-4 measured), so that the rotation is no
// longer unitary and U loses orthonormality: gamma's parts are first scaled by a power of two (exactly).
template <typename T>
T unit_phase(T gamma) {
  if constexpr (is_complex_v<T>) {
    const int e = std::ilogb(std::max(std::abs(gamma.real()), std::abs(gamma.imag())));
    const T scaled(std::ldexp(gamma.real(), -e), std::ldexp(gamma.imag(), -e));
    return scaled / std::abs(scaled);
  } else {
    return gamma < 0 ? T(-1) : T(1);
  }
}

// Orthogonalizes the rows of g (count rows of length len) by Jacobi sweeps, applying each rotation to the
// rows of vt (count rows of length count) too when vt is not null.
template <typename T>
void orthogonalize(T* g, int64_t count, int64_t len, T* vt) {
  using R = real_t<T>;
  const R tol = std::sqrt(R(len)) * std::numeric_limits<R>::epsilon();
  for (int sweep = 0; sweep < 60; ++sweep) {
    bool rotated = false;
    for (int64_t i = 0; i + 1 < count; ++i) {
      for (int64_t j = i + 1; j < count; ++j) {
        T* x = g + i * len;
        T* y = g + j * len;
        R alpha = 0, beta = 0;
        T gamma = 0;
        for (int64_t t = 0; t < len; ++t) {
          alpha += abs2(x[t]);
          beta += abs2(y[t]);
          gamma += conjugate(x[t]) * y[t];
        }
        const R size = std::abs(gamma);
        if (!(size > tol * std::sqrt(alpha) * std::sqrt(beta))) continue;
        rotated = true;
        const R zeta = (beta - alpha) / (2 * size);
        const R t = std::copysign(R(1), zeta) / (std::abs(zeta) + std::hypot(R(1), zeta));
        const R c = 1 / std::hypot(R(1), t), s = c * t;
        const T phase = unit_phase(gamma);
        rotate_pair(x, y, len, c, s, phase);
        if (vt) rotate_pair(vt + i * count, vt + j * count, count, c, s, phase);
      }
    }
    if (!rotated) return;
  }
}

// Fills the rows of `rows` (count x len) that are not `filled` with unit vectors orthogonal to each other and
// to the filled ones (orthonormal already): the trailing columns of the complete Q of the Householder QR of
// the matrix whose columns are the filled rows.
template <typename T>
void complete_orthonormal(T* rows, int64_t count, int64_t len, const std::vector<char>& filled) {
  std::vector<int64_t> have, missing;
  for (int64_t r = 0; r < count; ++r) (filled[r] ? have : missing).push_back(r);
  if (missing.empty()) return;
  const int64_t f = static_cast<int64_t>(have.size()), need = static_cast<int64_t>(missing.size());
  std::vector<T> b(len * f), tau(f), basis(len * need, T(0)), w(std::max(f, need));
  for (int64_t c = 0; c < f; ++c) {
    for (int64_t i = 0; i < len; ++i) b[i * f + c] = rows[have[c] * len + i];
  }
  householder_qr(b.data(), len, f, tau.data(), w);
  for (int64_t c = 0; c < need; ++c) basis[(f + c) * need + c] = T(1);  // columns f .. of the identity
  for (int64_t j = f; j-- > 0;) {
    if (tau[j] != T(0)) reflect(b.data(), f, len, j, tau[j], basis.data(), need, 0, need, w);
  }
  for (int64_t c = 0; c < need; ++c) {
    for (int64_t i = 0; i < len; ++i) rows[missing[c] * len + i] = basis[i * need + c];
  }
}

// The rows of src (rows x cols) written as the columns of dst (cols x rows), conjugated or not.
template <typename T>
void transpose(const T* src, int64_t rows, int64_t cols, T* dst, bool conj) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = conj ? conjugate(src[r * cols + c]) : src[r * cols + c];
  }
}

// The SVD of one m x n matrix a (row-major, overwritten). u (m x u_cols) and vh (vh_rows x n) are null
// without compute_uv.
template <typename T>
void svd_matrix(T* a, int64_t m, int64_t n, real_t<T>* s, T* u, int64_t u_cols, T* vh, int64_t vh_rows) {
  using R = real_t<T>;
  const bool tall = m >= n;
  const int64_t len = tall ? m : n, count = tall ? n : m;  // B = A or A^H is len x count, len >= count
  std::vector<T> g(len * count);  // B^T: B's columns as rows
  if (tall) {
    transpose(a, m, n, g.data(), false);
  } else {
    for (int64_t i = 0; i < m * n; ++i) g[i] = conjugate(a[i]);  // the rows of A^H's transpose: conj(A)
  }
  const std::optional<int> exponent = scale_to_unit(g.data(), len * count);
  if (!exponent) {
    fill_nan(s, count);
    if (u) fill_nan(u, m * u_cols);
    if (vh) fill_nan(vh, vh_rows * n);
    return;
  }
  std::vector<T> vt;
  if (u) {
    vt.assign(count * count, T(0));
    for (int64_t i = 0; i < count; ++i) vt[i * count + i] = T(1);
  }
  orthogonalize(g.data(), count, len, u ? vt.data() : nullptr);

  std::vector<R> norm(count);
  for (int64_t j = 0; j < count; ++j) {
    R sum = 0;
    for (int64_t t = 0; t < len; ++t) sum += abs2(g[j * len + t]);
    norm[j] = std::sqrt(sum);
  }
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return norm[i] > norm[j]; });
  for (int64_t j = 0; j < count; ++j) s[j] = std::ldexp(norm[order[j]], *exponent);
  if (!u) return;

  // B's left singular vectors (q of them, len long) and right ones (count, count long), one per row, sorted
  const int64_t q = tall ? u_cols : vh_rows;
  std::vector<T> left(q * len, T(0)), right(count * count);
  std::vector<char> filled(q, 0);
  for (int64_t j = 0; j < count; ++j) {
    std::copy_n(vt.data() + order[j] * count, count, right.data() + j * count);
    if (norm[order[j]] == 0) continue;
    for (int64_t t = 0; t < len; ++t) left[j * len + t] = g[order[j] * len + t] / norm[order[j]];
    filled[j] = 1;
  }
  complete_orthonormal(left.data(), q, len, filled);
  // B = L S R^H: A = L S R^H when tall, else A = B^H = R S L^H
  const T* u_rows = tall ? left.data() : right.data();
  const T* v_rows = tall ? right.data() : left.data();
  transpose(u_rows, u_cols, m, u, false);
  for (int64_t i = 0; i < vh_rows * n; ++i) vh[i] = conjugate(v_rows[i]);
}

}  // namespace

std::tuple<std::optional<Array>, Array, std::optional<Array>> svd(const Array& a, bool full_matrices,
                                                                  bool compute_uv) {
  if (double_precision(a.dtype()) != a.dtype()) {
    const auto [u, s, vh] = svd(cast(a, double_precision(a.dtype())), full_matrices, compute_uv);
    const auto narrow = [&](const std::optional<Array>& x) { return x ? std::optional(cast(*x, a.dtype())) : x; };
    return {narrow(u), cast(s, real_dtype(a.dtype())), narrow(vh)};
  }
  const int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  const int64_t u_cols = full_matrices ? m : k, vh_rows = full_matrices ? n : k;
  Array work = contiguous_copy(a);
  Shape s_shape(a.shape().begin(), a.shape().end() - 2);
  s_shape.push_back(k);
  Array s(s_shape, real_dtype(a.dtype()));
  std::optional<Array> u, vh;
  if (compute_uv) {
    u = Array(with_matrix(a.shape(), m, u_cols), a.dtype());
    vh = Array(with_matrix(a.shape(), vh_rows, n), a.dtype());
  }
  double_dispatch(a, "svd", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(a.shape()), 20 * m * n * k, [&](int64_t b) {
      svd_matrix(work.data<T>() + b * m * n, m, n, s.data<real_t<T>>() + b * k,
                 u ? u->data<T>() + b * m * u_cols : nullptr, u_cols,
                 vh ? vh->data<T>() + b * vh_rows * n : nullptr, vh_rows);
    });
  });
  return {u, s, vh};
}

}  // namespace mytorch
