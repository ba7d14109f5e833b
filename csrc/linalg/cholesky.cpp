// Cholesky factorization A = L L^H of a Hermitian (real: symmetric) positive-definite matrix (LAPACK's
// potf2, lower).
//
// Column by column, from A's lower triangle (the imaginary part of a complex diagonal is not read):
//     l_jj = sqrt(Re a_jj - sum_{p < j} |l_jp|^2),    l_ij = (a_ij - sum_{p < j} l_ip conj(l_jp)) / l_jj   (i > j)
// Each sum is a dot product of two contiguous rows of L; the diagonal of L is real. A non-positive (or NaN) value under the square
// root means the leading minor of order j + 1 is not positive definite: info = j + 1 and the
// factorization stops there, as potrf does. The upper triangle of the result is zero.
#include <cmath>

#include "linalg/batch.h"
#include "linalg/factorize.h"

namespace mytorch {
namespace {

template <typename T>
int32_t factor(T* a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    T* row_j = a + j * n;
    real_t<T> d = std::real(row_j[j]);
    for (int64_t p = 0; p < j; ++p) d -= abs2(row_j[p]);
    if (!(d > 0)) return static_cast<int32_t>(j + 1);
    const real_t<T> l_jj = std::sqrt(d);
    row_j[j] = l_jj;
    for (int64_t i = j + 1; i < n; ++i) {
      T* row_i = a + i * n;
      T s = row_i[j];
      for (int64_t p = 0; p < j; ++p) s -= row_i[p] * conjugate(row_j[p]);
      row_i[j] = s / l_jj;
    }
  }
  return 0;
}

}  // namespace

std::tuple<Array, Array> cholesky(const Array& a) {
  const int64_t n = a.shape()[a.ndim() - 1];
  Array l = contiguous_copy(a);
  Array info(Shape(a.shape().begin(), a.shape().end() - 2), DType::Int32);
  lapack_dispatch(a, "cholesky", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(a.shape()), n * n * n, [&](int64_t i) {
      T* m = l.data<T>() + i * n * n;
      info.data<int32_t>()[i] = factor(m, n);
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t c = r + 1; c < n; ++c) m[r * n + c] = T(0);
      }
    });
  });
  return {l, info};
}

}  // namespace mytorch
