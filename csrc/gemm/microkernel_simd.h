// The register-tiled micro-kernel, written once for any SIMD instruction set. An instruction set's
// file (microkernel_avx512.cpp, microkernel_avx2.cpp) includes this header with its own compiler
// flags and supplies a vector type V:
//   V::T, V::Vec, V::Mask, V::lanes          element type, register type, lane mask, lanes per register
//   V::zero(), V::broadcast(const T*)        all lanes 0 / all lanes *p
//   V::load(p), V::store(p, x)               a full register
//   V::mask(n)                               the first n lanes
//   V::load(p, m), V::store(p, x, m)         only the lanes in m (the others read as 0, are not written)
//   V::mul(x, y), V::add(x, y)               x * y, x + y
//   V::fma(x, y, z)                          x * y + z
// Everything here has internal linkage, so the copies compiled with different flags never meet.
// The packing of transposed operands, also here, uses AVX2 (which every such file has).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <type_traits>
#include <utility>

#include "gemm/microkernel.h"
#include "gemm/pack.h"

namespace mytorch::gemm_detail {
namespace {

// What a tile adds to C as it writes it (gemm.h's Epilogue): nothing, D with contiguous columns (a bias
// row, a matrix), or one D value per row (add_cs == 0: a bias column). A template argument, so a tile
// without D runs the stores it ran before D existed (a branch per register cost 26 instructions a tile).
enum class Add { none, contiguous, per_row };

// C = alpha * acc + beta * C + D for one tile; C is not read at all when beta == 0 (it may hold NaN).
template <class V, int ROWS, int NV, bool MASKED, Add ADD>
[[gnu::always_inline]] inline void store_tile(const typename V::Vec (&acc)[ROWS][NV], typename V::Mask last,
                                              typename V::T alpha, typename V::T beta, typename V::T* c,
                                              int64_t c_rs, const typename V::T* d, int64_t d_rs) {
  using Vec = typename V::Vec;
  const Vec valpha = V::broadcast(&alpha), vbeta = V::broadcast(&beta);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const bool full = v + 1 < NV || !MASKED;
      typename V::T* cv = c + i * c_rs + v * V::lanes;
      const typename V::T* dv = d + i * d_rs + (ADD == Add::contiguous ? v * V::lanes : 0);
      Vec r = V::mul(valpha, acc[i][v]);
      if (beta != 0) r = V::fma(vbeta, full ? V::load(cv) : V::load(cv, last), r);
      if constexpr (ADD == Add::contiguous) r = V::add(r, full ? V::load(dv) : V::load(dv, last));
      if constexpr (ADD == Add::per_row) r = V::add(r, V::broadcast(dv));
      if (full)
        V::store(cv, r);
      else
        V::store(cv, r, last);
    }
}

// One ROWS x (NV registers) tile of C held in registers for the whole k loop: each step loads NV
// registers of a B row, broadcasts each of the ROWS values of an A column and does ROWS * NV FMAs.
// ROWS < MR and a narrower last register are the edge tiles; `last` masks the last register's
// columns, so B is never read past the matrix edge and C is never written past it. A tile whose last
// register is full (MASKED false) uses plain loads and stores: AVX2's masked vmaskmovps in the k loop
// cost 2-9% on Zen 3 (measured 1 thread, float32: 1024 x 784 x 512 76.7 -> 78.4 GFLOP/s, 1024^3 76.0 -> 83.4).
template <class V, int ROWS, int NV, bool MASKED>
void tile(int64_t k, const typename V::T* a, int64_t a_rs, int64_t a_cs, const typename V::T* b, int64_t b_rs,
          typename V::Mask last, typename V::T alpha, typename V::T beta,
          typename V::T* c, int64_t c_rs, const Epilogue<typename V::T>* epilogue) {
  using Vec = typename V::Vec;
  Vec acc[ROWS][NV];
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();

  // Four k steps per loop iteration: the loop's own add/compare/branch otherwise take issue slots beside
  // the 12 FMAs (measured on Zen 3 with the masking change above: 1024^3 float32 84-88 -> 91-92 GFLOP/s).
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p, a += a_cs, b += b_rs) {
    Vec bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      bv[v] = v + 1 < NV || !MASKED ? V::load(b + v * V::lanes) : V::load(b + v * V::lanes, last);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      const Vec ai = V::broadcast(a + i * a_rs);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = V::fma(ai, bv[v], acc[i][v]);
    }
  }

  if (!epilogue)
    store_tile<V, ROWS, NV, MASKED, Add::none>(acc, last, alpha, beta, c, c_rs, nullptr, 0);
  else if (epilogue->add_cs == 0)
    store_tile<V, ROWS, NV, MASKED, Add::per_row>(acc, last, alpha, beta, c, c_rs, epilogue->add, epilogue->add_rs);
  else
    store_tile<V, ROWS, NV, MASKED, Add::contiguous>(acc, last, alpha, beta, c, c_rs, epilogue->add, epilogue->add_rs);
}

template <class V, int NV>
using TileFor = decltype(&tile<V, 1, NV, true>);

// The tile function for `rows` rows, `nv` registers of columns and a partial last register or not, from a
// table of all of them.
template <class V, int NV, int... R>
TileFor<V, NV> pick_tile(int64_t rows, int64_t nv, bool masked, std::integer_sequence<int, R...>) {
  static_assert(NV == 2, "the table below holds tiles one and two registers wide");
  static const TileFor<V, NV> table[][2][2] = {
      {{&tile<V, R + 1, 1, false>, &tile<V, R + 1, 1, true>}, {&tile<V, R + 1, 2, false>, &tile<V, R + 1, 2, true>}}...};
  return table[rows - 1][nv - 1][masked];
}

