// Cholesky factorization A = L L^T of a symmetric positive-definite matrix (LAPACK's potf2, lower).
//
// Column by column, from A's lower triangle:
//     l_jj = sqrt(a_jj - sum_{p < j} l_jp^2),    l_ij = (a_ij - sum_{p < j} l_ip l_jp) / l_jj   (i > j)
// Each sum is a dot product of two contiguous rows of L. A non-positive (or NaN) value under the square
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
    T d = row_j[j];
    for (int64_t p = 0; p < j; ++p) d -= row_j[p] * row_j[p];
    if (!(d > T(0))) return static_cast<int32_t>(j + 1);
    const T l_jj = std::sqrt(d);
    row_j[j] = l_jj;
    for (int64_t i = j + 1; i < n; ++i) {
      T* row_i = a + i * n;
      T s = row_i[j];
      for (int64_t p = 0; p < j; ++p) s -= row_i[p] * row_j[p];
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
  float_dispatch(a, "cholesky", [&](auto zero) {
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
