// A product of Householder reflectors applied as a few matrix products (the compact WY form, LAPACK's larft +
// larfb), for the real matrices our GEMM runs on.
//
// The product of b reflectors H_j = I - tau_j v_j v_j^T is Q = H_0 H_1 ... H_{b-1} = I - V T V^T, V = [v_0 ...
// v_{b-1}] (v_j with zeros above its leading 1 at row j) and T upper triangular, built a column at a time from
//     H_0 ... H_j = (I - V_j T_j V_j^T)(I - tau_j v_j v_j^T)
//                 = I - [V_j v_j] [T_j, -tau_j T_j V_j^T v_j; 0, tau_j] [V_j v_j]^T.
// Q Y = Y - V (T (V^T Y)) is then two GEMMs and a small triangular product, which run at the GEMM's speed where
// the reflectors one at a time (two passes over Y per reflector, a matrix-vector product and a rank-one update)
// are bound by memory: forming the 1000 x 100 U of a tall SVD applies 200 reflectors to all of it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "gemm/gemm.h"
#include "linalg/householder.h"

namespace mytorch {

// The compact WY form of the b reflectors v_begin .. v_{begin+b-1} (stored as apply_reflectors reads them):
// V in vb (row-major, (len - begin) x b, zeros and the leading ones explicit) and T in t (b x b, row-major).
template <typename T>
void block_reflector(const T* v, int64_t stride, int64_t step, int64_t len, int64_t begin, int64_t b, const T* tau,
                     std::vector<T>& vb, std::vector<T>& t) {
  const int64_t rows = len - begin;
  vb.assign(rows * b, T(0));
  for (int64_t c = 0; c < b; ++c) {
    const T* vc = v + (begin + c) * step;
    vb[c * b + c] = T(1);
    for (int64_t i = c + 1; i < rows; ++i) vb[i * b + c] = vc[(i - c) * stride];
  }
  // T's column j: tau_j on the diagonal, -tau_j T_j (V_j^T v_j) above it (v_j is zero above row j)
  t.assign(b * b, T(0));
  std::vector<T> z(b);
  for (int64_t j = 0; j < b; ++j) {
    std::fill(z.begin(), z.end(), T(0));
    for (int64_t i = j; i < rows; ++i) {
      for (int64_t k = 0; k < j; ++k) z[k] += vb[i * b + k] * vb[i * b + j];
    }
    const T tj = tau[begin + j];
    t[j * b + j] = tj;
    for (int64_t k = 0; k < j; ++k) {
      T sum = 0;
      for (int64_t l = k; l < j; ++l) sum += t[k * b + l] * z[l];
      t[k * b + j] = -tj * sum;
    }
  }
}

// y <- (I - V T V^T) y, or (I - V T^T V^T) y = Q^T y with transpose, for the rows x b V and b x b T of
// block_reflector and y (rows x cols, rows of length ldy): W = V^T Y, W <- T W (or T^T W), Y -= V W.
template <typename T>
void apply_block_reflector(const std::vector<T>& vb, const std::vector<T>& t, int64_t rows, int64_t b, bool transpose,
                           T* y, int64_t ldy, int64_t cols, std::vector<T>& wy) {
  wy.resize(b * cols);
  gemm<T>(b, cols, rows, T(1), vb.data(), 1, b, y, ldy, 1, T(0), wy.data(), cols, 1);
  // row i of T W reads rows k >= i of W (T^T W: rows k <= i): ascending (descending) i overwrites safely
  for (int64_t step = 0; step < b; ++step) {
    const int64_t i = transpose ? b - 1 - step : step;
    T* wi = wy.data() + i * cols;
    const T tii = t[i * b + i];
    for (int64_t c = 0; c < cols; ++c) wi[c] *= tii;
    for (int64_t k = transpose ? 0 : i + 1; k < (transpose ? i : b); ++k) {
      const T tik = transpose ? t[k * b + i] : t[i * b + k];
      const T* wk = wy.data() + k * cols;
      for (int64_t c = 0; c < cols; ++c) wi[c] += tik * wk[c];
    }
  }
  gemm<T>(rows, cols, b, T(-1), vb.data(), b, 1, wy.data(), cols, 1, T(1), y, ldy, 1);
}

// Reflectors go in blocks of this many through the compact WY form.
constexpr int64_t reflector_block = 32;

// y <- H_0 H_1 ... H_{count-1} y, where H_j = I - tau_j v_j v_j^H acts on rows j .. len - 1 of y (rows of
// length ldy, its first `cols` columns): v_j's leading 1 is implicit and its entries i = 1 .. len - j - 1 are
// v[j * step + i * stride], as the reflectors of a QR factorization or bidiagonalization are stored (step = the
// row length + 1). Real reflectors of length 128 or more go a block at a time (from the last); complex ones, and
// what is left below a whole block, one reflector at a time (reflect_rows).
template <typename T>
void apply_reflectors(const T* v, int64_t stride, int64_t step, int64_t len, int64_t count, const T* tau, T* y,
                      int64_t ldy, int64_t cols, std::vector<T>& w) {
  int64_t end = count;  // reflectors [end, count) are applied
  if constexpr (std::is_floating_point_v<T>) {
    std::vector<T> vb, t, wy;
    // for reflectors shorter than four blocks, building V and T costs about what the GEMMs save (the SVD's
    // instructions, blocked against unblocked: +7.9% at 32 x 32, +3.7% at 64 x 64, -3.7% at 128 x 128, -10.3% at
    // 256 x 256)
    for (; len >= 4 * reflector_block && end >= reflector_block; end -= reflector_block) {
      const int64_t begin = end - reflector_block;
      block_reflector(v, stride, step, len, begin, reflector_block, tau, vb, t);
      apply_block_reflector(vb, t, len - begin, reflector_block, false, y + begin * ldy, ldy, cols, wy);
    }
  }
  for (int64_t j = end; j-- > 0;) {
    if (tau[j] != T(0)) reflect_rows(v + j * step, stride, len - j, tau[j], y + j * ldy, ldy, 0, cols, w);
  }
}

// householder_qr of the row-major m x n a (m >= n) a panel of reflector_block columns at a time (geqrf): the
// panel is factorized one reflector at a time, then its Q_panel^T = I - V T^T V^T goes to the trailing columns
// as GEMMs. Complex matrices, and the last columns (under two blocks), go one reflector at a time.
template <typename T>
void blocked_householder_qr(T* a, int64_t m, int64_t n, T* tau, std::vector<T>& w) {
  int64_t j0 = 0;
  if constexpr (std::is_floating_point_v<T>) {
    std::vector<T> vb, t, wy;
    for (; j0 + 2 * reflector_block <= n; j0 += reflector_block) {
      householder_qr_steps(a, m, n, j0, j0 + reflector_block, j0 + reflector_block, tau, w);
      block_reflector(a, n, n + 1, m, j0, reflector_block, tau, vb, t);
      apply_block_reflector(vb, t, m - j0, reflector_block, true, a + j0 * n + j0 + reflector_block, n,
                            n - j0 - reflector_block, wy);
    }
  }
  householder_qr_steps(a, m, n, j0, n, n, tau, w);
}

}  // namespace mytorch
