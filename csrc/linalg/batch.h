// Walking a batch of matrices: what the factorization kernels share.
#pragma once
#include <complex>
#include <string>

#include "core/array.h"
#include "core/dtype.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "elementwise/elementwise.h"

namespace mytorch {

// The shape with its last two dims replaced by (rows, cols).
inline Shape with_matrix(const Shape& shape, int64_t rows, int64_t cols) {
  Shape out(shape.begin(), shape.end() - 2);
  out.push_back(rows);
  out.push_back(cols);
  return out;
}

// Number of matrices in a batch of shape (*, m, n).
inline int64_t batch_count(const Shape& shape) { return numel_of(Shape(shape.begin(), shape.end() - 2)); }

// Runs f(T{}) for LAPACK's four types: float32, float64, complex64, complex128 (std::complex); TypeError
// otherwise (half types: the ops layer refuses them).
template <typename F>
void lapack_dispatch(const Array& a, const char* op, F&& f) {
  switch (a.dtype()) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Complex64: return f(std::complex<float>{});
    case DType::Complex128: return f(std::complex<double>{});
    default: throw TypeError(std::string(op) + ": expected a float32, float64, complex64 or complex128 array");
  }
}

// The real type of T's parts (T itself for a real T).
template <typename T> struct RealOf { using type = T; };
template <typename R> struct RealOf<std::complex<R>> { using type = R; };
template <typename T> using real_t = typename RealOf<T>::type;

// conj(x), which is x itself for a real x (std::conj would turn a double into a complex).
template <typename T>
T conjugate(T x) {
  if constexpr (is_complex_v<T>) {
    return std::conj(x);
  } else {
    return x;
  }
}

// |x|^2 (std::norm's meaning), as T's real type.
template <typename T>
real_t<T> abs2(T x) {
  if constexpr (is_complex_v<T>) {
    return std::norm(x);
  } else {
    return x * x;
  }
}

// f(i) for each matrix i of a batch of `count`, threads sharing the batch when the work is large enough.
template <typename F>
void for_each_matrix(int64_t count, int64_t cost, F&& f) {
  parallel_for(count, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace mytorch
