// Walking the rows of an array through an FFT plan: gather each row into a contiguous buffer, transform
// it there, write it out scaled. The inverse direction is conj(DFT(conj(x))), folded into the gather and
// the write, so plans only run forward.
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

template <typename T>
void transform_rows(const Array& in, const Array& out, int64_t axis, bool inverse, double scale) {
  const int64_t n = in.shape()[axis];
  const int64_t last = in.ndim() - 1;
  const int64_t in_step = in.strides()[axis], in_im = in.strides()[last];
  const int64_t out_step = out.strides()[axis];
  auto plan = FftPlan<T>::get(n);
  const T sign = inverse ? T(-1) : T(1);
  const T re_scale = static_cast<T>(scale), im_scale = sign * static_cast<T>(scale);
  const double log_n = std::log2(static_cast<double>(n) + 1);
  const int64_t line_cost = static_cast<int64_t>(5 * n * log_n) + 1;
  for_each_line<2>(drop(drop(in.shape(), last), axis), {drop(drop(in.strides(), last), axis),
                   drop(drop(out.strides(), last), axis)}, {in.bytes(), out.bytes()}, {sizeof(T), sizeof(T)},
                   line_cost, [&](const std::array<char*, 2>& p) {
    thread_local std::vector<Complex<T>> buffer;
    buffer.resize(n + plan->workspace());
    Complex<T>* x = buffer.data();
    const T* src = reinterpret_cast<const T*>(p[0]);
    for (int64_t j = 0; j < n; ++j) x[j] = {src[j * in_step], sign * src[j * in_step + in_im]};
    plan->forward(x, x + n);
    T* dst = reinterpret_cast<T*>(p[1]);
    for (int64_t k = 0; k < n; ++k) {
      dst[k * out_step] = x[k].re * re_scale;
      dst[k * out_step + 1] = x[k].im * im_scale;
    }
  });
}

}  // namespace

Array fft_pairs(const Array& pairs, int64_t axis, bool inverse, double scale) {
  const int64_t ndim = pairs.ndim();
  if (ndim < 2 || pairs.shape()[ndim - 1] != 2 || axis < 0 || axis >= ndim - 1) {
    throw std::invalid_argument("fft: expected (re, im) pairs in a last dim of size 2 and an axis before it");
  }
  if (pairs.dtype() != DType::Float32 && pairs.dtype() != DType::Float64) {
    throw TypeError(std::string("fft: expected float32 or float64 pairs, got ") + dtype_name(pairs.dtype()));
  }
  Array out(pairs.shape(), pairs.dtype());
  if (out.numel() == 0) return out;
  if (pairs.dtype() == DType::Float32) {
    transform_rows<float>(pairs, out, axis, inverse, scale);
  } else {
    transform_rows<double>(pairs, out, axis, inverse, scale);
  }
  return out;
}

}  // namespace mytorch
