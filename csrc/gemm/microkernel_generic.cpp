// The portable micro-kernel: plain C++ that the compiler vectorises for the baseline instruction
// set (SSE2 on x86-64, NEON on ARM). It runs where neither AVX2 nor AVX-512 is available.
//
// Register tile, MR x NR = 4 x 8 floats (4 x 4 doubles): 32 or 16 accumulators, i.e. 8 SSE
// registers, leaving the other 8 for a B row and broadcasts. The cache blocks are the AVX2 ones.
#include "gemm/microkernel.h"
#include "gemm/pack.h"

namespace mytorch::gemm_detail {
namespace {

// Full tiles run the fixed-size loops the compiler unrolls and vectorises; edge tiles take the loops
// bounded by `rows` and `cols`, so A and B are never read past the matrix edge.
template <typename T, int MR, int NR>
void generic_tile(int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs, T alpha, T beta,
                  T* c, int64_t c_rs, int64_t c_cs, int64_t rows, int64_t cols, const Epilogue<T>* epilogue) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < k; ++p, a += a_cs, b += b_rs) {
    if (rows == MR && cols == NR) {
      for (int i = 0; i < MR; ++i)
        for (int j = 0; j < NR; ++j) acc[i][j] += a[i * a_rs] * b[j];
    } else {
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) acc[i][j] += a[i * a_rs] * b[j];
    }
  }
  // C is not read when beta == 0 (it may hold NaN).
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      T& cij = c[i * c_rs + j * c_cs];
      T r = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * cij;
      if (epilogue) r += epilogue->add[i * epilogue->add_rs + j * epilogue->add_cs];
      cij = r;
    }
}

template <typename T, int W>
constexpr PackFn<T> portable_pack = &pack_panels<T, W, &pack_micro_panel_portable<T, W>>;

}  // namespace

template <>
const MicroKernel<float>& generic_kernel<float>() {
  static const MicroKernel<float> kernel{
      "generic", /*mr=*/4, /*nr=*/8, /*nr_step=*/8, /*kc=*/256, /*mc=*/384, /*nc=*/4096,
      &generic_tile<float, 4, 8>, portable_pack<float, 4>, portable_pack<float, 8>};
  return kernel;
}

template <>
const MicroKernel<double>& generic_kernel<double>() {
  static const MicroKernel<double> kernel{
      "generic", /*mr=*/4, /*nr=*/4, /*nr_step=*/4, /*kc=*/256, /*mc=*/192, /*nc=*/4096,
      &generic_tile<double, 4, 4>, portable_pack<double, 4>, portable_pack<double, 4>};
  return kernel;
}

}  // namespace mytorch::gemm_detail
