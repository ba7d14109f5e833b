// The AVX2 micro-kernel (compiled with -mavx2 -mfma), for x86-64 CPUs without AVX-512. The kernel
// itself is in microkernel_simd.h; the loops that use these numbers are in gemm.cpp.
//
// Register tile, MR x NR = 6 x 16 floats (6 x 8 doubles): two ymm registers of a B row times six
// broadcast A values. AVX2 has 16 ymm registers: 6 x 2 = 12 accumulators + 2 B registers +
// 1 broadcast fit, and 12 independent FMAs cover the 4-5 cycle FMA latency on two FMA pipes.
// The cache blocks follow the AVX-512 reasoning (see microkernel_avx512.cpp) for a narrower tile:
// KC x NR x 4 B = 16 KiB of B micro-panel per A micro-panel pass, MC x KC x 4 B = 384 KiB of A in L2.
#include "gemm/microkernel_simd.h"

namespace mytorch::gemm_detail {
namespace {

// AVX2 has no mask registers: a lane mask is a vector whose lanes are all-ones (use) or zero.
struct Avx2Float {
  using T = float;
  using Vec = __m256;
  using Mask = __m256i;
  static constexpr int lanes = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static Vec load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, Vec x) { _mm256_storeu_ps(p, x); }
  static Mask mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec load(const T* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void store(T* p, Vec x, Mask m) { _mm256_maskstore_ps(p, m, x); }
  static Vec mul(Vec x, Vec y) { return _mm256_mul_ps(x, y); }
  static Vec add(Vec x, Vec y) { return _mm256_add_ps(x, y); }
  static Vec fma(Vec x, Vec y, Vec z) { return _mm256_fmadd_ps(x, y, z); }
};

struct Avx2Double {
  using T = double;
  using Vec = __m256d;
  using Mask = __m256i;
  static constexpr int lanes = 4;
  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static Vec load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, Vec x) { _mm256_storeu_pd(p, x); }
  static Mask mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Vec load(const T* p, Mask m) { return _mm256_maskload_pd(p, m); }
  static void store(T* p, Vec x, Mask m) { _mm256_maskstore_pd(p, m, x); }
  static Vec mul(Vec x, Vec y) { return _mm256_mul_pd(x, y); }
  static Vec add(Vec x, Vec y) { return _mm256_add_pd(x, y); }
  static Vec fma(Vec x, Vec y, Vec z) { return _mm256_fmadd_pd(x, y, z); }
};

constexpr int kRows = 6;

}  // namespace

template <>
const MicroKernel<float>& avx2_kernel<float>() {
  static const MicroKernel<float> kernel{
      "avx2", /*mr=*/kRows, /*nr=*/16, /*nr_step=*/8, /*kc=*/256, /*mc=*/384, /*nc=*/4096,
      &simd_tile<Avx2Float, kRows, 2>, simd_pack<float, kRows>, simd_pack<float, 16>};
  return kernel;
}

template <>
const MicroKernel<double>& avx2_kernel<double>() {
  static const MicroKernel<double> kernel{
      "avx2", /*mr=*/kRows, /*nr=*/8, /*nr_step=*/4, /*kc=*/256, /*mc=*/192, /*nc=*/4096,
      &simd_tile<Avx2Double, kRows, 2>, simd_pack<double, kRows>, simd_pack<double, 8>};
  return kernel;
}

}  // namespace mytorch::gemm_detail
