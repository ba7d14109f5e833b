#pragma once
#include <cstdint>
namespace mytorch {
// What the GEMM does to each element of C as it writes it for the last time, after alpha * A B + beta * C:
// adds D[i, j] = add[i * add_rs + j * add_cs] when `add` is set. A stride of 0 broadcasts, so a bias of
// C's columns (nn.Linear's) is {bias, 0, 1}. Done in the micro-kernel's registers, this saves a pass
// over C. It is applied once, after the whole sum over k, in the order of a separate addition (so the
// same bits when alpha == 1). A plain aggregate (no member functions): the micro-kernel files, compiled
// with different instruction sets, must share no code (see microkernel.h).
template <typename T>
struct Epilogue {
  const T* add = nullptr;
  int64_t add_rs = 0, add_cs = 0;
};

// C[i,j] = alpha * sum_p A[i,p] * B[p,j] + beta * C[i,j] + D[i,j], for i < m, j < n, p < k, where D
// comes from the epilogue (none by default).
// Every operand is addressed by element strides (row stride, column stride), so transposed or
// sliced operands need no copy. When beta == 0, C is written without being read (it may hold NaN).
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha,
          const T* a, int64_t a_rs, int64_t a_cs,
          const T* b, int64_t b_rs, int64_t b_cs,
          T beta, T* c, int64_t c_rs, int64_t c_cs, const Epilogue<T>& epilogue = {});
// `batch` independent products; operand q of product i starts at q + i * q_bs (a batch stride of 0
// broadcasts that operand); every product adds the same D. Parallelises over the batch when the
// matrices are small.
template <typename T>
void gemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* a, int64_t a_bs, int64_t a_rs, int64_t a_cs,
                  const T* b, int64_t b_bs, int64_t b_rs, int64_t b_cs,
                  T beta, T* c, int64_t c_bs, int64_t c_rs, int64_t c_cs, const Epilogue<T>& epilogue = {});
// which micro-kernel runs on this CPU: "avx512", "avx2" or "generic"
const char* gemm_kernel_name();
}