// The micro-kernel entry point (see TileFn): MR rows by NV registers of columns.
template <class V, int MR, int NV>
void simd_tile(int64_t k, const typename V::T* a, int64_t a_rs, int64_t a_cs, const typename V::T* b, int64_t b_rs,
               typename V::T alpha, typename V::T beta, typename V::T* c, int64_t c_rs,
               int64_t c_cs, int64_t rows, int64_t cols, const Epilogue<typename V::T>* epilogue) {
  using T = typename V::T;
  const int64_t nv = (cols + V::lanes - 1) / V::lanes;
  const auto last = V::mask(static_cast<int>(cols - (nv - 1) * V::lanes));
  const auto run = pick_tile<V, NV>(rows, nv, cols % V::lanes != 0, std::make_integer_sequence<int, MR>{});
  if (c_cs == 1 && (!epilogue || epilogue->add_cs == 0 || epilogue->add_cs == 1)) {
    run(k, a, a_rs, a_cs, b, b_rs, last, alpha, beta, c, c_rs, epilogue);
    return;
  }
  // C's or D's columns are not contiguous: compute alpha * A * B into a contiguous tile, then add it in.
  constexpr int NR = NV * V::lanes;
  alignas(64) T product[MR * NR];
  run(k, a, a_rs, a_cs, b, b_rs, last, alpha, T(0), product, NR, nullptr);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T& cij = c[i * c_rs + j * c_cs];
      T r = beta == T(0) ? product[i * NR + j] : product[i * NR + j] + beta * cij;
      if (epilogue) r += epilogue->add[i * epilogue->add_rs + j * epilogue->add_cs];
      cij = r;
    }
}

// ---------------------------------------------------------------------------------------------
// Packing a source whose lanes have k contiguous: row-major A (its rows are the lanes), or B read
// through a transposed view. Element by element that is a gather from W rows at about one element
// per cycle; instead, load a square block (8 x 8 floats, 4 x 4 doubles) from as many rows, transpose
// it in registers and store it as whole rows of the micro-panel, about four times faster.

struct FloatBlock {
  using Vec = __m256;
  static constexpr int n = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void transpose(Vec r[8]) {
    const Vec t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const Vec t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const Vec t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const Vec t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const Vec s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const Vec s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const Vec s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const Vec s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20), r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20), r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20), r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20), r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
  }
  // The first `count` lanes (all of them when count >= 8), in pieces of 4, 2 and 1: AMD CPUs run
  // vmaskmovps stores as slow microcode.
  static void store(float* p, Vec x, int count) {
    if (count >= n) return _mm256_storeu_ps(p, x);
    __m128 part = _mm256_castps256_ps128(x);
    if (count >= 4) _mm_storeu_ps(p, part), part = _mm256_extractf128_ps(x, 1), p += 4, count -= 4;
    if (count >= 2) _mm_storel_pi(reinterpret_cast<__m64*>(p), part), part = _mm_movehl_ps(part, part), p += 2, count -= 2;
    if (count >= 1) _mm_store_ss(p, part);
  }
};

struct DoubleBlock {
  using Vec = __m256d;
  static constexpr int n = 4;
  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  static void transpose(Vec r[4]) {
    const Vec t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    const Vec t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20), r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20), r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
  static void store(double* p, Vec x, int count) {
    if (count >= n) return _mm256_storeu_pd(p, x);
    __m128d part = _mm256_castpd256_pd128(x);
    if (count >= 2) _mm_storeu_pd(p, part), part = _mm256_extractf128_pd(x, 1), p += 2, count -= 2;
    if (count >= 1) _mm_store_sd(p, part);
  }
};

// One micro-panel (see pack.h): square blocks through registers when k is contiguous, the portable
// element-by-element copy otherwise and for the last k % n depths.
template <typename T, int W>
void pack_micro_panel_simd(const T* src, int64_t k_stride, int64_t lane_stride, int64_t k,
                           int64_t lanes, T* dst) {
  using Block = std::conditional_t<sizeof(T) == 4, FloatBlock, DoubleBlock>;
  constexpr int n = Block::n;
  if (k_stride != 1 || lane_stride == 1)
    return pack_micro_panel_portable<T, W>(src, k_stride, lane_stride, k, lanes, dst);
  const int64_t k_blocks = k - k % n;
  for (int l0 = 0; l0 < W; l0 += n)
    for (int64_t p = 0; p < k_blocks; p += n) {
      typename Block::Vec r[n];
      for (int i = 0; i < n; ++i)  // lanes past the edge read as zeros: the padding
        r[i] = l0 + i < lanes ? Block::load(src + (l0 + i) * lane_stride + p) : Block::zero();
      Block::transpose(r);
      for (int q = 0; q < n; ++q) Block::store(dst + (p + q) * W + l0, r[q], W - l0);
    }
  pack_micro_panel_portable<T, W>(src + k_blocks, 1, lane_stride, k - k_blocks, lanes, dst + k_blocks * W);
}

template <typename T, int W>
constexpr PackFn<T> simd_pack = &pack_panels<T, W, &pack_micro_panel_simd<T, W>>;

}  // namespace
}  // namespace mytorch::gemm_detail
