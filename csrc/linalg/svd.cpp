// The singular value decomposition A = U diag(S) V^H, S descending, as LAPACK's gesdd/gesvd compute it for
// the orders models use: Householder bidiagonalization (gebd2), then the bidiagonal's SVD, by implicit QR sweeps
// (Demmel & Kahan's bdsqr) or, for its vectors past order 25, by divide and conquer (bdsdc), whose singular
// vectors the reflectors carry back to A's.
//
// A wide A (m < n) is decomposed as its tall conjugate transpose B = A^H = U' S V'^H, A = V' S U'^H, so the
// steps below see a tall B (len x count, len >= count).
//
// 1. QR first, for a B with len >= 11/6 count (LAPACK's crossover): B = Q_r [R; 0] (blocked_householder_qr), and
//    the count x count R is what is bidiagonalized; U = Q_r [U_R; 0]. Less work in step 2, whose right reflectors
//    then sweep count rows instead of len.
// 2. Bidiagonalization X = Q B P^H, B upper bidiagonal with real diagonal d and superdiagonal e. Step j reflects
//    column j onto e_j from the left (H_j = I - tauq_j u u^H, X <- H_j^H X), then row j, past the diagonal, onto
//    e_{j+1} from the right (G_j = I - taup_j v v^H, X <- X G_j): make_reflector gives the reflector of the
//    conjugated row (G_j^H x^H = beta e_1 is x G_j = beta e_1^T). Q = H_0 ... H_{count-1}, P = G_0 ... G_{count-2};
//    u stays in column j below the diagonal, v in row j right of the superdiagonal, as LAPACK stores them.
// 3. bidiagonal_qr: B = W diag(sigma) Z^T with W, Z real orthogonal (B is real even for a complex X). On an
//    unreduced block [ll, m] (no negligible e inside) a sweep chases a bulge from one end to the other by plane
//    rotations from the right (into Z) and the left (into W): the implicit QR step of B^T B - shift^2 I, shifted
//    by the smaller singular value of the 2x2 at the end the sweep goes towards, or with shift 0 when a shift
//    would cost relative accuracy (Demmel & Kahan's zero-shift sweep, which computes every singular value of a
//    bidiagonal to high relative accuracy, the tiny ones included). The sweep runs from the end with the larger
//    |d| towards the smaller, where the singular values converge; e_i is set to zero when it is below tol times
//    a lower bound of the block's smallest singular value (the recurrence mu_{i+1} = |d_{i+1}| mu_i / (mu_i +
//    |e_i|)), the relative convergence test, or below an absolute threshold from the whole matrix's smallest
//    singular value; 2x2 blocks are solved directly (svd_2x2). Negative sigma are then negated with their row of
//    Z^T and the values sorted descending. With the vectors wanted and count > 25, bidiagonal_dc.h instead
//    (divide and conquer: the bidiagonal split in halves, solved recursively, merged by the secular equation
//    and GEMMs), as gesdd; its values then differ from the QR sweeps' (svdvals) by a few roundings.
// 4. U = Q_r [Q W; 0] and V = P Z, formed by applying the reflectors, last first, to W and Z (with full_matrices,
//    to [W 0; 0 I], whose last columns come out as the orthonormal completion of U's). Real matrices apply them
//    32 at a time as GEMMs (block_reflector.h's compact WY form), as the QR of step 1 updates its trailing columns.
//
// Step 3's QR sweeps would dominate the cost when the vectors are wanted (about 12 count^3 flops of rotations);
// the divide and conquer takes ~4/3 count^3 in GEMMs: callgrind counts 0.55x the QR path's instructions at 512,
// 0.62x at 256, 0.72x at 128, 0.87x at 64, equal at 26-48. Without vectors step 2 (4 len count^2) dominates. W^T
// and Z^T are kept with a singular vector per contiguous row, so that each rotation combines two contiguous rows.
// Measured with the QR sweeps (wall time, 1 thread, float64 with vectors, against torch's MKL gesdd in the same run, interleaved, three
// runs at load 4-10 on 2 cores): 1.33-1.45x torch's time at 256, 1.42-1.58x at 512, 1.35-1.40x at 1000 x 100
// (before the blocked reflectors and QR: 1.49-1.59x, 1.59-2.26x, 1.75-2.23x); 0.9x at 64 x 64 and 0.77x for 64
// matrices of 32 x 32, which take the unblocked path (apply_reflectors);
// the one-sided Jacobi method before took 3.5x, 9.9x, 12.7x, 11.8x and 2.1x at 64, 256, 512, 1000 x 100 and 64 x
// 32 x 32. (Delaying the rotations to apply them a block of columns at a time, or two at a time over three rows,
// did not help at these sizes.) With the divide and conquer (same method, median of five interleaved rounds, load
// 0.8-4.7): 0.76x at 64, 0.81x at 256, 0.98x at 512, 1.20x at 1000 x 100, 0.68x for 64 matrices of 32 x 32 (the
// QR path in the same session: 0.93x, 1.25x, 1.47x, 1.43x, 0.81x).
//
// Float32 and complex64 matrices are computed in double precision (batch.h's double_precision) and rounded once.
// B is first scaled by the power of two that brings its largest entry into [1, 2) (batch.h's scale_to_unit: no
// square overflows); S is scaled back. A matrix with inf or nan, or whose iteration does not converge within
// 6 count^2 sweeps' worth of rotations (bdsqr's bound; not seen for finite input), gets nan everywhere.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <vector>

