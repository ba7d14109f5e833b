// Reductions. The input is walked in memory order, each element folded into an accumulator slot:
// the slot of an output element, found with strides that are 0 along the reduced axes. Two inner loops
// cover every case: a reduced innermost dim folds a row into one register (a row sum), a kept innermost
// dim folds a row into a row of slots (a column sum, vectorised across the slots).
#include "reduce/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <type_traits>

#include "core/strided.h"
#include "elementwise/elementwise.h"

namespace mytorch {
namespace {

// The accumulator type of a reduction of T elements: sums and products of floating (complex) elements
// accumulate in double (complex<double>), of integers in int64.
template <ReduceOp OP, typename T> struct Accumulator {
  using wide = std::conditional_t<is_complex_v<T>, std::complex<double>,
                                  std::conditional_t<is_floating_v<T>, double, int64_t>>;
  using type = std::conditional_t<(OP == ReduceOp::any || OP == ReduceOp::all), bool,
               std::conditional_t<(OP == ReduceOp::sum || OP == ReduceOp::prod), wide, compute_t<T>>>;
};

template <ReduceOp OP, typename A> A identity() {
  if constexpr (OP == ReduceOp::sum) return A(0);
  else if constexpr (OP == ReduceOp::prod) return A(1);
  else if constexpr (OP == ReduceOp::any) return false;
  else if constexpr (OP == ReduceOp::all) return true;
  else if constexpr (OP == ReduceOp::amax) {
    if constexpr (std::is_floating_point_v<A>) return -std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::lowest();
  } else {
    if constexpr (std::is_floating_point_v<A>) return std::numeric_limits<A>::infinity();
    else return std::numeric_limits<A>::max();
  }
}

template <ReduceOp OP, typename A> A combine(A acc, A x) {
  if constexpr (OP == ReduceOp::sum) return acc + x;
  else if constexpr (OP == ReduceOp::prod) return acc * x;
  else if constexpr (OP == ReduceOp::any) return acc || x;
  else if constexpr (OP == ReduceOp::all) return acc && x;
  // a NaN, once met, stays (x > NaN is false); `|`, not `||`: one condition, so the compiler emits a
  // branch-free select (a mispredicted branch per element costs more than the compare)
  else if constexpr (OP == ReduceOp::amax) {
    if constexpr (std::is_floating_point_v<A>) return ((x > acc) | (x != x)) ? x : acc;
    else return x > acc ? x : acc;
  } else {
    if constexpr (std::is_floating_point_v<A>) return ((x < acc) | (x != x)) ? x : acc;
    else return x < acc ? x : acc;
  }
}

template <ReduceOp OP, typename T, typename A>
A to_acc(T x) {
  if constexpr (std::is_same_v<A, bool>) return static_cast<compute_t<T>>(x) != compute_t<T>(0);
  else return static_cast<A>(static_cast<compute_t<T>>(x));
}

// The sum of a contiguous row of float32 (or a half type), into a double: float lanes over blocks of
// kBlock elements, each block's total added in double. Adding every element in double converts each one
// first and leaves two vector registers of adds in flight (measured 250 us for the rows of a 2048 x 512
// matrix, 2.5x PyTorch's); the 32 float lanes are four registers of independent adds. A lane adds up at
// most kBlock / 32 = 16 elements and the lanes combine pairwise, so each element meets about 21 float
// roundings whatever n is (a long row's blocks meet in double), no more than PyTorch's cascade sum.
template <typename T>
double sum_float_row(const T* x, int64_t n) {
  constexpr int kLanes = 32;
  constexpr int64_t kBlock = 512;
  double total = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    const T* xb = x + b;
    const int64_t m = std::min(kBlock, n - b);
    float part[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= m; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) part[j] += static_cast<float>(xb[i + j]);
    }
    float rest = 0;  // the last m % 32, apart: indexing `part` by a variable would keep it in memory
    for (; i < m; ++i) rest += static_cast<float>(xb[i]);
    // pairwise, as constant loops the compiler unrolls into register adds (a loop over the widths did not
    // unroll, and its stores and reloads cost as much as a 512-element block's adds)
    for (int j = 0; j < 16; ++j) part[j] += part[j + 16];
    for (int j = 0; j < 8; ++j) part[j] += part[j + 8];
    for (int j = 0; j < 4; ++j) part[j] += part[j + 4];
    total += static_cast<double>((part[0] + part[2]) + (part[1] + part[3])) + rest;
  }
  return total;
}

