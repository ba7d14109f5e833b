// The Bunch-Kaufman factorization of a symmetric (or Hermitian) indefinite matrix and the solve with its factors
// (LAPACK's sytf2 / hetf2 and sytrs / hetrs, lower triangle), with LAPACK's pivots, as the NumPy backend's
// mytorch/backends/_np_ldl.py (which says more):
//     P A P^T = L D L^T  (L^H for a Hermitian A),  D block diagonal with 1x1 and 2x2 blocks.
// Step k compares the diagonal a_kk with colmax = max_i |a_ik| below it (row imax) and, with
// alpha = (1 + sqrt 17) / 8, which bounds the growth of the entries, takes
//     a 1x1 pivot a_kk                when |a_kk| >= alpha colmax, or |a_kk| rowmax >= alpha colmax^2,
//     a 1x1 pivot a_imax,imax         when |a_imax,imax| >= alpha rowmax (rows and columns k, imax swapped),
//     the 2x2 pivot on rows k, imax   otherwise (imax swapped into k + 1),
// rowmax the largest off-diagonal |a| in row and column imax. The block's columns of L are the trailing columns
// times the block's inverse, W D^{-1}, and the trailing matrix loses W D^{-1} W^T. Only the lower triangle is read
// and written; swaps touch the trailing matrix only, so L stays in LAPACK's product form and `pivots` (1-based)
// replays it: p > 0 a 1x1 block that swapped rows k and p - 1, -p on both rows of a 2x2 block that swapped rows
// k + 1 and p - 1. Magnitudes of complex numbers are |Re| + |Im| (LAPACK's), Hermitian diagonals real. Both run in
// the matrix's own precision, as LAPACK's, so that the pivots are the ones it picks.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "linalg/batch.h"
#include "linalg/factorize.h"

namespace mytorch {
namespace {

// One matrix's factorization, row-major, in place; pivots as above. Returns info: 0, or the first zero column + 1.
template <typename T>
class BunchKaufman {
 public:
  using R = real_t<T>;
  BunchKaufman(T* a, int64_t n, bool hermitian) : a_(a), n_(n), hermitian_(hermitian), wk_(n), wk1_(n) {}

  int32_t factor(int32_t* pivots) {
    const R alpha = R((1 + std::sqrt(17.0)) / 8);
    if (hermitian_) {  // a Hermitian diagonal is real: its imaginary parts are not read
      for (int64_t i = 0; i < n_; ++i) at(i, i) = std::real(at(i, i));
    }
    int32_t info = 0;
    for (int64_t k = 0; k < n_;) {
      int64_t kstep = 1, kp = k, imax = k;
      const R absakk = diagonal_size(at(k, k));
      R colmax = 0;
      for (int64_t i = k + 1; i < n_; ++i) {  // the first largest (a nan wins, as NumPy's argmax)
        const R size = cabs1(at(i, k));
        if (i == k + 1 || size > colmax || (std::isnan(size) && !std::isnan(colmax))) colmax = size, imax = i;
      }
      if (std::max(absakk, colmax) == 0 || std::isnan(absakk)) {
        if (info == 0) info = static_cast<int32_t>(k + 1);
      } else {
        if (absakk < alpha * colmax) {
          R rowmax = 0;
          for (int64_t j = k; j < imax; ++j) rowmax = std::max(rowmax, cabs1(at(imax, j)));
          for (int64_t i = imax + 1; i < n_; ++i) rowmax = std::max(rowmax, cabs1(at(i, imax)));
          if (absakk >= alpha * colmax * (colmax / rowmax)) {
            kp = k;
          } else if (diagonal_size(at(imax, imax)) >= alpha * rowmax) {
            kp = imax;
          } else {
            kp = imax, kstep = 2;
          }
        }
        const int64_t kk = k + kstep - 1;
        if (kp != kk) interchange(k, kk, kp, kstep);
        if (kstep == 1) {
          eliminate_1x1(k);
        } else {
          eliminate_2x2(k);
        }
      }
      for (int64_t s = 0; s < kstep; ++s) pivots[k + s] = static_cast<int32_t>(kstep == 1 ? kp + 1 : -(kp + 1));
      k += kstep;
    }
    for (int64_t i = 0; i < n_; ++i) std::fill(a_ + i * n_ + i + 1, a_ + (i + 1) * n_, T(0));  // LD: zeros above
    return info;
  }