#include "linalg/batch.h"
#include "linalg/block_reflector.h"
#include "linalg/factorize.h"
#include "linalg/bidiagonal_dc.h"
#include "linalg/bidiagonal_qr.h"
#include "linalg/householder.h"

namespace mytorch {
namespace {

// sum_k x_k y_k over eight running partial sums, which the compiler vectorises (one running sum is a chain of
// dependent additions it must keep in order).
template <typename T>
T dot(const T* x, const T* y, int64_t len) {
  T partial[8] = {};
  int64_t k = 0;
  for (; k + 8 <= len; k += 8) {
    for (int l = 0; l < 8; ++l) partial[l] += x[k + l] * y[k + l];
  }
  T sum = 0;
  for (; k < len; ++k) sum += x[k] * y[k];
  for (int l = 0; l < 8; ++l) sum += partial[l];
  return sum;
}

// Step 2 on the row-major rows x n matrix x (rows >= n), in place: d (n) and e (n - 1) of B, the reflectors'
// tau in tauq and taup (n - 1), their vectors left in x. w: room for n values. Each step takes two sweeps over the
// trailing rows: one for w = u^H X, one that applies H_j^H = I - conj(tauq) u u^H to each row and then, while
// the row is in cache, G_j, which is known as soon as the first row (row j) has had H_j^H applied.
template <typename T>
void bidiagonalize(T* x, int64_t rows, int64_t n, real_t<T>* d, real_t<T>* e, T* tauq, T* taup, std::vector<T>& w) {
  for (int64_t j = 0; j < n; ++j) {
    T* pivot = x + j * n + j;
    tauq[j] = make_reflector(pivot, n, rows - j);
    d[j] = std::real(*pivot);
    if (j + 1 == n) break;
    const int64_t len = n - j - 1;  // the trailing columns j + 1 ..
    const T tau = conjugate(tauq[j]);
    T* v = pivot + 1;  // row j's trailing part, which becomes G_j's v
    if (tau != T(0)) {
      std::copy(v, v + len, w.begin());  // w = u^H X over the trailing columns, u_0 = 1
      for (int64_t r = j + 1; r < rows; ++r) {
        const T ur = conjugate(x[r * n + j]);
        const T* xr = x + r * n + j + 1;
        for (int64_t k = 0; k < len; ++k) w[k] += ur * xr[k];
      }
      for (int64_t k = 0; k < len; ++k) v[k] -= tau * w[k];
    }
    // G_j from row j: the reflector of its conjugate, x G_j = beta e_1^T
    for (int64_t k = 0; k < len; ++k) v[k] = conjugate(v[k]);
    taup[j] = make_reflector(v, 1, len);
    e[j] = std::real(v[0]);
    for (int64_t r = j + 1; r < rows; ++r) {
      T* xr = x + r * n + j + 1;
      if (tau != T(0)) {  // x_r <- x_r - conj(tauq) u_r w
        const T scaled = tau * x[r * n + j];
        for (int64_t k = 0; k < len; ++k) xr[k] -= scaled * w[k];
      }
      if (taup[j] != T(0)) {  // x_r <- x_r G_j = x_r - taup (x_r v) v^H, v_0 = 1
        const T scaled = taup[j] * (xr[0] + dot(xr + 1, v + 1, len - 1));
        xr[0] -= scaled;
        for (int64_t k = 1; k < len; ++k) xr[k] -= scaled * conjugate(v[k]);
      }
    }
  }
}

// The SVD of the tall len x count b (len >= count; row-major, overwritten), scaled to unit size: s (count,
// descending) and, when left is not null, the first q columns of U in left (len x q, q = count or len) and V in
// right (count x count). False if the iteration has not converged.
template <typename T>
bool svd_tall(T* b, int64_t len, int64_t count, real_t<T>* s, T* left, int64_t q, T* right) {
  using R = real_t<T>;
  const bool qr_first = 6 * len >= 11 * count;
  std::vector<T> w(std::max(len, q) + 1), tau_r, r;
  T* x = b;  // what step 2 reduces: b itself, or its R
  int64_t rows = len;
  if (qr_first) {
    tau_r.resize(count);
    blocked_householder_qr(b, len, count, tau_r.data(), w);
    r.assign(count * count, T(0));
    for (int64_t i = 0; i < count; ++i) std::copy(b + i * count + i, b + (i + 1) * count, r.data() + i * count + i);
    x = r.data(), rows = count;
  }
  std::vector<R> d(count), e(count);
  std::vector<T> tauq(count), taup(count);
  bidiagonalize(x, rows, count, d.data(), e.data(), tauq.data(), taup.data(), w);
  std::vector<R> wt, zt;
  if (left) {
    wt.assign(count * count, R(0));
    zt.assign(count * count, R(0));
    for (int64_t i = 0; i < count; ++i) wt[i * count + i] = zt[i * count + i] = R(1);
  }
  if (left && count > kDivideAndConquerLeaf) {
    std::vector<R> sigma(count);
    if (!bidiagonal_dc(d.data(), e.data(), count, 0, sigma.data(), wt.data(), zt.data())) return false;
    d = sigma;
  } else if (!bidiagonal_qr(d.data(), e.data(), count, left ? wt.data() : nullptr, left ? zt.data() : nullptr)) {
    return false;
  }
  for (int64_t i = 0; i < count; ++i) {
    if (d[i] >= 0) continue;
    d[i] = -d[i];
    if (left) std::transform(zt.begin() + i * count, zt.begin() + (i + 1) * count, zt.begin() + i * count, std::negate<R>());
  }
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return d[i] > d[j]; });
  for (int64_t k = 0; k < count; ++k) s[k] = d[order[k]];
  if (!left) return true;

