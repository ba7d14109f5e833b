// The SVD of a real upper bidiagonal matrix by divide and conquer (Gu & Eisenstat; LAPACK's bdsdc, lasd0..lasd3),
// for the vectors of a large one: its cost is a few GEMMs per level, against the ~12 n^3 flops of rotations
// that the QR sweeps (bidiagonal_qr.h) apply to the vectors.
//
// The problem is B, n x (n + sqre) with sqre 0 or 1: diagonal d (n), superdiagonal e (n - 1 + sqre); the top
// level is square, the halves below have one column more than rows. B = U [diag(s) 0] V^T.
// 1. Divide: removing row k (d_k = alpha at column k, e_k = beta at column k + 1) leaves B1 = rows < k,
//    columns <= k (k x (k + 1)) and B2 = rows > k, columns > k ((n - k - 1) x (n - k - 1 + sqre)), each of the
//    same form, solved recursively: B_i = U_i [S_i 0] V_i^T, V_i's last column (B_i's null vector) included.
// 2. In the bases diag(U1, 1, U2) and diag(V1, V2), B becomes diagonal (S1, S2) but for row k, which is
//    z = (alpha * last row of V1, beta * first row of V2). The columns of the two null vectors have z alone;
//    a rotation folds them into one column with z_0 = hypot (with d_0 = 0) and a zero column, the parent's null
//    vector. With row k first, this is secular.h's broken arrow M, its items: (d_i, z_i, the item's left and
//    right vector).
// 3. Deflation (lasd2), on the merge scaled to a largest entry of 1 (lasd1; a block of subnormals would
//    otherwise square to zero), with tol = 8 eps: an item with |z_i| <= tol is a singular value d_i already
//    (dropping z_i moves no singular value by more than tol); two items with d within tol are rotated so that
//    one has z = 0 (the rotation applied to both their left and their right vectors keeps the diagonal to
//    within tol). What is left has distinct d; the smallest above d_0 = 0 is kept at least tol / 2 and |z_0|
//    at least tol, so that the poles stay apart.
// 4. arrow_svd on what is left, and the parent's vectors: the items' left vectors (rows) times the arrow's left
//    vectors, and the same for the right: GEMMs on our GEMM kernel (combine_items).
// Below 26 rows (LAPACK's smlsiz) the QR sweeps solve the problem: B with sqre is first made square by
// rotations from the right that chase e_{n-1} up its last column.
//
// Vectors are kept one per row (ut, vt: row j is u_j, v_j), as bidiagonal_qr keeps W^T and Z^T.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "gemm/gemm.h"
#include "linalg/bidiagonal_qr.h"
#include "linalg/rotation.h"
#include "linalg/secular.h"

namespace mytorch {

// Below this order the QR sweeps solve a subproblem.
constexpr int64_t kDivideAndConquerLeaf = 25;

// Sorts s ascending and permutes the rows of ut (n x n) and of vt's first n rows (of length m) alike.
template <typename R>
void sort_singular_triplets(R* s, int64_t n, R* ut, R* vt, int64_t m) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] < s[j]; });
  const std::vector<R> s0(s, s + n), u0(ut, ut + n * n), v0(vt, vt + n * m);
  for (int64_t j = 0; j < n; ++j) {
    s[j] = s0[order[j]];
    std::copy(u0.begin() + order[j] * n, u0.begin() + (order[j] + 1) * n, ut + j * n);
    std::copy(v0.begin() + order[j] * m, v0.begin() + (order[j] + 1) * m, vt + j * m);
  }
}

// The base case by QR sweeps; s ascending, non-negative.
template <typename R>
bool bidiagonal_leaf(const R* d_in, const R* e_in, int64_t n, int sqre, R* s, R* ut, R* vt) {
  const int64_t m = n + sqre;
  std::vector<R> e(e_in, e_in + n - 1 + sqre), chase(m * m, R(0)), zt(n * n, R(0));
  std::copy(d_in, d_in + n, s);
  std::fill(ut, ut + n * n, R(0));
  for (int64_t i = 0; i < n; ++i) ut[i * n + i] = zt[i * n + i] = R(1);
  for (int64_t i = 0; i < m; ++i) chase[i * m + i] = R(1);
  if (sqre) {
    // B G = [B' 0]: the rotation of columns (j, n) zeroes the entry x at (j, n) and moves e_{j-1} x / d_j
    // into (j - 1, n), j from n - 1 up to 0; chase^T = G^T accumulates them
    R x = e[n - 1];
    for (int64_t j = n - 1; j >= 0 && x != 0; --j) {
      R c, sn, r;
      plane_rotation(s[j], x, c, sn, r);
      s[j] = r;
      if (j > 0) x = -sn * e[j - 1], e[j - 1] *= c;
      rotate_rows(chase.data() + j * m, chase.data() + n * m, m, c, sn);
    }
  }
  if (!bidiagonal_qr(s, e.data(), n, ut, zt.data())) return false;
  // V^T = diag(Z^T, 1) G^T, the signs of negative s moved into V
  gemm<R>(n, m, n, R(1), zt.data(), n, 1, chase.data(), m, 1, R(0), vt, m, 1);
  for (int64_t i = 0; i < n; ++i) {
    if (s[i] >= 0) continue;
    s[i] = -s[i];
    std::transform(vt + i * m, vt + (i + 1) * m, vt + i * m, std::negate<R>());
  }
  if (sqre) std::copy(chase.begin() + n * m, chase.end(), vt + n * m);
  sort_singular_triplets(s, n, ut, vt, m);
  return true;
}

