// Plane (Givens) rotations, shared by the eigensolvers: LAPACK's lartg, and a rotation applied to two rows.
#pragma once
#include <cmath>
#include <cstdint>

namespace mytorch {

// LAPACK's plane rotation (lartg): (c, s, r) with c f + s g = r and c g - s f = 0, c >= 0 (r has f's sign).
template <typename R>
void plane_rotation(R f, R g, R& c, R& s, R& r) {
  if (g == 0) {
    c = 1, s = 0, r = f;
  } else if (f == 0) {
    c = 0, s = std::copysign(R(1), g), r = std::abs(g);
  } else {
    const R h = std::hypot(f, g);
    c = std::abs(f) / h, r = std::copysign(h, f), s = g / r;
  }
}

// (row_k, row_l) <- (c row_k + s row_l, -s row_k + c row_l) on two rows of length n (LAPACK's rot).
template <typename T, typename R>
void rotate_rows(T* row_k, T* row_l, int64_t n, R c, R s) {
  for (int64_t i = 0; i < n; ++i) {
    const T x = row_k[i], y = row_l[i];
    row_k[i] = c * x + s * y;
    row_l[i] = c * y - s * x;
  }
}

}  // namespace mytorch
