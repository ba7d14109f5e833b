// LU factorization with partial pivoting (LAPACK's getf2), P A = L U.
//
// Step j of Gaussian elimination picks the pivot: the row p >= j whose entry in column j is largest in
// magnitude (the first on ties; for complex entries |Re| + |Im|, the cheaper magnitude LAPACK's i?amax
// uses, so the pivots are LAPACK's), and swaps rows j and p, so every multiplier |l_ij| <= 1 and the
// elimination stays stable. The multipliers l_ij = a_ij / a_jj (i > j) overwrite column j below the
// diagonal, and the trailing block loses their outer product with the pivot row:
//     a_ic -= l_ij a_jc    (i > j, c > j)
// Row-major storage makes that update a sweep along contiguous rows. A zero pivot leaves its column
// unscaled and is reported in info (j + 1, the first one), as getrf does; the factorization goes on.
#include <cmath>
#include <utility>

#include "linalg/batch.h"
#include "linalg/factorize.h"

namespace mytorch {
namespace {

template <typename T>
int32_t factor(T* a, int64_t m, int64_t n, int32_t* pivots) {
  int32_t info = 0;
  for (int64_t j = 0; j < std::min(m, n); ++j) {
    int64_t p = j;
    for (int64_t i = j + 1; i < m; ++i) {
      if (cabs1(a[i * n + j]) > cabs1(a[p * n + j])) p = i;
    }
    pivots[j] = static_cast<int32_t>(p + 1);
    if (p != j) {
      for (int64_t c = 0; c < n; ++c) std::swap(a[j * n + c], a[p * n + c]);
    }
    const T pivot = a[j * n + j];
    if (pivot == T(0)) {
      if (info == 0) info = static_cast<int32_t>(j + 1);
    } else {
      for (int64_t i = j + 1; i < m; ++i) a[i * n + j] /= pivot;
    }
    const T* row_j = a + j * n;
    for (int64_t i = j + 1; i < m; ++i) {
      T* row_i = a + i * n;
      const T l = row_i[j];
      for (int64_t c = j + 1; c < n; ++c) row_i[c] -= l * row_j[c];
    }
  }
  return info;
}

}  // namespace

std::tuple<Array, Array, Array> lu_factor(const Array& a) {
  const int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  Array lu = contiguous_copy(a);
  Shape batch(a.shape().begin(), a.shape().end() - 2);
  Shape pivot_shape = batch;
  pivot_shape.push_back(k);
  Array pivots(pivot_shape, DType::Int32), info(batch, DType::Int32);
  lapack_dispatch(a, "lu_factor", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(batch_count(a.shape()), m * n * k, [&](int64_t i) {
      info.data<int32_t>()[i] = factor(lu.data<T>() + i * m * n, m, n, pivots.data<int32_t>() + i * k);
    });
  });
  return {lu, pivots, info};
}

}  // namespace mytorch
