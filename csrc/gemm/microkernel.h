// The contract between the blocking loops (gemm.cpp) and the micro-kernels, one per instruction set.
//
// A micro-kernel updates one register tile of C, at most mr x nr, from two micro-panels:
//   A micro-panel: A[i, p] at a + i * a_rs + p * a_cs. Packed, a_rs == 1 and a_cs == mr (rows past
//                  the edge are zero); read in place, A's own strides.
//   B micro-panel: for each p < k, nr consecutive values B[p, j], the next p b_rs elements further
//                  (b_rs == nr when B was packed; B's own row stride when it is read in place).
// It computes C[i, j] = alpha * sum_p A[i, p] * B[p, j] + beta * C[i, j] + D[i, j] for i < rows,
// j < cols, D being the epilogue's (gemm.h; offset to this tile; none when `epilogue` is null), and
// reads neither C when beta == 0, nor A rows at or past `rows`, nor B columns at or past `cols`.
//
// Each instruction set's file is compiled with its own flags, so it must not instantiate anything
// shared with the other files (standard-library templates included): the linker keeps one copy of
// such code, and could pick the AVX-512 one for a CPU without AVX-512.
#pragma once
#include <cstdint>

#include "gemm/gemm.h"

namespace mytorch::gemm_detail {

template <typename T>
using TileFn = void (*)(int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs,
                        T alpha, T beta, T* c, int64_t c_rs, int64_t c_cs, int64_t rows, int64_t cols,
                        const Epilogue<T>* epilogue);

// Packs a k x extent slab into micro-panels W wide (see pack.h):
//   dst[(l / W) * k * W + p * W + l % W] = src[p * k_stride + l * lane_stride], zero past `extent`.
template <typename T>
using PackFn = void (*)(const T* src, int64_t k_stride, int64_t lane_stride, int64_t k,
                        int64_t extent, T* dst);

template <typename T>
struct MicroKernel {
  const char* name;
  int64_t mr, nr;      // register tile: rows and columns of C per call
  int64_t nr_step;     // a tile narrower than nr costs as much as the next multiple of this (a register)
  int64_t kc, mc, nc;  // cache blocks: depth of a packed panel, rows of packed A, columns of packed B
  TileFn<T> tile;
  PackFn<T> pack_a;    // W = mr: lanes are rows of A
  PackFn<T> pack_b;    // W = nr: lanes are columns of B
};

template <typename T> const MicroKernel<T>& avx512_kernel();
template <typename T> const MicroKernel<T>& avx2_kernel();
template <typename T> const MicroKernel<T>& generic_kernel();

}  // namespace mytorch::gemm_detail