 private:
  T& at(int64_t i, int64_t j) { return a_[i * n_ + j]; }
  T cj(T x) const { return hermitian_ ? conjugate(x) : x; }
  R diagonal_size(T x) const { return hermitian_ ? std::abs(std::real(x)) : cabs1(x); }

  // Swaps rows and columns kk and kp (kk < kp) of the trailing matrix's lower triangle; a 2x2 step also swaps
  // rows k + 1 and kp of column k.
  void interchange(int64_t k, int64_t kk, int64_t kp, int64_t kstep) {
    for (int64_t i = kp + 1; i < n_; ++i) std::swap(at(i, kk), at(i, kp));
    for (int64_t j = kk + 1; j < kp; ++j) {  // column kk between them is row kp's mirror image
      const T between = at(j, kk);
      at(j, kk) = cj(at(kp, j));
      at(kp, j) = cj(between);
    }
    if (hermitian_) at(kp, kk) = conjugate(at(kp, kk));
    std::swap(at(kk, kk), at(kp, kp));
    if (kstep == 2) std::swap(at(k + 1, k), at(kp, k));
  }

  // A 1x1 pivot: the trailing matrix loses x x^T / d (x^H), then x / d becomes L's column.
  void eliminate_1x1(int64_t k) {
    const T r1 = T(1) / (hermitian_ ? T(std::real(at(k, k))) : at(k, k));
    for (int64_t i = k + 1; i < n_; ++i) {
      const T xi = at(i, k);
      T* row = a_ + i * n_;
      for (int64_t j = k + 1; j <= i; ++j) row[j] -= r1 * (xi * cj(at(j, k)));
    }
    for (int64_t i = k + 1; i < n_; ++i) at(i, k) *= r1;
    keep_diagonal_real(k + 1);
  }

  // A 2x2 pivot D = [[d_kk, conj(d21)], [d21, d_k+1]]: W D^{-1} from D's entries scaled by d21 (LAPACK's
  // formulas, which avoid forming D^{-1}), the trailing update, then W D^{-1} becomes L's two columns.
  void eliminate_2x2(int64_t k) {
    if (k + 2 >= n_) return;
    const T d21 = at(k + 1, k);
    for (int64_t i = k + 2; i < n_; ++i) {
      if (hermitian_) {
        const R d = std::abs(d21), d11 = std::real(at(k + 1, k + 1)) / d, d22 = std::real(at(k, k)) / d;
        const T unit = d21 / d;
        const R t = 1 / (d11 * d22 - 1) / d;
        wk_[i] = t * (d11 * at(i, k) - unit * at(i, k + 1));
        wk1_[i] = t * (d22 * at(i, k + 1) - conjugate(unit) * at(i, k));
      } else {
        const T d11 = at(k + 1, k + 1) / d21, d22 = at(k, k) / d21;
        const T t = T(1) / (d11 * d22 - T(1)) / d21;
        wk_[i] = t * (d11 * at(i, k) - at(i, k + 1));
        wk1_[i] = t * (d22 * at(i, k + 1) - at(i, k));
      }
    }
    for (int64_t i = k + 2; i < n_; ++i) {
      const T wi = at(i, k), wi1 = at(i, k + 1);
      T* row = a_ + i * n_;
      for (int64_t j = k + 2; j <= i; ++j) row[j] -= wi * cj(wk_[j]) + wi1 * cj(wk1_[j]);
    }
    for (int64_t i = k + 2; i < n_; ++i) at(i, k) = wk_[i], at(i, k + 1) = wk1_[i];
    keep_diagonal_real(k + 2);
  }

  // Rounding leaves the imaginary parts of a Hermitian trailing diagonal off zero: LAPACK sets them to zero.
  void keep_diagonal_real(int64_t first) {
    if (!hermitian_) return;
    for (int64_t i = first; i < n_; ++i) at(i, i) = std::real(at(i, i));
  }

