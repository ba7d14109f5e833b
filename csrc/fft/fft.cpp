// Walking the rows of an array through an FFT plan: gather each row into a contiguous buffer, transform
// it there, write it out scaled. The inverse direction is conj(DFT(conj(x))), folded into the gather and
// the write, so plans only run forward. A real row is read as complex with zero imaginary parts, which
// spares the real-input transforms a cast to complex.
#include "fft/fft.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.h"
#include "fft/plan.h"
#include "index/lines.h"

namespace mytorch {

namespace {

// `in` holds real rows (real_input) or complex ones as (re, im) pairs; `out` is complex as pairs.
template <typename T>
void transform_rows(const Array& in, bool real_input, const Array& out, int64_t axis, bool inverse, double scale) {
  const int64_t n = in.shape()[axis];
  const int64_t in_step = in.strides()[axis], in_im = real_input ? 0 : in.strides().back();
  const int64_t out_step = out.strides()[axis];
  auto plan = FftPlan<T>::get(n);
  const T sign = inverse ? T(-1) : T(1);
  const T re_scale = static_cast<T>(scale), im_scale = sign * static_cast<T>(scale);
  const double log_n = std::log2(static_cast<double>(n) + 1);
  const int64_t line_cost = static_cast<int64_t>(5 * n * log_n) + 1;
  // the rows' outer dims: every dim but the axis (and the pairs' dim)
  auto outer = [&](const std::vector<int64_t>& v, bool pairs) { return drop(pairs ? drop(v, v.size() - 1) : v, axis); };
  for_each_line<2>(outer(out.shape(), true), {outer(in.strides(), !real_input), outer(out.strides(), true)},
                   {in.bytes(), out.bytes()}, {sizeof(T), sizeof(T)}, line_cost, [&](const std::array<char*, 2>& p) {
    thread_local std::vector<Complex<T>> buffer;
    buffer.resize(n + plan->workspace());
    Complex<T>* x = buffer.data();
    const T* src = reinterpret_cast<const T*>(p[0]);
    if (real_input) {
      for (int64_t j = 0; j < n; ++j) x[j] = {src[j * in_step], T(0)};
    } else {
      for (int64_t j = 0; j < n; ++j) x[j] = {src[j * in_step], sign * src[j * in_step + in_im]};
    }
    plan->forward(x, x + n);
    T* dst = reinterpret_cast<T*>(p[1]);
    for (int64_t k = 0; k < n; ++k) {
      dst[k * out_step] = x[k].re * re_scale;
      dst[k * out_step + 1] = x[k].im * im_scale;
    }
  });
}

// a complex array's memory as (re, im) pairs: the real dtype, a trailing dim of 2 (view_as_real)
Array as_pairs(const Array& a) {
  Shape shape = a.shape();
  Strides strides;
  for (int64_t s : a.strides()) strides.push_back(2 * s);
  shape.push_back(2);
  strides.push_back(1);
  const DType real = a.dtype() == DType::Complex64 ? DType::Float32 : DType::Float64;
  return Array(a.storage(), real, shape, strides, 2 * a.offset());
}

}  // namespace

Array fft(const Array& a, int64_t axis, bool inverse, double scale) {
  const DType dt = a.dtype();
  const bool real_input = dt == DType::Float32 || dt == DType::Float64;
  if (!real_input && !is_complex(dt)) {
    throw TypeError(std::string("fft: expected a float32, float64, complex64 or complex128 array, got ") +
                    dtype_name(dt));
  }
  if (axis < 0 || axis >= a.ndim()) throw std::invalid_argument("fft: axis out of range");
  const bool single = dt == DType::Float32 || dt == DType::Complex64;
  Array out(a.shape(), single ? DType::Complex64 : DType::Complex128);
  if (out.numel() == 0) return out;
  const Array in = real_input ? a : as_pairs(a);
  if (single) {
    transform_rows<float>(in, real_input, as_pairs(out), axis, inverse, scale);
  } else {
    transform_rows<double>(in, real_input, as_pairs(out), axis, inverse, scale);
  }
  return out;
}

}  // namespace mytorch
