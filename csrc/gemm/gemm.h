#pragma once
#include <cstdint>
namespace mytorch {
// C[i,j] = alpha * sum_p A[i,p] * B[p,j] + beta * C[i,j], for i < m, j < n, p < k.
// Every operand is addressed by element strides (row stride, column stride), so transposed or
// sliced operands need no copy. When beta == 0, C is written without being read (it may hold NaN).
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha,
          const T* a, int64_t a_rs, int64_t a_cs,
          const T* b, int64_t b_rs, int64_t b_cs,
          T beta, T* c, int64_t c_rs, int64_t c_cs);
// `batch` independent products; operand q of product i starts at q + i * q_bs (a batch stride of 0
// broadcasts that operand). Parallelises over the batch when the matrices are small.
template <typename T>
void gemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* a, int64_t a_bs, int64_t a_rs, int64_t a_cs,
                  const T* b, int64_t b_bs, int64_t b_rs, int64_t b_cs,
                  T beta, T* c, int64_t c_bs, int64_t c_rs, int64_t c_cs);
// which micro-kernel runs on this CPU: "avx512", "avx2" or "generic"
const char* gemm_kernel_name();
}
