// The loops behind every elementwise kernel: out[i] = f(a[i]) and out[i] = f(a[i], b[i]) over strided,
// broadcast operands. Inputs are read into their compute type (float for the half types), f runs
// there, and the result is rounded once into the output type. When every operand is contiguous along
// the row (or one input is a broadcast scalar) the loop is a plain indexed loop the compiler vectorises.
// An operand read or written across its rows (a transposed one) is walked in tiles (core/tiled.h).
// The loops go parallel from `grain` elements on (core/parallel.h): kParallelGrain suits ops of a few ns an
// element; costlier ones pass a smaller grain.
#pragma once
#include <algorithm>
#include <atomic>

#include "core/array.h"
#include "core/strided.h"
#include "core/tiled.h"

namespace mytorch {

// The row loops are flattened: f and everything it calls is inlined into them, since a loop that calls
// a function per element cannot vectorise. Without it GCC's size heuristics leave the bigger element
// functions (vmath's exp, log, erf, tanh) as calls in files that instantiate many kernels: measured
// 3-16 ns an element as calls, 0.2-0.7 ns inlined (AVX2, float32, one thread).
#define MYTORCH_FLATTEN __attribute__((flatten))

template <typename In, typename Out, typename F>
void map_unary(const Array& out, const Array& a, F f, int64_t grain = kParallelGrain) {
  using C = compute_t<In>;
  auto layout = coalesce<2>(out.shape(), {out.strides(), broadcast_strides(a, out.shape())});
  for_each_tile<2>(layout, {out.bytes(), a.bytes()}, {sizeof(Out), sizeof(In)},
                  [&](const std::array<char*, 2>& p, int64_t n, const std::array<int64_t, 2>& s) MYTORCH_FLATTEN {
    Out* o = reinterpret_cast<Out*>(p[0]);
    const load_t<In>* x = reinterpret_cast<const load_t<In>*>(p[1]);
    if (s[0] == 1 && s[1] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(f(static_cast<C>(x[i])));
    } else if (s[0] == 1 && s[1] == 0) {  // a broadcast scalar (full, zeros, expand().contiguous()): a fill
      const Out value = static_cast<Out>(f(static_cast<C>(*x)));
      std::fill(o, o + n, value);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * s[0]] = static_cast<Out>(f(static_cast<C>(x[i * s[1]])));
    }
  }, grain);
}

template <typename In, typename Out, typename F>
void map_binary(const Array& out, const Array& a, const Array& b, F f, int64_t grain = kParallelGrain) {
  using C = compute_t<In>;
  auto layout = coalesce<3>(out.shape(), {out.strides(), broadcast_strides(a, out.shape()),
                                          broadcast_strides(b, out.shape())});
  for_each_tile<3>(layout, {out.bytes(), a.bytes(), b.bytes()}, {sizeof(Out), sizeof(In), sizeof(In)},
                  [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& s) MYTORCH_FLATTEN {
    Out* o = reinterpret_cast<Out*>(p[0]);
    const load_t<In>* x = reinterpret_cast<const load_t<In>*>(p[1]);
    const load_t<In>* y = reinterpret_cast<const load_t<In>*>(p[2]);
    if (s[0] == 1 && s[1] == 1 && s[2] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(f(static_cast<C>(x[i]), static_cast<C>(y[i])));
    } else if (s[0] == 1 && s[1] == 1 && s[2] == 0) {  // tensor op scalar
      const C yv = static_cast<C>(*y);
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(f(static_cast<C>(x[i]), yv));
    } else if (s[0] == 1 && s[1] == 0 && s[2] == 1) {  // scalar op tensor
      const C xv = static_cast<C>(*x);
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<Out>(f(xv, static_cast<C>(y[i])));
    } else {
      for (int64_t i = 0; i < n; ++i) {
        o[i * s[0]] = static_cast<Out>(f(static_cast<C>(x[i * s[1]]), static_cast<C>(y[i * s[2]])));
      }
    }
  }, grain);
}

// Whether pred(a[i]) holds for some element (a read-only pass, for the checks kernels make first).
template <typename T, typename Pred>
bool any_of(const Array& a, Pred pred) {
  std::atomic<bool> found{false};
  auto layout = coalesce<1>(a.shape(), {a.strides()});
  for_each_row<1>(layout, {a.bytes()}, {sizeof(T)},
                  [&](const std::array<char*, 1>& p, int64_t n, const std::array<int64_t, 1>& s) {
    const T* x = reinterpret_cast<const T*>(p[0]);
    bool hit = false;
    for (int64_t i = 0; i < n; ++i) hit |= pred(x[i * s[0]]);
    if (hit) found.store(true, std::memory_order_relaxed);
  });
  return found.load();
}

}  // namespace mytorch