  T* a_;
  int64_t n_;
  bool hermitian_;
  std::vector<T> wk_, wk1_;
};

// X with A X = B for one matrix from its (LD, pivots), y = B (n x k, row-major) in place: L D L^T X = B forward
// through the product form (swap, eliminate, divide by the block), then L^T (L^H) backward.
template <typename T>
void solve(const T* ld, const int32_t* pivots, T* y, int64_t n, int64_t k, bool hermitian) {
  const auto at = [&](int64_t i, int64_t j) { return ld[i * n + j]; };
  const auto cj = [&](T x) { return hermitian ? conjugate(x) : x; };
  const auto row = [&](int64_t i) { return y + i * k; };
  const auto swap_rows = [&](int64_t i, int64_t j) {
    if (i != j) std::swap_ranges(row(i), row(i) + k, row(j));
  };
  const auto subtract = [&](int64_t i, T factor, int64_t source) {  // y_i -= factor y_source
    for (int64_t c = 0; c < k; ++c) row(i)[c] -= factor * row(source)[c];
  };
  for (int64_t r = 0; r < n;) {
    if (pivots[r] > 0) {
      swap_rows(r, pivots[r] - 1);
      for (int64_t i = r + 1; i < n; ++i) subtract(i, at(i, r), r);
      const T d = hermitian ? T(std::real(at(r, r))) : at(r, r);
      for (int64_t c = 0; c < k; ++c) row(r)[c] /= d;
      r += 1;
      continue;
    }
    swap_rows(r + 1, -pivots[r] - 1);
    for (int64_t i = r + 2; i < n; ++i) {
      subtract(i, at(i, r), r);
      subtract(i, at(i, r + 1), r + 1);
    }
    const T d21 = at(r + 1, r);
    const T akm1 = at(r, r) / cj(d21), ak = at(r + 1, r + 1) / d21, denom = akm1 * ak - T(1);
    for (int64_t c = 0; c < k; ++c) {
      const T bkm1 = row(r)[c] / cj(d21), bk = row(r + 1)[c] / d21;
      row(r)[c] = (ak * bkm1 - bk) / denom;
      row(r + 1)[c] = (akm1 * bk - bkm1) / denom;
    }
    r += 2;
  }
  for (int64_t r = n - 1; r >= 0;) {
    const int64_t first = pivots[r] > 0 ? r : r - 1;  // the block is rows first..r
    for (int64_t b = first; b <= r; ++b) {
      for (int64_t i = r + 1; i < n; ++i) subtract(b, cj(at(i, b)), i);
    }
    swap_rows(r, std::abs(pivots[r]) - 1);
    r = first - 1;
  }
}

}  // namespace

std::tuple<Array, Array, Array> ldl_factor(const Array& a, bool hermitian) {
  const int64_t n = a.shape()[a.ndim() - 1], count = batch_count(a.shape());
  Array ld = contiguous_copy(a);
  const Shape batch(a.shape().begin(), a.shape().end() - 2);
  Array pivots(Shape(a.shape().begin(), a.shape().end() - 1), DType::Int32), info(batch, DType::Int32);
  lapack_dispatch(a, "ldl_factor", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(count, n * n * n, [&](int64_t i) {
      BunchKaufman<T> factorization(ld.data<T>() + i * n * n, n, hermitian);
      info.data<int32_t>()[i] = factorization.factor(pivots.data<int32_t>() + i * n);
    });
  });
  return {ld, pivots, info};
}

Array ldl_solve(const Array& ld, const Array& pivots, const Array& b, bool hermitian) {
  const int64_t n = ld.shape()[ld.ndim() - 1], k = b.shape()[b.ndim() - 1], count = batch_count(ld.shape());
  const Array factors = contiguous_copy(ld), order = contiguous_copy(pivots);
  Array x = contiguous_copy(b);
  lapack_dispatch(ld, "ldl_solve", [&](auto zero) {
    using T = decltype(zero);
    for_each_matrix(count, n * n * k, [&](int64_t i) {
      solve(factors.data<T>() + i * n * n, order.data<int32_t>() + i * n, x.data<T>() + i * n * k, n, k, hermitian);
    });
  });
  return x;
}

}  // namespace mytorch
