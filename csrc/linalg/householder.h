// Householder reflectors H = I - tau v v^H (LAPACK's larfg and larf), shared by the QR factorization, the
// tridiagonal reduction of the symmetric eigensolver and the Hessenberg reduction of the general one.
//
// For a column x = (alpha, x_rest), the reflector with H^H x = (beta, 0, ..., 0) is
//     beta = -sign(Re alpha) ||x||,  tau = (beta - alpha) / beta,  v = (1, x_rest / (alpha - beta)),
// beta real; the sign opposite to Re alpha's avoids cancellation in alpha - beta. When x_rest is already zero
// and alpha real, H = I (tau = 0) and alpha keeps its sign, as LAPACK's. (For real x, ^H is ^T and conj does
// nothing.)
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "linalg/batch.h"

namespace mytorch {

// ||(x[stride], ..., x[(len - 1) stride])||: a sum of squares of the entries divided by the largest part, which
// neither overflows nor underflows (a running hypot, the other safe way, is a library call per entry: 18% of a
// 1000 x 100 SVD's time).
template <typename T>
real_t<T> tail_norm(const T* x, int64_t stride, int64_t len) {
  real_t<T> largest = 0, sum = 0;
  for (int64_t i = 1; i < len; ++i) {
    largest = std::max({largest, std::abs(std::real(x[i * stride])), std::abs(std::imag(x[i * stride]))});
  }
  if (largest == 0) return 0;
  for (int64_t i = 1; i < len; ++i) sum += abs2(x[i * stride] / largest);
  return largest * std::sqrt(sum);
}

// Makes the reflector of the column x[0], x[stride], ..., x[(len - 1) stride] in place: x[0] becomes beta,
// the rest v's entries past its leading 1. Returns tau.
// A column whose norm is below safmin = min / eps is first scaled up by powers of 1 / safmin (LAPACK's larfg),
// else 1 / (alpha - beta) overflows: a bidiagonalization of ones(n, n) leaves columns whose entries shrink
// by eps^2 a step into the subnormals.
template <typename T>
T make_reflector(T* x, int64_t stride, int64_t len) {
  using R = real_t<T>;
  R xnorm = tail_norm(x, stride, len);
  T alpha = x[0];
  if (xnorm == 0 && std::imag(alpha) == 0) return T(0);
  R beta = -std::copysign(std::hypot(std::abs(alpha), xnorm), std::real(alpha));
  const R safmin = std::numeric_limits<R>::min() / (std::numeric_limits<R>::epsilon() / 2);
  int scalings = 0;
  for (; std::abs(beta) < safmin && scalings < 20; ++scalings) {
    for (int64_t i = 1; i < len; ++i) x[i * stride] /= safmin;
    alpha /= safmin, beta /= safmin;
  }
  if (scalings) {
    xnorm = tail_norm(x, stride, len);
    beta = -std::copysign(std::hypot(std::abs(alpha), xnorm), std::real(alpha));
  }
  const T scale = T(1) / (alpha - beta);
  for (int64_t i = 1; i < len; ++i) x[i * stride] *= scale;
  const T tau = (beta - alpha) / beta;
  for (int i = 0; i < scalings; ++i) beta *= safmin;
  x[0] = beta;
  return tau;
}

// x -= tau v (v^H x) on rows 0 .. len of the row-major block x (rows of length ldx), v_0 = 1 implicitly and
// v_i = v[i * stride] for 0 < i < len: one reflector applied to columns [begin, end) of x, in two sweeps along
// contiguous rows (w holds v^H x).
template <typename T>
void reflect_rows(const T* v, int64_t stride, int64_t len, T tau, T* x, int64_t ldx, int64_t begin, int64_t end,
                  std::vector<T>& w) {
  for (int64_t c = begin; c < end; ++c) w[c] = x[c];
  for (int64_t i = 1; i < len; ++i) {
    const T vi = conjugate(v[i * stride]);
    for (int64_t c = begin; c < end; ++c) w[c] += vi * x[i * ldx + c];
  }
  for (int64_t c = begin; c < end; ++c) x[c] -= tau * w[c];
  for (int64_t i = 1; i < len; ++i) {
    const T tv = tau * v[i * stride];
    for (int64_t c = begin; c < end; ++c) x[i * ldx + c] -= tv * w[c];
  }
}

// reflect_rows on the rows j .. m of x with the v stored in column j of a (rows of length lda) below row j.
template <typename T>
void reflect(const T* a, int64_t lda, int64_t m, int64_t j, T tau, T* x, int64_t ldx, int64_t begin, int64_t end,
             std::vector<T>& w) {
  reflect_rows(a + j * lda + j, lda, m - j, tau, x + j * ldx, ldx, begin, end, w);
}

// Householder QR of the row-major m x n matrix a in place (geqr2): step j reflects column j onto e_j with
// H_j (tau_j in tau) and applies H_j^H to the trailing columns as R -= conj(tau) v (v^H R). v overwrites
// the column below the diagonal; what remains on and above it is R. w: room for n values.
// Steps [first, last) of it apply H_j^H to the columns before `end` only (a panel of a blocked QR).
template <typename T>
void householder_qr_steps(T* a, int64_t m, int64_t n, int64_t first, int64_t last, int64_t end, T* tau,
                          std::vector<T>& w) {
  for (int64_t j = first; j < last; ++j) {
    tau[j] = make_reflector(a + j * n + j, n, m - j);
    if (tau[j] != T(0)) reflect(a, n, m, j, conjugate(tau[j]), a, n, j + 1, end, w);
  }
}

template <typename T>
void householder_qr(T* a, int64_t m, int64_t n, T* tau, std::vector<T>& w) {
  householder_qr_steps(a, m, n, 0, std::min(m, n), n, tau, w);
}

// W = Q^T, Q = H_0 ... H_{n-2}, from a tridiagonal or Hessenberg reduction: H_k acts on rows and columns
// k + 1 .., its v in column k of a from row k + 2 (the 1 at row k + 1 implicit), so `reflect` reads it from a
// shifted down one row; tau_k = 0 skips H_k. q, work: room for n^2 and n values.
template <typename T>
void form_q_transposed(const T* a, int64_t n, const T* tau, T* w_rows, std::vector<T>& q, std::vector<T>& work) {
  std::fill(q.begin(), q.end(), T(0));
  for (int64_t i = 0; i < n; ++i) q[i * n + i] = T(1);
  for (int64_t k = n - 1; k-- > 0;) {
    if (tau[k] != T(0)) reflect(a + n, n, n - 1, k, tau[k], q.data() + n, n, k + 1, n, work);
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) w_rows[j * n + i] = q[i * n + j];
  }
}

}  // namespace mytorch
