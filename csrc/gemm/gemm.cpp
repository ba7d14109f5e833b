// Our GEMM: C = alpha * A * B + beta * C for strided float and double matrices, structured as in
// Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (2008):
//
//   for jc over n, NC columns at a time:                    B panel -> L3
//     for pc over k, KC at a time:
//       pack B[pc:pc+KC, jc:jc+NC] into NR-wide micro-panels
//       for ic over m, MC rows at a time:                   A block -> L2
//         pack A[ic:ic+MC, pc:pc+KC] into MR-tall micro-panels
//         for jr over the panel, NR columns at a time:      B micro-panel -> L1
//           for ir over the block, MR rows at a time:
//             micro-kernel: C[MR x NR tile] += A micro-panel * B micro-panel, in registers
//
// Packing (pack.h) copies each block once into the exact order the micro-kernel reads it
// (contiguous, aligned, whatever the operands' strides), so the inner loops only stream memory.
// MR, NR, KC, MC and NC belong to each micro-kernel; microkernel_avx512.cpp derives them from this
// machine's caches (Zen 4: 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3 shared).
//
// Threads split C into a grid of regions, one per thread, each computed by the loops above with
// the thread's own packing buffers. No thread ever splits k, so every C element is summed in the
// same order whatever the thread count: results are bit-identical across thread counts.
#include "gemm/gemm.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "gemm/microkernel.h"

namespace mytorch {
namespace gemm_detail {
namespace {

// ---------------------------------------------------------------------------------------------
// Which micro-kernel runs: the widest the CPU supports, unless MYTORCH_GEMM_KERNEL names one.

enum class Isa { avx512, avx2, generic };

bool cpu_has(Isa isa) {
#ifdef MYTORCH_GEMM_X86
  __builtin_cpu_init();
  switch (isa) {
    case Isa::avx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::generic: return true;
  }
  return false;
#else
  return isa == Isa::generic;
#endif
}

Isa choose_isa() {
  if (const char* forced = std::getenv("MYTORCH_GEMM_KERNEL")) {
    const Isa named = !std::strcmp(forced, "avx512") ? Isa::avx512
                      : !std::strcmp(forced, "avx2") ? Isa::avx2
                                                     : Isa::generic;
    if (std::strcmp(forced, "generic") && named == Isa::generic)
      std::fprintf(stderr, "MYTORCH_GEMM_KERNEL=%s is not avx512, avx2 or generic\n", forced);
    else if (!cpu_has(named))
      std::fprintf(stderr, "MYTORCH_GEMM_KERNEL=%s: this CPU lacks it\n", forced);
    else
      return named;
  }
  return cpu_has(Isa::avx512) ? Isa::avx512 : cpu_has(Isa::avx2) ? Isa::avx2 : Isa::generic;
}

Isa active_isa() {
  static const Isa isa = choose_isa();
  return isa;
}

template <typename T>
const MicroKernel<T>& active_kernel() {
#ifdef MYTORCH_GEMM_X86
  switch (active_isa()) {
    case Isa::avx512: return avx512_kernel<T>();
    case Isa::avx2: return avx2_kernel<T>();
    case Isa::generic: break;
  }
#endif
  return generic_kernel<T>();
}

// ---------------------------------------------------------------------------------------------
// Packing buffers: one pair per thread, grown on demand and kept, so a GEMM allocates nothing
// once the buffers have reached their working size.

class PackBuffer {
 public:
  ~PackBuffer() { ::operator delete(data_, kAlign); }
  template <typename T>
  T* get(int64_t count) {
    const size_t bytes = static_cast<size_t>(count) * sizeof(T);
    if (bytes > bytes_) {
      ::operator delete(data_, kAlign);
      data_ = ::operator new(bytes, kAlign);
      bytes_ = bytes;
    }
    return static_cast<T*>(data_);
  }

