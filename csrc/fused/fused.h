// Fused kernels: single-pass C++ bodies of the fused primitives of the backend contract
// (mytorch/backends/base.py states their math; _composite.py composes the same math from primitives).
//
// Every kernel takes float32 and float64, and float16/bfloat16 computed in float32 (each element is
// read into compute_t and rounded once when stored); any other dtype throws TypeError. Inputs may be
// strided views: a kernel reads a contiguous copy where that keeps it simple. Results are new
// contiguous arrays of the input's dtype.
#pragma once
#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

#include "core/array.h"
#include "core/errors.h"
#include "elementwise/elementwise.h"

namespace mytorch {

// softmax family along `axis` (negative counts from the end); y and g have x's shape.
Array softmax(const Array& x, int64_t axis);
Array log_softmax(const Array& x, int64_t axis);
Array softmax_backward(const Array& y, const Array& g, int64_t axis);
Array log_softmax_backward(const Array& y, const Array& g, int64_t axis);

// approximate: "none" (erf form) or "tanh".
Array gelu(const Array& x, const std::string& approximate);
Array gelu_backward(const Array& g, const Array& x, const std::string& approximate);
// erf of a float32 array through the vectorised approximation gelu uses (exposed for its tests).
Array fast_erf(const Array& x);

// Normalisation over the trailing `normalized_ndim` dims; mean and rstd have x's shape with those
// dims 1. Gradients not asked for by output_mask (or of a None weight) are nullopt.
std::tuple<Array, Array, Array> layer_norm(const Array& x, int64_t normalized_ndim, const std::optional<Array>& weight,
                                           const std::optional<Array>& bias, double eps);
std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>> layer_norm_backward(
    const Array& g, const Array& x, const std::optional<Array>& weight, const Array& mean, const Array& rstd,
    int64_t normalized_ndim, std::array<bool, 3> output_mask);
std::tuple<Array, Array> rms_norm(const Array& x, int64_t normalized_ndim, const std::optional<Array>& weight,
                                  double eps);
std::tuple<std::optional<Array>, std::optional<Array>> rms_norm_backward(
    const Array& g, const Array& x, const std::optional<Array>& weight, const Array& rstd, int64_t normalized_ndim,
    std::array<bool, 2> output_mask);

// Rotary position embedding of x (..., D): the pairs of its first 2h features, h = cos.shape[-1], turned by
// the angles whose cos and sin (..., h) broadcast to x's leading dims; the rest of x copied. See rotary.cpp.
Array rotary_embedding(const Array& x, const Array& cos, const Array& sin, bool interleaved);

// Training-mode batch normalisation of (N, C, *spatial), statistics per channel over all other dims. weight
// and bias hold C elements (any shape); mean, rstd and dbias have shape (1, C, 1, ...), dweight weight's.
std::tuple<Array, Array, Array> batch_norm(const Array& x, const std::optional<Array>& weight,
                                           const std::optional<Array>& bias, double eps);
std::tuple<std::optional<Array>, std::optional<Array>, std::optional<Array>> batch_norm_backward(
    const Array& g, const Array& x, const std::optional<Array>& weight, const Array& mean, const Array& rstd,
    std::array<bool, 3> output_mask);

// ---- helpers shared by the fused kernels ----

// Calls f(T{}) for the floating dtypes; TypeError naming the kernel for the others.
template <typename F>
decltype(auto) dispatch_floating(DType dt, const char* kernel, F&& f) {
  switch (dt) {
    case DType::Float16: return f(Half{});
    case DType::BFloat16: return f(BFloat16{});
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default:
      throw TypeError(std::string(kernel) + "(): expected a floating point tensor, got " + dtype_name(dt));
  }
}

// a itself when contiguous, else a contiguous copy: the kernels then index flat memory.
inline Array dense(const Array& a) { return a.is_contiguous() ? a : contiguous_copy(a); }

// Throws std::invalid_argument unless two operands of a kernel agree in shape and dtype.
inline void check_same(const char* kernel, const Array& a, const Array& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) {
    throw std::invalid_argument(std::string(kernel) + "(): operands must have one shape and dtype");
  }
}

}  // namespace mytorch