// Folds row x[0], x[s], ... (n elements) into one value. Eight independent partial results, one per
// lane: each is a plain running fold (no reordering within a lane), so the compiler may keep the eight
// in one vector register when the row is contiguous, and the adds never wait on each other.
template <ReduceOp OP, typename T, typename A>
A fold_row(const T* x, int64_t n, int64_t s, A acc) {
  if constexpr (OP == ReduceOp::sum && std::is_same_v<compute_t<T>, float>) {
    if (s == 1) return acc + sum_float_row(x, n);
  }
  constexpr int kLanes = 8;
  A part[kLanes];
  for (A& p : part) p = identity<OP, A>();
  int64_t i = 0;
  if (s == 1) {
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) part[j] = combine<OP>(part[j], to_acc<OP, T, A>(x[i + j]));
    }
  } else {
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) part[j] = combine<OP>(part[j], to_acc<OP, T, A>(x[(i + j) * s]));
    }
  }
  for (; i < n; ++i) part[0] = combine<OP>(part[0], to_acc<OP, T, A>(x[i * s]));
  for (int width = kLanes / 2; width > 0; width /= 2) {  // pairwise: lanes 0-3 with 4-7, then 0-1 with 2-3, ...
    for (int j = 0; j < width; ++j) part[j] = combine<OP>(part[j], part[j + width]);
  }
  return combine<OP>(acc, part[0]);
}

// A contiguous row's max or min, NaN propagating, as two reductions the compiler vectorises (`omp simd`):
// the plain extreme (one vmaxps per vector; it may drop a NaN) and a count of the NaNs, which wins at the
// end. fold_row's select keeps NaN element by element, and GCC leaves that select in scalar code: measured
// 1.6 ms for the max of each row of a 2048 x 512 float32 matrix, 15x PyTorch's.
template <ReduceOp OP, typename T, typename A>
A fold_extreme(const T* x, int64_t n, A acc) {
  A extreme = identity<OP, A>();
  int64_t nans = 0;
  if constexpr (OP == ReduceOp::amax) {
#pragma omp simd reduction(max : extreme) reduction(+ : nans)
    for (int64_t i = 0; i < n; ++i) {
      const A v = to_acc<OP, T, A>(x[i]);
      extreme = v > extreme ? v : extreme;
      nans += v != v;
    }
  } else {
#pragma omp simd reduction(min : extreme) reduction(+ : nans)
    for (int64_t i = 0; i < n; ++i) {
      const A v = to_acc<OP, T, A>(x[i]);
      extreme = v < extreme ? v : extreme;
      nans += v != v;
    }
  }
  return combine<OP>(acc, nans ? std::numeric_limits<A>::quiet_NaN() : extreme);
}

