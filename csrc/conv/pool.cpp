// Max pooling, forward and backward (the contract's max_pool and max_pool_backward), on the window plan
// of im2col (windows.h), so padding, stride and dilation are handled by the code the convolutions use.
//
// Forward, per (image, channel) plane: the plane's windows are cut into a (K, L) block (K kernel
// offsets, L outputs, padding at the dtype's lowest value) that stays in the L1 cache. The maximum is
// then K - 1 passes of "take row k where it beats the best so far" across the block's rows: each pass
// runs along the L outputs, a loop the compiler vectorises, where scanning each output's window on its
// own would not. Taking only strictly greater values keeps the first maximum on ties; a NaN beats
// anything that is not NaN, so the first NaN wins, as in PyTorch. The winner's input position comes
// from a second (K, L) block holding, at each window entry, the position it reads (-1 on padding):
// the same im2col of a plane whose elements are their own positions, made once per call.
//
// Backward: dx[plane][index[o]] += g[o], one plane at a time. Planes run in parallel: they never share
// memory, forward or backward.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "conv/windows.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "elementwise/elementwise.h"

namespace mytorch {
namespace {

// The padding that never wins: -inf for floating types, the lowest value for integers.
template <typename T> T lowest() {
  if constexpr (is_floating_v<T>) {
    return static_cast<T>(-std::numeric_limits<float>::infinity());
  } else {
    return std::numeric_limits<T>::lowest();
  }
}

template <typename C> bool beats(C v, C best) {
  if constexpr (std::is_floating_point_v<C>) {
    return v > best || (v != v && best == best);  // NaN beats a number
  } else {
    return v > best;
  }
}

template <typename T>
void max_pool_plane(const Windows& w, const T* in, const int64_t* positions, T* cols, int64_t* arg, T* y,
                    int64_t* index) {
  using C = compute_t<T>;
  im2col_plane<T>(w, in, cols, lowest<T>());
  const int64_t L = w.l;
  std::copy(cols, cols + L, y);
  std::fill(arg, arg + L, 0);
  for (int64_t k = 1; k < w.k; ++k) {
    const T* row = cols + k * L;
    for (int64_t o = 0; o < L; ++o) {
      const T v = row[o], best = y[o];
      const bool take = beats<C>(C(v), C(best));
      y[o] = take ? v : best;
      arg[o] = take ? k : arg[o];
    }
  }
  for (int64_t o = 0; o < L; ++o) index[o] = positions[arg[o] * L + o];
}

Array contiguous(const Array& a) { return a.is_contiguous() ? a : contiguous_copy(a); }

}  // namespace

std::pair<Array, Array> max_pool(const Array& x_in, const Shape& kernel, const Shape& stride, const Pads& padding,
                                 const Shape& dilation) {
  const size_t nd = kernel.size();
  if (x_in.ndim() != static_cast<int64_t>(nd + 2)) {
    throw std::invalid_argument("max_pool(): expected input with " + std::to_string(nd + 2) + " dims for " +
                                std::to_string(nd) + " spatial dims, got shape " + shape_str(x_in.shape()));
  }
  if (x_in.dtype() == DType::Bool) throw TypeError("max_pool(): not implemented for 'bool'");
  const Shape spatial(x_in.shape().begin() + 2, x_in.shape().end());
  const Windows w = make_windows("max_pool", spatial, kernel, stride, padding, dilation);
  const Array x = contiguous(x_in);
  Shape shape{x.shape()[0], x.shape()[1]};
  shape.insert(shape.end(), w.out.begin(), w.out.end());
  Array y(shape, x.dtype()), index(shape, DType::Int64);
  if (y.numel() == 0) return {y, index};

  // each window entry's input position within a plane, -1 on padding
  std::vector<int64_t> plane_positions(w.plane), positions(w.k * w.l);
  std::iota(plane_positions.begin(), plane_positions.end(), int64_t{0});
  im2col_plane<int64_t>(w, plane_positions.data(), positions.data(), -1);

  const int64_t planes = x.shape()[0] * x.shape()[1];
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* in = x.data<T>();
      T* out = y.data<T>();
      int64_t* idx = index.data<int64_t>();
      parallel_for(planes, w.k * w.l, [&](int64_t begin, int64_t end) {
        std::vector<T> cols(w.k * w.l);  // this thread's window block and winning offsets
        std::vector<int64_t> arg(w.l);
        for (int64_t p = begin; p < end; ++p) {
          max_pool_plane<T>(w, in + p * w.plane, positions.data(), cols.data(), arg.data(), out + p * w.l,
                            idx + p * w.l);
        }
      });
    }
  });
  return {y, index};
}

Array max_pool_backward(const Array& g_in, const Array& index_in, const Shape& spatial, const Shape& kernel,
                        const Shape& stride, const Pads& padding, const Shape& dilation) {
  const Windows w = make_windows("max_pool_backward", spatial, kernel, stride, padding, dilation);
  const Shape& gs = g_in.shape();
  if (g_in.ndim() != static_cast<int64_t>(spatial.size() + 2) || index_in.shape() != gs ||
      !std::equal(w.out.begin(), w.out.end(), gs.begin() + 2) || index_in.dtype() != DType::Int64) {
    throw std::invalid_argument("max_pool_backward(): gradient " + shape_str(gs) + " and int64 indices " +
                                shape_str(index_in.shape()) + " must both have the windows' shape (N, C) + " +
                                shape_str(w.out));
  }
  // half types add in float32 and round once, as col2im does
  const DType dt = g_in.dtype();
  const bool half = dt == DType::Float16 || dt == DType::BFloat16;
  const Array g = half ? cast(g_in, DType::Float32) : contiguous(g_in);
  const Array index = contiguous(index_in);
  // checked before the parallel pass: an exception must not leave an OpenMP region
  const int64_t* first = index.data<int64_t>();
  const int64_t* bad = std::find_if(first, first + index.numel(), [&](int64_t i) { return i < 0 || i >= w.plane; });
  if (bad != first + index.numel()) {
    throw std::out_of_range("max_pool_backward(): index " + std::to_string(*bad) + " is outside a plane of " +
                            std::to_string(w.plane) + " elements");
  }
  Shape shape{gs[0], gs[1]};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  Array dx(shape, g.dtype());
  const int64_t planes = gs[0] * gs[1];
  dispatch(g.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* gp = g.data<T>();
      const int64_t* idx = index.data<int64_t>();
      T* out = dx.data<T>();
      parallel_for(planes, w.l, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
          T* plane = out + p * w.plane;
          std::fill(plane, plane + w.plane, T(0));
          const int64_t* plane_index = idx + p * w.l;
          const T* plane_g = gp + p * w.l;
          for (int64_t o = 0; o < w.l; ++o) plane[plane_index[o]] = static_cast<T>(plane[plane_index[o]] + plane_g[o]);
        }
      });
    }
  });
  return half ? cast(dx, dt) : dx;
}

}  // namespace mytorch