 private:
  static constexpr std::align_val_t kAlign{64};  // a cache line, and one zmm register
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

thread_local PackBuffer a_buffer, b_buffer;

// ---------------------------------------------------------------------------------------------
// The blocked product of one thread.

// Operands as pointer + row stride + column stride.
template <typename T>
struct Matrix {
  T* data;
  int64_t rs, cs;
  T* at(int64_t i, int64_t j) const { return data + i * rs + j * cs; }
};

// Where the micro-kernel finds the micro-panels of one operand: the micro-panel of lanes l..l+W-1
// starts at data + l * lane_step, and its element (lane i, depth p) is at i * lane_stride +
// p * k_stride (see TileFn; B's lane_stride is always 1).
template <typename T>
struct Panels {
  const T* data;
  int64_t lane_step, lane_stride, k_stride;
};

// An operand is read in place rather than packed when it allows it and each of its micro-panels is
// used by at most this many micro-kernel calls: packing would cost about as much as the reads it
// makes faster (measured: 4 beats 2 by 4-8% on 2048 x 128 x 512 and the batched attention and
// LeNet shapes; 8 is no better). A can be read in place with any unit stride (the kernel
// broadcasts its values one by one), B only with contiguous rows (the kernel loads them as vectors).
constexpr int64_t kInPlaceMaxUses = 4;

// The epilogue of the part of C that starts at row i, column j.
template <typename T>
Epilogue<T> shifted(const Epilogue<T>& e, int64_t i, int64_t j) {
  return e.add ? Epilogue<T>{e.add + i * e.add_rs + j * e.add_cs, e.add_rs, e.add_cs} : e;
}

// C = beta * C + D, for products with nothing to add (k == 0 or alpha == 0).
template <typename T>
void scale(int64_t m, int64_t n, T beta, Matrix<T> c, const Epilogue<T>& epilogue) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T& cij = *c.at(i, j);
      cij = beta == T(0) ? T(0) : beta * cij;
      if (epilogue.add) cij += epilogue.add[i * epilogue.add_rs + j * epilogue.add_cs];
    }
}

// The two innermost loops: every MR x NR tile of an mc x nc block of C.
template <typename T>
void multiply_block(const MicroKernel<T>& kernel, int64_t mc, int64_t nc, int64_t kc, T alpha,
                    Panels<T> a, Panels<T> b, T beta, Matrix<T> c, const Epilogue<T>& epilogue) {
  for (int64_t j0 = 0; j0 < nc; j0 += kernel.nr)
    for (int64_t i0 = 0; i0 < mc; i0 += kernel.mr) {
      const Epilogue<T> tile_epilogue = shifted(epilogue, i0, j0);
      kernel.tile(kc, a.data + i0 * a.lane_step, a.lane_stride, a.k_stride, b.data + j0 * b.lane_step,
                  b.k_stride, alpha, beta, c.at(i0, j0), c.rs, c.cs, std::min(kernel.mr, mc - i0),
                  std::min(kernel.nr, nc - j0), epilogue.add ? &tile_epilogue : nullptr);
    }
}

template <typename T>
void gemm_serial(const MicroKernel<T>& kernel, int64_t m, int64_t n, int64_t k, T alpha,
                 Matrix<const T> a, Matrix<const T> b, T beta, Matrix<T> c, const Epilogue<T>& epilogue) {
  if (m <= 0 || n <= 0) return;
  if (k == 0 || alpha == T(0)) return scale(m, n, beta, c, epilogue);

  const bool a_in_place = (a.rs == 1 || a.cs == 1) && (n + kernel.nr - 1) / kernel.nr <= kInPlaceMaxUses;
  const bool b_in_place = b.cs == 1 && (m + kernel.mr - 1) / kernel.mr <= kInPlaceMaxUses;
  T* a_packed = a_in_place ? nullptr : a_buffer.get<T>(kernel.mc * kernel.kc);
  T* b_packed = b_in_place ? nullptr
                           : b_buffer.get<T>(kernel.kc * ((std::min(n, kernel.nc) + kernel.nr - 1) /
                                                          kernel.nr * kernel.nr));
  // k is cut into equal blocks of at most KC: 600 = 300 + 300 rather than 512 + 88, whose last
  // block would load and store C for only 88 steps of FMAs.
  const int64_t k_blocks = (k + kernel.kc - 1) / kernel.kc, k_block = (k + k_blocks - 1) / k_blocks;
  for (int64_t jc = 0; jc < n; jc += kernel.nc) {
    const int64_t nc = std::min(kernel.nc, n - jc);
    for (int64_t pc = 0; pc < k; pc += k_block) {
      const int64_t kc = std::min(k_block, k - pc);
      const T beta_block = pc == 0 ? beta : T(1);  // later k blocks add to what the first wrote
      Panels<T> b_panels{b.at(pc, jc), 1, 1, b.rs};
      if (!b_in_place) {
        kernel.pack_b(b.at(pc, jc), b.rs, b.cs, kc, nc, b_packed);
        b_panels = {b_packed, kc, 1, kernel.nr};
      }
      for (int64_t ic = 0; ic < m; ic += kernel.mc) {
        const int64_t mc = std::min(kernel.mc, m - ic);
        Panels<T> a_panels{a.at(ic, pc), a.rs, a.rs, a.cs};
        if (!a_in_place) {
          kernel.pack_a(a.at(ic, pc), a.cs, a.rs, kc, mc, a_packed);
          a_panels = {a_packed, kc, 1, kernel.mr};
        }
        // D is added once, by the last k block, when C holds the whole sum
        multiply_block(kernel, mc, nc, kc, alpha, a_panels, b_panels, beta_block, Matrix<T>{c.at(ic, jc), c.rs, c.cs},
                       pc + kc == k ? shifted(epilogue, ic, jc) : Epilogue<T>{});
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Threading.

// Below this many multiply-adds a product runs on one thread: starting a parallel region costs a
// few microseconds, the time of ~2^17 FMAs on one Zen 4 core. (A 64 x 64 x 64 product, 2^18,
// already runs 1.2x faster on two threads than on one.)
constexpr int64_t kParallelMinWork = int64_t(1) << 18;

int threads_for(int64_t work) {
  if (work < kParallelMinWork || omp_in_parallel()) return 1;
  return omp_get_max_threads();
}

// How `threads` threads tile C: parts_m x parts_n regions. Each thread packs the rows of A and the
// columns of B its region needs, so a thread with a rows x cols region (rounded up to whole
// micro-tiles) spends about rows * cols * k / 16 cycles on FMAs (16 per cycle) and (rows + cols) * k
// on packing; choose the grid that minimises that.
struct Grid {
  int64_t parts_m, parts_n;
  int64_t rows_per_part, cols_per_part;  // whole micro-tiles, the last part takes what is left
};

Grid split(int threads, int64_t m, int64_t n, int64_t mr, int64_t nr) {
  const int64_t tiles_m = (m + mr - 1) / mr, tiles_n = (n + nr - 1) / nr;
  Grid best{};
  double best_cost = 0;
  for (int64_t parts_m = 1; parts_m <= threads; ++parts_m) {
    if (threads % parts_m) continue;
    const int64_t parts_n = threads / parts_m;
    const int64_t rows = (tiles_m + parts_m - 1) / parts_m * mr;
    const int64_t cols = (tiles_n + parts_n - 1) / parts_n * nr;
    const double cost = double(rows) * double(cols) / 16 + double(rows + cols);
    if (best.parts_m == 0 || cost < best_cost) best = {parts_m, parts_n, rows, cols}, best_cost = cost;
  }
  return best;
}

template <typename T>
void gemm_parallel(const MicroKernel<T>& kernel, int threads, int64_t m, int64_t n, int64_t k,
                   T alpha, Matrix<const T> a, Matrix<const T> b, T beta, Matrix<T> c,
                   const Epilogue<T>& epilogue) {
  const Grid grid = split(threads, m, n, kernel.mr, kernel.nr);
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num();
    const int64_t i0 = t / grid.parts_n * grid.rows_per_part;
    const int64_t j0 = t % grid.parts_n * grid.cols_per_part;
    if (i0 < m && j0 < n)
      gemm_serial(kernel, std::min(grid.rows_per_part, m - i0), std::min(grid.cols_per_part, n - j0),
                  k, alpha, Matrix<const T>{a.at(i0, 0), a.rs, a.cs}, Matrix<const T>{b.at(0, j0), b.rs, b.cs},
                  beta, Matrix<T>{c.at(i0, j0), c.rs, c.cs}, shifted(epilogue, i0, j0));
  }
}

// C = A B can also be computed as C^T = B^T A^T: the same products summed in the same order, so
// the same bits. Swapping the operands' roles pays in two cases:
//  - C is column-major: the micro-kernel stores rows of C with unit column stride, and a
//    column-major C is the transpose of a row-major one;
//  - C is narrow: edge tiles of any height cost only their rows, but a tile narrower than a
//    register costs a whole register, so a 128 x 10 product wastes 6 of every 16 lanes while its
//    10 x 128 transpose wastes none.
template <typename T>
bool compute_transposed(const MicroKernel<T>& kernel, int64_t m, int64_t n, Matrix<T> c) {
  if (c.cs != 1 && c.rs == 1) return true;
  if (c.cs != 1) return false;  // neither layout helps; the kernel handles general strides
  const auto padded = [&](int64_t cols) { return (cols + kernel.nr_step - 1) / kernel.nr_step * kernel.nr_step; };
  return 4 * n * padded(m) < 3 * m * padded(n);
}

// A product with a few rows whose A rows and B columns are both contiguous along k: y = x W^T with W
// stored (out, in), as in a decoder generating one token at a time. Every element of C is then the dot
// product of two contiguous vectors. Packing B would copy all of W for one or two uses, three times the
// memory traffic of the product itself; here each row of W streams through the cache once and meets the
// few rows of A, which stay in L1. Threads split the columns of C, so each dot product is summed the same
// way whatever the thread count; memory, not arithmetic, bounds this loop, so a second thread pays only
// for large matrices (from 4 MiB of float32 weights).
constexpr int64_t kDotMaxRows = 4;
constexpr int64_t kDotParallelMinWork = int64_t(1) << 20;

// float32 only: float64 products are what results are checked with (gradcheck, optimizer trajectories
// against PyTorch to 1e-12), and there the blocked path's order of summing k, one FMA chain per element,
// is the one that matches PyTorch's BLAS to the last bits; a dot product sums k lane by lane instead.
template <typename T>
bool use_dots(int64_t m, Matrix<const T> a, Matrix<const T> b) {
  return std::is_same_v<T, float> && m <= kDotMaxRows && a.cs == 1 && b.rs == 1;
}

template <typename T>
void gemm_dots(int threads, int64_t m, int64_t n, int64_t k, T alpha, Matrix<const T> a, Matrix<const T> b,
               T beta, Matrix<T> c, const Epilogue<T>& epilogue) {
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    const T* w = b.at(0, j);
    for (int64_t i = 0; i < m; ++i) {
      const T* x = a.at(i, 0);
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t p = 0; p < k; ++p) sum += x[p] * w[p];
      T& cij = *c.at(i, j);
      cij = alpha * sum + (beta == T(0) ? T(0) : beta * cij);
      if (epilogue.add) cij += epilogue.add[i * epilogue.add_rs + j * epilogue.add_cs];
    }
  }
}

template <typename T>
void gemm_any_layout(int threads, int64_t m, int64_t n, int64_t k, T alpha, Matrix<const T> a,
                     Matrix<const T> b, T beta, Matrix<T> c, Epilogue<T> epilogue) {
  if (use_dots(m, a, b))
    return gemm_dots(m * n * k < kDotParallelMinWork ? 1 : threads, m, n, k, alpha, a, b, beta, c, epilogue);
  const MicroKernel<T>& kernel = active_kernel<T>();
  if (compute_transposed(kernel, m, n, c)) {
    std::swap(m, n);
    std::swap(a, b);
    std::swap(a.rs, a.cs);
    std::swap(b.rs, b.cs);
    std::swap(c.rs, c.cs);
    std::swap(epilogue.add_rs, epilogue.add_cs);
  }
  if (threads > 1)
    gemm_parallel(kernel, threads, m, n, k, alpha, a, b, beta, c, epilogue);
  else
    gemm_serial(kernel, m, n, k, alpha, a, b, beta, c, epilogue);
}

}  // namespace
}  // namespace gemm_detail

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs, int64_t a_cs,
          const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs,
          const Epilogue<T>& epilogue) {
  using gemm_detail::Matrix;
  if (m <= 0 || n <= 0) return;
  gemm_detail::gemm_any_layout(gemm_detail::threads_for(m * n * k), m, n, k, alpha,
                               Matrix<const T>{a, a_rs, a_cs}, Matrix<const T>{b, b_rs, b_cs}, beta,
                               Matrix<T>{c, c_rs, c_cs}, epilogue);
}

