// Walking a batch of matrices: what the factorization kernels share.
#pragma once
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

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

// The dtype of a's real parts (a's own for a real a): eigenvalues' and singular values'.
inline DType real_dtype(DType dt) {
  return dt == DType::Complex64 ? DType::Float32 : dt == DType::Complex128 ? DType::Float64 : dt;
}

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

// The iterative kernels (eigh, svd) factor a float32 or complex64 matrix in double precision and round the
// results once: more accurate than LAPACK's single-precision routines, at half the vector width. The dtype
// they compute a dtype in: float64 for float32, complex128 for complex64, the dtype itself otherwise.
inline DType double_precision(DType dt) {
  return dt == DType::Float32 ? DType::Float64 : dt == DType::Complex64 ? DType::Complex128 : dt;
}

// The real type of T's parts (T itself for a real T).
template <typename T> struct RealOf { using type = T; };
template <typename R> struct RealOf<std::complex<R>> { using type = R; };
template <typename T> using real_t = typename RealOf<T>::type;

// Runs f(T{}) for T = double or std::complex<double>, the types the iterative kernels compute in: their callers
// widen float32 and complex64 first (`double_precision`); TypeError for dtypes other than LAPACK's four.
template <typename F>
void double_dispatch(const Array& a, const char* op, F&& f) {
  lapack_dispatch(a, op, [&](auto zero) {
    if constexpr (std::is_same_v<real_t<decltype(zero)>, double>) {
      f(zero);
    } else {
      throw std::logic_error(std::string(op) + ": a single-precision array reached a double-precision kernel");
    }
  });
}

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

// |x|, or |Re x| + |Im x| for a complex x: LAPACK's cheaper magnitude (its cabs1), which its pivot searches and
// convergence tests use.
template <typename T>
real_t<T> cabs1(T x) {
  if constexpr (is_complex_v<T>) {
    return std::abs(x.real()) + std::abs(x.imag());
  } else {
    return std::abs(x);
  }
}

// Scales x[0 .. count) by the power of two that brings its largest |entry| into [1, 2) (exact: only exponents
// change), so that sums of squares of the entries neither overflow nor underflow, and returns that power's
// exponent, to scale results back (0 for all zeros); nullopt when x holds inf or nan.
template <typename T>
std::optional<int> scale_to_unit(T* x, int64_t count) {
  real_t<T> largest = 0;
  bool finite = true;
  for (int64_t i = 0; i < count; ++i) {
    const real_t<T> size = std::abs(x[i]);
    finite = finite && std::isfinite(size);
    largest = std::max(largest, size);
  }
  if (!finite) return std::nullopt;
  if (largest == 0) return 0;
  const int exponent = std::ilogb(largest);
  // A subnormal largest needs a power of two past the largest finite one (2^1074 for a double): it is applied in
  // steps, each a finite power of two, all scaling up and so exact. (In one step it was inf: eigh returned inf,
  // svd nan, and eig's QR iteration never ended.)
  using Limits = std::numeric_limits<real_t<T>>;
  for (int remaining = -exponent; remaining != 0;) {
    const int step = std::clamp(remaining, Limits::min_exponent - 1, Limits::max_exponent - 1);
    const real_t<T> scale = std::ldexp(real_t<T>(1), step);
    for (int64_t i = 0; i < count; ++i) x[i] *= scale;
    remaining -= step;
  }
  return exponent;
}

// x[0 .. count) = nan: the result for a matrix holding inf or nan.
template <typename T>
void fill_nan(T* x, int64_t count) {
  std::fill_n(x, count, T(std::numeric_limits<real_t<T>>::quiet_NaN()));
}

// f(i) for each matrix i of a batch of `count`, threads sharing the batch when the work is large enough.
template <typename F>
void for_each_matrix(int64_t count, int64_t cost, F&& f) {
  parallel_for(count, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}

}  // namespace mytorch
