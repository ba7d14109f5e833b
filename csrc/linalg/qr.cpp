// Householder QR (LAPACK's geqr2, then org2r to form Q): A = Q R, for real or complex A.
//
// Step j reflects column j onto the axis e_j with H_j = I - tau_j v_j v_j^H (LAPACK's larfg): for the
// column's part x = (alpha, x_rest) on and below the diagonal,
//     beta = -sign(Re alpha) ||x||,  tau = (beta - alpha) / beta,  v = (1, x_rest / (alpha - beta))
// so H_j^H x = (beta, 0, ..., 0) with beta real (R's diagonal is real, as LAPACK's); the sign opposite to
// Re alpha's avoids cancellation in alpha - beta. When x_rest is already zero and alpha real, H_j = I
// (tau = 0) and the diagonal keeps its sign, as LAPACK's. H_j^H is applied to the trailing columns as
// R -= conj(tau) v (v^H R), two sweeps along contiguous rows. v overwrites the column below the
// diagonal; what remains on and above it is R. (For real A, ^H is ^T and conj does nothing.)
// Q = H_0 H_1 ... H_{k-1} applied to the first q columns of the identity (q = k reduced, m complete),
// accumulated backwards (H_{k-1} first), so each reflector touches only the rows it changes.
#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"

namespace mytorch {
namespace {

// x -= tau v (v^H x) on the rows j.. of the n-column row-major block x (v_j = 1 implicitly; v_i for
// i > j is read from column j of a, whose rows have length lda): one reflector applied to columns
// [begin, end) of x.
template <typename T>
void reflect(const T* a, int64_t lda, int64_t m, int64_t j, T tau, T* x, int64_t ldx, int64_t begin, int64_t end,
             std::vector<T>& w) {
  for (int64_t c = begin; c < end; ++c) w[c] = x[j * ldx + c];
  for (int64_t i = j + 1; i < m; ++i) {
    const T v = conjugate(a[i * lda + j]);
    for (int64_t c = begin; c < end; ++c) w[c] += v * x[i * ldx + c];
  }
  for (int64_t c = begin; c < end; ++c) x[j * ldx + c] -= tau * w[c];
  for (int64_t i = j + 1; i < m; ++i) {
    const T tv = tau * a[i * lda + j];
    for (int64_t c = begin; c < end; ++c) x[i * ldx + c] -= tv * w[c];
  }
}

template <typename T>
void factor(T* a, int64_t m, int64_t n, T* tau, std::vector<T>& w) {
  for (int64_t j = 0; j < std::min(m, n); ++j) {
    real_t<T> xnorm = 0;
    for (int64_t i = j + 1; i < m; ++i) xnorm = std::hypot(xnorm, std::abs(a[i * n + j]));  // hypot: no overflow
    tau[j] = 0;
    const T alpha = a[j * n + j];
    if (xnorm == 0 && std::imag(alpha) == 0) continue;
    const real_t<T> beta = -std::copysign(std::hypot(std::abs(alpha), xnorm), std::real(alpha));
    tau[j] = (beta - alpha) / beta;
    const T scale = T(1) / (alpha - beta);
    for (int64_t i = j + 1; i < m; ++i) a[i * n + j] *= scale;
    a[j * n + j] = beta;
    reflect(a, n, m, j, conjugate(tau[j]), a, n, j + 1, n, w);
  }
}

}  // namespace

std::tuple<Array, Array> qr(const Array& a, bool complete) {
  const int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  const int64_t q_cols = complete ? m : k, r_rows = complete ? m : k;
  Array work = contiguous_copy(a);
  Array q(with_matrix(a.shape(), m, q_cols), a.dtype()), r(with_matrix(a.shape(), r_rows, n), a.dtype());
  lapack_dispatch(a, "qr", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(a.shape()), m * n * k, [&](int64_t b) {
      T* f = work.data<T>() + b * m * n;
      std::vector<T> tau(k), w(std::max(n, q_cols));
      factor(f, m, n, tau.data(), w);
      T* rb = r.data<T>() + b * r_rows * n;
      for (int64_t i = 0; i < r_rows; ++i) {
        for (int64_t c = 0; c < n; ++c) rb[i * n + c] = (c >= i && i < k) ? f[i * n + c] : T(0);
      }
      T* qb = q.data<T>() + b * m * q_cols;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t c = 0; c < q_cols; ++c) qb[i * q_cols + c] = T(i == c);
      }
      for (int64_t j = k; j-- > 0;) {
        if (tau[j] != T(0)) reflect(f, n, m, j, tau[j], qb, q_cols, 0, q_cols, w);
      }
    });
  });
  return {q, r};
}

}  // namespace mytorch