// out (count x len) = a (count x count) times the rows of items (len each) listed in kept: row j of out is
// sum_i a[j, i] items[kept[i]]. An item's row is zero outside [0, split) (support 1) or [split, len) (support 2)
// unless a deflating rotation mixed the two (support 3), so the product is one GEMM per part over the items
// with support there (as lasd3 groups its columns): half the flops of a GEMM over whole rows.
template <typename R>
void combine_items(const R* a, const std::vector<int64_t>& kept, const std::vector<char>& support, const R* items,
                   int64_t len, int64_t split, R* out) {
  const int64_t count = static_cast<int64_t>(kept.size());
  std::vector<R> a_part, b_part;
  for (int part = 1; part <= 2; ++part) {
    const int64_t lo = part == 1 ? 0 : split, width = part == 1 ? split : len - split;
    std::vector<int64_t> which;
    for (int64_t i = 0; i < count; ++i) {
      if (support[kept[i]] & part) which.push_back(i);
    }
    const int64_t c = static_cast<int64_t>(which.size());
    if (width == 0) continue;
    if (c == 0) {
      for (int64_t j = 0; j < count; ++j) std::fill(out + j * len + lo, out + j * len + lo + width, R(0));
      continue;
    }
    a_part.resize(count * c), b_part.resize(c * width);
    for (int64_t j = 0; j < count; ++j) {
      for (int64_t l = 0; l < c; ++l) a_part[j * c + l] = a[j * count + which[l]];
    }
    for (int64_t l = 0; l < c; ++l) {
      const R* row = items + kept[which[l]] * len + lo;
      std::copy(row, row + width, b_part.begin() + l * width);
    }
    gemm<R>(count, width, c, R(1), a_part.data(), c, 1, b_part.data(), width, 1, R(0), out + lo, len, 1);
  }
}

