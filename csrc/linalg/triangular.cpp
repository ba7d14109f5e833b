// Triangular solve A X = B by substitution (LAPACK's trtrs / BLAS's trsm, left side).
//
// For lower-triangular A, row i of X follows from the rows before it (forward substitution):
//     x_i = (b_i - sum_{j < i} a_ij x_j) / a_ii
// and for upper-triangular A from the rows after it (backward substitution, i from n - 1 down).
// X starts as a copy of B and each row is updated in place, a sweep along its k contiguous columns;
// unitriangular skips the division. A zero on the diagonal divides by zero: inf/nan, silently.
#include "linalg/batch.h"
#include "linalg/factorize.h"

namespace mytorch {
namespace {

template <typename T>
void substitute(const T* a, T* x, int64_t n, int64_t k, bool upper, bool unitriangular) {
  for (int64_t step = 0; step < n; ++step) {
    const int64_t i = upper ? n - 1 - step : step;
    T* x_i = x + i * k;
    const int64_t begin = upper ? i + 1 : 0, end = upper ? n : i;
    for (int64_t j = begin; j < end; ++j) {
      const T a_ij = a[i * n + j];
      const T* x_j = x + j * k;
      for (int64_t c = 0; c < k; ++c) x_i[c] -= a_ij * x_j[c];
    }
    if (!unitriangular) {
      const T d = a[i * n + i];
      for (int64_t c = 0; c < k; ++c) x_i[c] /= d;
    }
  }
}

}  // namespace

Array solve_triangular(const Array& a, const Array& b, bool upper, bool unitriangular) {
  const int64_t n = a.shape()[a.ndim() - 1], k = b.shape()[b.ndim() - 1];
  Array ac = contiguous_copy(a), x = contiguous_copy(b);
  lapack_dispatch(a, "solve_triangular", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(b.shape()), n * n * k, [&](int64_t i) {
      substitute(ac.data<T>() + i * n * n, x.data<T>() + i * n * k, n, k, upper, unitriangular);
    });
  });
  return x;
}

}  // namespace mytorch
