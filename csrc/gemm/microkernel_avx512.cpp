// The AVX-512 micro-kernel (compiled with -mavx512f -mavx512dq -mfma) and its cache blocking,
// sized for the AMD EPYC Zen 4 this project is developed on. The loops that use these numbers are
// in gemm.cpp; the kernel itself is in microkernel_simd.h.
//
// Register tile, MR x NR = 12 x 32 floats (12 x 16 doubles): two zmm registers of a B row times
// twelve broadcast A values. Zen 4 executes a 512-bit FMA as two halves on its two 256-bit FMA
// pipes, so it retires one zmm FMA per cycle with a latency of 4 cycles: at least 4 independent
// accumulators keep the pipes busy. 12 x 2 = 24 accumulators + 2 B registers + 1 broadcast fit the
// 32 zmm registers with room to spare, and per k step they need 2 vector loads and 12 broadcast
// loads for 24 FMAs, well inside Zen 4's 2-3 loads per cycle. (14 rows, 28 accumulators, would
// fit too; 12 divides MC = 192 evenly.)
//
// Cache blocks (float; for double, MC halves so that every block holds the same bytes):
//   KC = 512: the depth of every packed panel. One B micro-panel, KC x NR x 4 B = 64 KiB, is
//             re-read for every A micro-panel of the block; it streams from L2 (1 MiB per core,
//             ~32 B/cycle on Zen 4) at 128 B per 24 FMA cycles, ~5 B/cycle, while the A
//             micro-panel, MR x KC x 4 B = 24 KiB, stays in the 32 KiB L1d. Deeper panels load and
//             store each C tile once per 512 steps, and pack fewer, longer runs. Measured with
//             gemm_bench at 1 thread: KC = 192 and 256 are 3-6% slower at n = 1024 and 2048
//             than 512; 768 and 1024 are no faster.
//   MC = 192: the packed A block, MC x KC x 4 B = 384 KiB, stays in the 1 MiB L2 while every B
//             micro-panel of the panel passes over it, with room for those micro-panels and C.
//   NC = 2048: the packed B panel, KC x NC x 4 B = 4 MiB, lives in the 32 MiB L3; each of the two
//             cores packs its own, 8 MiB together.
#include "gemm/microkernel_simd.h"

namespace mytorch::gemm_detail {
namespace {

struct Avx512Float {
  using T = float;
  using Vec = __m512;
  using Mask = __mmask16;
  static constexpr int lanes = 16;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static Vec load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, Vec x) { _mm512_storeu_ps(p, x); }
  static Mask mask(int n) { return static_cast<Mask>((1u << n) - 1); }
  static Vec load(const T* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(T* p, Vec x, Mask m) { _mm512_mask_storeu_ps(p, m, x); }
  static Vec mul(Vec x, Vec y) { return _mm512_mul_ps(x, y); }
  static Vec add(Vec x, Vec y) { return _mm512_add_ps(x, y); }
  static Vec fma(Vec x, Vec y, Vec z) { return _mm512_fmadd_ps(x, y, z); }
};

struct Avx512Double {
  using T = double;
  using Vec = __m512d;
  using Mask = __mmask8;
  static constexpr int lanes = 8;
  static Vec zero() { return _mm512_setzero_pd(); }
  static Vec broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static Vec load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, Vec x) { _mm512_storeu_pd(p, x); }
  static Mask mask(int n) { return static_cast<Mask>((1u << n) - 1); }
  static Vec load(const T* p, Mask m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(T* p, Vec x, Mask m) { _mm512_mask_storeu_pd(p, m, x); }
  static Vec mul(Vec x, Vec y) { return _mm512_mul_pd(x, y); }
  static Vec add(Vec x, Vec y) { return _mm512_add_pd(x, y); }
  static Vec fma(Vec x, Vec y, Vec z) { return _mm512_fmadd_pd(x, y, z); }
};

constexpr int kRows = 12;

}  // namespace

template <>
const MicroKernel<float>& avx512_kernel<float>() {
  static const MicroKernel<float> kernel{
      "avx512", /*mr=*/kRows, /*nr=*/32, /*nr_step=*/16, /*kc=*/512, /*mc=*/192, /*nc=*/2048,
      &simd_tile<Avx512Float, kRows, 2>, simd_pack<float, kRows>, simd_pack<float, 32>};
  return kernel;
}

template <>
const MicroKernel<double>& avx512_kernel<double>() {
  static const MicroKernel<double> kernel{
      "avx512", /*mr=*/kRows, /*nr=*/16, /*nr_step=*/8, /*kc=*/512, /*mc=*/96, /*nc=*/2048,
      &simd_tile<Avx512Double, kRows, 2>, simd_pack<double, kRows>, simd_pack<double, 16>};
  return kernel;
}

}  // namespace mytorch::gemm_detail