// Folds every element of `in` into acc, whose strides over in's shape are 0 along reduced dims.
template <ReduceOp OP, typename T, typename A>
void fold(const Array& acc, const Strides& acc_strides, const Array& in) {
  // visit dims in the input's memory order (largest stride first), so the inner loop reads memory in order
  std::vector<size_t> order(in.ndim());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    return std::abs(in.strides()[x]) > std::abs(in.strides()[y]);
  });
  Shape shape;
  std::array<Strides, 2> strides;
  for (size_t d : order) {
    shape.push_back(in.shape()[d]);
    strides[0].push_back(acc_strides[d]);
    strides[1].push_back(in.strides()[d]);
  }
  auto layout = coalesce<2>(shape, strides);
  // Threads may share the work only if no two of them can fold into one slot: every dim but the
  // innermost must be kept (its slots differ row to row), and the innermost row is not cut in pieces.
  bool rows_own_slots = layout.shape.size() > 1;
  for (size_t d = 0; d + 1 < layout.shape.size(); ++d) rows_own_slots &= layout.strides[0][d] != 0;
  auto row = [](const std::array<char*, 2>& p, int64_t n, const std::array<int64_t, 2>& s) {
    A* slot = reinterpret_cast<A*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    if (s[0] == 0) {
      if constexpr ((OP == ReduceOp::amax || OP == ReduceOp::amin) && std::is_floating_point_v<T>) {
        *slot = s[1] == 1 ? fold_extreme<OP, T, A>(x, n, *slot) : fold_row<OP, T, A>(x, n, s[1], *slot);
      } else {
        *slot = fold_row<OP, T, A>(x, n, s[1], *slot);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) slot[i * s[0]] = combine<OP>(slot[i * s[0]], to_acc<OP, T, A>(x[i * s[1]]));
    }
  };
  if (rows_own_slots) {
    for_each_row<2>(layout, {acc.bytes(), in.bytes()}, {sizeof(A), sizeof(T)}, row);
  } else {
    for_each_row<2>(layout, {acc.bytes(), in.bytes()}, {sizeof(A), sizeof(T)}, row, /*parallel=*/false);
  }
}

template <ReduceOp OP, typename T>
Array reduce_typed(const Array& a, const std::vector<int64_t>& axes, bool keepdim, DType out_dtype) {
  using A = typename Accumulator<OP, T>::type;
  std::vector<bool> reduced(a.ndim(), false);
  for (int64_t d : axes) reduced[d] = true;
  Shape kept_shape;  // the output's shape with keepdim
  for (int64_t d = 0; d < a.ndim(); ++d) kept_shape.push_back(reduced[d] ? 1 : a.shape()[d]);
  Array acc(kept_shape, dtype_of<A>());
  A* slots = acc.data<A>();
  std::fill(slots, slots + acc.numel(), identity<OP, A>());
  Strides acc_strides = acc.strides();
  for (int64_t d = 0; d < a.ndim(); ++d) {
    if (reduced[d]) acc_strides[d] = 0;
  }
  if (a.numel() > 0) fold<OP, T, A>(acc, acc_strides, a);
  Array out = cast(acc, out_dtype);
  if (keepdim) return out;
  Shape shape;
  for (int64_t d = 0; d < a.ndim(); ++d) {
    if (!reduced[d]) shape.push_back(a.shape()[d]);
  }
  return out.view(shape, contiguous_strides(shape), out.offset());
}

}  // namespace

Array reduce(ReduceOp op, const Array& a, const std::vector<int64_t>& axes, bool keepdim) {
  DType out_dtype = (op == ReduceOp::any || op == ReduceOp::all) ? DType::Bool : a.dtype();
  if (is_complex(a.dtype()) && (op == ReduceOp::amax || op == ReduceOp::amin)) {  // complex numbers have no order
    throw NotImplementedError(std::string(op == ReduceOp::amax ? "\"max_values_cpu\"" : "\"min_values_cpu\"") +
                              " not implemented for '" + complex_scalar_name(a.dtype()) + "'");
  }
  return dispatch_all(a.dtype(), [&](auto tag) -> Array {
    using T = decltype(tag);
    if constexpr (is_complex_v<T>) {
      switch (op) {
        case ReduceOp::sum: return reduce_typed<ReduceOp::sum, T>(a, axes, keepdim, out_dtype);
        case ReduceOp::prod: return reduce_typed<ReduceOp::prod, T>(a, axes, keepdim, out_dtype);
        case ReduceOp::any: return reduce_typed<ReduceOp::any, T>(a, axes, keepdim, out_dtype);
        case ReduceOp::all: return reduce_typed<ReduceOp::all, T>(a, axes, keepdim, out_dtype);
        default: return a;  // amax, amin: rejected above
      }
    } else {
      switch (op) {
#define MYTORCH_CASE(name) case ReduceOp::name: return reduce_typed<ReduceOp::name, T>(a, axes, keepdim, out_dtype);
        MYTORCH_REDUCE_OPS(MYTORCH_CASE)
#undef MYTORCH_CASE
      }
      return a;
    }
  });
}

}  // namespace mytorch