// B = U [diag(s) 0] V^T for the n x (n + sqre) upper bidiagonal (d, e): s ascending, ut (n x n) and vt
// ((n + sqre) x (n + sqre)) with a singular vector per row, vt's last row the null vector when sqre. False if
// an iteration has not converged.
template <typename R>
bool bidiagonal_dc(const R* d, const R* e, int64_t n, int sqre, R* s, R* ut, R* vt) {
  if (n <= kDivideAndConquerLeaf) return bidiagonal_leaf(d, e, n, sqre, s, ut, vt);
  const R eps = std::numeric_limits<R>::epsilon() / 2;
  const int64_t m = n + sqre;
  // step 1: B1 = rows < k (k x (k + 1)), B2 = rows > k (n2 x m2)
  const int64_t k = n / 2, n2 = n - k - 1, m1 = k + 1, m2 = n2 + sqre;
  std::vector<R> s1(k), u1(k * k), v1(m1 * m1), s2(n2), u2(n2 * n2), v2(m2 * m2);
  if (!bidiagonal_dc(d, e, k, 1, s1.data(), u1.data(), v1.data())) return false;
  if (!bidiagonal_dc(d + k + 1, e + k + 1, n2, sqre, s2.data(), u2.data(), v2.data())) return false;
  // step 3's scaling
  R scale = std::max({std::abs(d[k]), std::abs(e[k]), s1.back(), s2.back()});
  if (scale == 0) scale = 1;
  const R alpha = d[k] / scale, beta = e[k] / scale;
  for (R& x : s1) x /= scale;
  for (R& x : s2) x /= scale;

  // step 2: the items, as rows of item_u (n x n) and item_v (n x m); item 0 is the folded null column, with
  // row k (e_k) as its left vector; the parent's null vector, when sqre, goes to vt's last row
  // support_u, support_v: which part of the parent's rows each item's vectors lie in (combine_items): left
  // vectors in rows <= k (1) or > k (2), right vectors in columns <= k (1) or > k (2)
  std::vector<R> dz(n), z(n), item_u(n * n, R(0)), item_v(n * m, R(0));
  std::vector<char> support_u(n, 1), support_v(n, 1);
  std::fill(support_u.begin() + k + 1, support_u.end(), 2);
  std::fill(support_v.begin() + k + 1, support_v.end(), 2);
  const R za = alpha * v1[k * m1 + k];  // B1's null vector is v1's row k; its last entry meets alpha
  item_u[k] = 1;
  std::copy(v1.begin() + k * m1, v1.end(), item_v.begin());
  if (sqre) {
    const R zb = beta * v2[n2 * m2];
    R c, sn, r;
    plane_rotation(za, zb, c, sn, r);
    z[0] = r;
    R* null = vt + n * m;
    std::fill(null, null + m, R(0));
    std::copy(v2.begin() + n2 * m2, v2.end(), null + m1);
    rotate_rows(item_v.data(), null, m, c, sn);  // (c v1null + s v2null, c v2null - s v1null)
    support_v[0] = 3;
  } else {
    z[0] = za;
  }
  for (int64_t i = 0; i < k; ++i) {  // B1's items: rows < k of u, columns <= k of v
    dz[1 + i] = s1[i], z[1 + i] = alpha * v1[i * m1 + k];
    std::copy(u1.begin() + i * k, u1.begin() + (i + 1) * k, item_u.begin() + (1 + i) * n);
    std::copy(v1.begin() + i * m1, v1.begin() + (i + 1) * m1, item_v.begin() + (1 + i) * m);
  }
  for (int64_t i = 0; i < n2; ++i) {  // B2's items: rows > k of u, columns > k of v
    const int64_t row = 1 + k + i;
    dz[row] = s2[i], z[row] = beta * v2[i * m2];
    std::copy(u2.begin() + i * n2, u2.begin() + (i + 1) * n2, item_u.begin() + row * n + k + 1);
    std::copy(v2.begin() + i * m2, v2.begin() + (i + 1) * m2, item_v.begin() + row * m + m1);
  }

  // step 3: deflation, walking the items 1.. by ascending d
  std::vector<int64_t> order(n - 1);
  std::iota(order.begin(), order.end(), 1);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return dz[i] < dz[j]; });
  const R tol = 8 * eps * std::max({std::abs(alpha), std::abs(beta), dz[order.back()]});  // 8 eps, or 0 for a zero block
  std::vector<char> deflated(n, 0);
  int64_t prev = -1;
  for (const int64_t i : order) {
    if (std::abs(z[i]) <= tol) {
      deflated[i] = 1;
      continue;
    }
    if (prev >= 0 && dz[i] - dz[prev] <= tol) {
      // (prev, i) <- (c prev - s i, s prev + c i) with s = z_prev / r, c = z_i / r: z_prev becomes 0
      R c, sn, r;
      plane_rotation(z[i], z[prev], c, sn, r);
      z[i] = r, z[prev] = 0;
      rotate_rows(item_u.data() + i * n, item_u.data() + prev * n, n, c, sn);
      rotate_rows(item_v.data() + i * m, item_v.data() + prev * m, m, c, sn);
      deflated[prev] = 1;
      support_u[i] = support_u[prev] = support_u[i] | support_u[prev];
      support_v[i] = support_v[prev] = support_v[i] | support_v[prev];
    }
    prev = i;
  }
  std::vector<int64_t> kept{0};
  for (const int64_t i : order) {
    if (!deflated[i]) kept.push_back(i);
  }
  const int64_t count = static_cast<int64_t>(kept.size());
  std::vector<R> ad(count), az(count);
  for (int64_t j = 0; j < count; ++j) ad[j] = j == 0 ? R(0) : dz[kept[j]], az[j] = z[kept[j]];
  if (count > 1) ad[1] = std::max(ad[1], tol / 2);
  if (std::abs(az[0]) < tol) az[0] = tol;

  // step 4: the arrow's SVD, its vectors carried to the parent's by two GEMMs; then the deflated items
  std::vector<R> aut(count * count), avt(count * count);
  if (count == 1) {  // M = [z_0]: every z was deflated (and may be 0, which the secular equation cannot take)
    s[0] = std::abs(az[0]), aut[0] = 1, avt[0] = az[0] < 0 ? R(-1) : R(1);
  } else if (!arrow_svd(ad.data(), az.data(), count, s, aut.data(), avt.data())) return false;
  combine_items(aut.data(), kept, support_u, item_u.data(), n, k + 1, ut);
  combine_items(avt.data(), kept, support_v, item_v.data(), m, k + 1, vt);
  int64_t next = count;
  for (int64_t i = 1; i < n; ++i) {
    if (!deflated[i]) continue;
    s[next] = dz[i];
    std::copy(item_u.begin() + i * n, item_u.begin() + (i + 1) * n, ut + next * n);
    std::copy(item_v.begin() + i * m, item_v.begin() + (i + 1) * m, vt + next * m);
    ++next;
  }
  for (int64_t j = 0; j < n; ++j) s[j] *= scale;
  sort_singular_triplets(s, n, ut, vt, m);
  return true;
}

}  // namespace mytorch
