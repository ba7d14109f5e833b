// The register-tiled micro-kernel, written once for any SIMD instruction set. An instruction set's
// file (microkernel_avx512.cpp, microkernel_avx2.cpp) includes this header with its own compiler
// flags and supplies a vector type V:
//   V::T, V::Vec, V::Mask, V::lanes          element type, register type, lane mask, lanes per register
//   V::zero(), V::broadcast(const T*)        all lanes 0 / all lanes *p
//   V::load(p), V::store(p, x)               a full register
//   V::mask(n)                               the first n lanes
//   V::load(p, m), V::store(p, x, m)         only the lanes in m (the others read as 0, are not written)
//   V::mul(x, y), V::fma(x, y, z)            x * y, x * y + z
// Everything here has internal linkage, so the copies compiled with different flags never meet.
#pragma once
#include <cstdint>
#include <utility>

#include "gemm/microkernel.h"

namespace mytorch::gemm_detail {
namespace {

// One MR x (NV registers) tile of C held in registers for the whole k loop: each step loads NV
// registers of a B row, broadcasts each of the ROWS values of an A column and does ROWS * NV FMAs.
// ROWS < MR and a narrower last register are the edge tiles; `last` masks the last register's
// columns, so B is never read past the matrix edge and C is never written past it.
template <class V, int MR, int ROWS, int NV>
void tile(int64_t k, const typename V::T* a, const typename V::T* b, int64_t b_rs,
          typename V::Mask last, typename V::T alpha, typename V::T beta,
          typename V::T* c, int64_t c_rs) {
  using Vec = typename V::Vec;
  Vec acc[ROWS][NV];
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();

  for (int64_t p = 0; p < k; ++p, a += MR, b += b_rs) {
    Vec bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      bv[v] = v + 1 < NV ? V::load(b + v * V::lanes) : V::load(b + v * V::lanes, last);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      const Vec ai = V::broadcast(a + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
    }
  }

  // C = alpha * acc + beta * C, and C is not read at all when beta == 0 (it may hold NaN).
  const Vec valpha = V::broadcast(&alpha), vbeta = V::broadcast(&beta);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    typename V::T* crow = c + i * c_rs;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      typename V::T* cv = crow + v * V::lanes;
      Vec r = V::mul(valpha, acc[i][v]);
      if (v + 1 < NV) {
        if (beta != 0) r = V::fma(vbeta, V::load(cv), r);
        V::store(cv, r);
      } else {
        if (beta != 0) r = V::fma(vbeta, V::load(cv, last), r);
        V::store(cv, r, last);
      }
    }
  }
}

template <class V, int MR, int NV>
using TileFor = decltype(&tile<V, MR, 1, NV>);

// The tile function for `rows` rows and `nv` registers of columns, from a table of all of them.
template <class V, int MR, int NV, int... R>
TileFor<V, MR, NV> pick_tile(int64_t rows, int64_t nv, std::integer_sequence<int, R...>) {
  static_assert(NV == 2, "the table below holds tiles one and two registers wide");
  static const TileFor<V, MR, NV> table[][2] = {{&tile<V, MR, R + 1, 1>, &tile<V, MR, R + 1, 2>}...};
  return table[rows - 1][nv - 1];
}

// The micro-kernel entry point (see TileFn): MR rows by NV registers of columns.
template <class V, int MR, int NV>
void simd_tile(int64_t k, const typename V::T* a, const typename V::T* b, int64_t b_rs,
               typename V::T alpha, typename V::T beta, typename V::T* c, int64_t c_rs,
               int64_t c_cs, int64_t rows, int64_t cols) {
  using T = typename V::T;
  const int64_t nv = (cols + V::lanes - 1) / V::lanes;
  const auto last = V::mask(static_cast<int>(cols - (nv - 1) * V::lanes));
  const auto run = pick_tile<V, MR, NV>(rows, nv, std::make_integer_sequence<int, MR>{});
  if (c_cs == 1) {
    run(k, a, b, b_rs, last, alpha, beta, c, c_rs);
    return;
  }
  // C's columns are not contiguous: compute alpha * A * B into a contiguous tile, then add it in.
  constexpr int NR = NV * V::lanes;
  alignas(64) T product[MR * NR];
  run(k, a, b, b_rs, last, alpha, T(0), product, NR);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T& cij = c[i * c_rs + j * c_cs];
      cij = beta == T(0) ? product[i * NR + j] : product[i * NR + j] + beta * cij;
    }
}

}  // namespace
}  // namespace mytorch::gemm_detail