// Small products run whole on one thread each, the batch shared among the threads; large ones run
// one after the other, each on all the threads. Either way each product is computed exactly as a
// single gemm() would compute it.
template <typename T>
void gemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t a_bs, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_bs, int64_t b_rs,
                  int64_t b_cs, T beta, T* c, int64_t c_bs, int64_t c_rs, int64_t c_cs,
                  const Epilogue<T>& epilogue) {
  using gemm_detail::Matrix;
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const int64_t work = m * n * k;
  const int threads = gemm_detail::threads_for(batch * work);
  const bool across_batch = threads > 1 && batch > 1 && gemm_detail::threads_for(work) == 1;
  const auto product = [&](int64_t i, int threads_each) {
    gemm_detail::gemm_any_layout(threads_each, m, n, k, alpha,
                                 Matrix<const T>{a + i * a_bs, a_rs, a_cs},
                                 Matrix<const T>{b + i * b_bs, b_rs, b_cs}, beta,
                                 Matrix<T>{c + i * c_bs, c_rs, c_cs}, epilogue);
  };
  if (across_batch) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < batch; ++i) product(i, 1);
  } else {
    for (int64_t i = 0; i < batch; ++i) product(i, gemm_detail::threads_for(work));
  }
}

const char* gemm_kernel_name() { return gemm_detail::active_kernel<float>().name; }

template void gemm<float>(int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                          const float*, int64_t, int64_t, float, float*, int64_t, int64_t,
                          const Epilogue<float>&);
template void gemm<double>(int64_t, int64_t, int64_t, double, const double*, int64_t, int64_t,
                           const double*, int64_t, int64_t, double, double*, int64_t, int64_t,
                           const Epilogue<double>&);
template void gemm_batched<float>(int64_t, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                  int64_t, int64_t, const float*, int64_t, int64_t, int64_t, float,
                                  float*, int64_t, int64_t, int64_t, const Epilogue<float>&);
template void gemm_batched<double>(int64_t, int64_t, int64_t, int64_t, double, const double*,
                                   int64_t, int64_t, int64_t, const double*, int64_t, int64_t,
                                   int64_t, double, double*, int64_t, int64_t, int64_t,
                                   const Epilogue<double>&);

}  // namespace mytorch