  // step 4: U = Q_r [Q W; 0] in left (its columns past count start as those of the identity), V = P Z in right
  std::fill(left, left + len * q, T(0));
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t k = 0; k < count; ++k) left[i * q + k] = wt[order[k] * count + i];
  }
  for (int64_t i = count; i < q; ++i) left[i * q + i] = T(1);
  apply_reflectors(x, count, count + 1, rows, count, tauq.data(), left, q, q, w);  // H_j's v in column j
  if (qr_first) apply_reflectors(b, count, count + 1, len, count, tau_r.data(), left, q, q, w);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t k = 0; k < count; ++k) right[i * count + k] = zt[order[k] * count + i];
  }
  // G_j acts on rows j + 1 .., its v in row j of x from column j + 1
  if (count > 1) {
    apply_reflectors(x + 1, 1, count + 1, count - 1, count - 1, taup.data(), right + count, count, count, w);
  }
  return true;
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
  const bool tall = m >= n;
  const int64_t len = tall ? m : n, count = tall ? n : m;  // B = A or A^H is len x count, len >= count
  std::vector<T> b;
  T* work = a;
  if (!tall) {
    b.resize(m * n);
    transpose(a, m, n, b.data(), true);
    work = b.data();
  }
  const std::optional<int> exponent = scale_to_unit(work, len * count);
  // B's U (len x q) and V (count x count): A's U and V when tall, its V and U otherwise
  const int64_t q = tall ? u_cols : vh_rows;
  std::vector<T> left(u ? len * q : 0), right(u ? count * count : 0);
  if (!exponent || !svd_tall(work, len, count, s, u ? left.data() : nullptr, q, u ? right.data() : nullptr)) {
    fill_nan(s, count);
    if (u) fill_nan(u, m * u_cols);
    if (vh) fill_nan(vh, vh_rows * n);
    return;
  }
  for (int64_t j = 0; j < count; ++j) s[j] = std::ldexp(s[j], *exponent);
  if (!u) return;
  // A = U S V^H: vh = V^H from B's right (tall) or left (wide) vectors
  if (tall) {
    std::copy(left.begin(), left.end(), u);
    transpose(right.data(), count, count, vh, true);
  } else {
    std::copy(right.begin(), right.end(), u);
    transpose(left.data(), len, q, vh, true);
  }
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
