// Householder QR (LAPACK's geqr2, then org2r to form Q): A = Q R, for real or complex A.
//
// The factorization is linalg/householder.h's householder_qr; R's diagonal is real, as LAPACK's.
// Q = H_0 H_1 ... H_{k-1} applied to the first q columns of the identity (q = k reduced, m complete),
// accumulated backwards (H_{k-1} first), so each reflector touches only the rows it changes.
#include <algorithm>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"
#include "linalg/householder.h"

namespace mytorch {

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
      householder_qr(f, m, n, tau.data(), w);
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
