// im2col and col2im on the window plan (windows.h), for every dtype: pooling reads windows of any
// dtype, padded with the dtype's lowest value.
#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "conv/windows.h"
#include "core/parallel.h"
#include "elementwise/elementwise.h"

namespace mytorch {

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

Windows make_windows(const char* op, const Shape& spatial, const Shape& kernel, const Shape& stride,
                     const Pads& padding, const Shape& dilation) {
  const size_t nd = spatial.size();
  if (nd == 0 || kernel.size() != nd || stride.size() != nd || padding.size() != nd || dilation.size() != nd) {
    throw std::invalid_argument(std::string(op) + "(): spatial size " + shape_str(spatial) + ", kernel " +
                                shape_str(kernel) + ", stride " + shape_str(stride) + ", dilation " +
                                shape_str(dilation) + " and " + std::to_string(padding.size()) +
                                " padding pairs must all have one length >= 1");
  }
  Windows w;
  w.spatial = spatial;
  w.kernel = kernel;
  w.out.resize(nd);
  for (size_t d = 0; d < nd; ++d) {
    if (stride[d] < 1 || dilation[d] < 1 || kernel[d] < 1) {
      throw std::invalid_argument(std::string(op) + "(): kernel " + shape_str(kernel) + ", stride " +
                                  shape_str(stride) + " and dilation " + shape_str(dilation) + " must be >= 1");
    }
    int64_t span = spatial[d] + padding[d].first + padding[d].second - dilation[d] * (kernel[d] - 1) - 1;
    if (span < 0) {
      throw std::invalid_argument(std::string(op) + "(): kernel " + shape_str(kernel) + " with dilation " +
                                  shape_str(dilation) + " is larger than the padded input " + shape_str(spatial));
    }
    w.out[d] = span / stride[d] + 1;
    w.plane *= spatial[d];
    w.k *= kernel[d];
    w.l *= w.out[d];
  }
  w.width = w.out[nd - 1];
  w.step = stride[nd - 1];
  // output o reads input o in every dim
  w.identity = w.k == 1 && w.out == spatial &&
               std::all_of(padding.begin(), padding.end(), [](const auto& p) { return p.first == 0; });
  if (w.l == 0) return w;  // no windows, no runs

  // one run per (kernel offset, output position over all dims but the last)
  const int64_t outer = w.l / w.width;
  Strides in_strides = contiguous_strides(spatial);
  w.runs.reserve(w.k * outer);
  Shape i(nd, 0), o(nd, 0);  // the kernel offset and output position of the run, row-major counters
  for (int64_t kk = 0; kk < w.k; ++kk) {
    std::fill(o.begin(), o.end(), 0);
    for (int64_t r = 0; r < outer; ++r) {
      Run run{(kk * outer + r) * w.width, 0, 0, 0};
      bool inside = true;  // whether the dims before the last read inside the input
      for (size_t d = 0; d + 1 < nd; ++d) {
        int64_t pos = o[d] * stride[d] + i[d] * dilation[d] - padding[d].first;
        inside = inside && pos >= 0 && pos < spatial[d];
        run.in += pos * in_strides[d];
      }
      if (inside) {
        // along the last dim output o reads start + o * s: inside for lo <= o < hi
        const size_t d = nd - 1;
        int64_t start = i[d] * dilation[d] - padding[d].first, s = stride[d];
        run.lo = start >= 0 ? 0 : std::min(w.width, (-start + s - 1) / s);
        run.hi = spatial[d] - 1 - start < 0 ? 0 : std::min(w.width, (spatial[d] - 1 - start) / s + 1);
        run.hi = std::max(run.hi, run.lo);
        run.in += start + run.lo * s;
      }
      if (run.hi == run.lo) run.in = 0;  // all padding: the input is never read
      w.runs.push_back(run);
      for (size_t d = nd - 1; d-- > 0;) {  // next output position, the last dim excluded
        if (++o[d] < w.out[d]) break;
        o[d] = 0;
      }
    }
    for (size_t d = nd; d-- > 0;) {  // next kernel offset
      if (++i[d] < kernel[d]) break;
      i[d] = 0;
    }
  }
  return w;
}

namespace {

Array contiguous(const Array& a) { return a.is_contiguous() ? a : contiguous_copy(a); }

// `value` as an element of type T (the pooling paddings -inf and iinfo.min are exact in every dtype
// they are used with).
template <typename T> T element(double value) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(value));
  } else {
    return static_cast<T>(value);
  }
}

void check_batched(const char* op, const char* name, const Array& a, size_t nd, size_t extra) {
  if (a.ndim() != static_cast<int64_t>(2 + extra * nd)) {
    throw std::invalid_argument(std::string(op) + "(): expected " + name + " with " + std::to_string(2 + extra * nd) +
                                " dims for " + std::to_string(nd) + " spatial dims, got shape " + shape_str(a.shape()));
  }
}

}  // namespace

Array im2col(const Array& x_in, const Shape& kernel, const Shape& stride, const Pads& padding, const Shape& dilation,
             double value) {
  check_batched("im2col", "input", x_in, kernel.size(), 1);
  const Shape spatial(x_in.shape().begin() + 2, x_in.shape().end());
  const Windows w = make_windows("im2col", spatial, kernel, stride, padding, dilation);
  if (!is_floating(x_in.dtype()) && !std::isfinite(value)) {
    throw std::invalid_argument(std::string("im2col(): padding value ") + std::to_string(value) +
                                " does not fit dtype " + dtype_name(x_in.dtype()));
  }
  const Array x = contiguous(x_in);
  const int64_t planes = x.shape()[0] * x.shape()[1];
  Shape shape{x.shape()[0], x.shape()[1]};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  shape.insert(shape.end(), w.out.begin(), w.out.end());
  Array cols(shape, x.dtype());
  if (cols.numel() == 0) return cols;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T pad = element<T>(value);
    const T* in = x.data<T>();
    T* out = cols.data<T>();
    parallel_for(planes, w.k * w.l, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) im2col_plane<T>(w, in + p * w.plane, out + p * w.k * w.l, pad);
    });
  });
  return cols;
}

Array col2im(const Array& cols_in, const Shape& spatial, const Shape& stride, const Pads& padding,
             const Shape& dilation) {
  const size_t nd = spatial.size();
  check_batched("col2im", "columns", cols_in, nd, 2);
  const Shape kernel(cols_in.shape().begin() + 2, cols_in.shape().begin() + 2 + nd);
  const Windows w = make_windows("col2im", spatial, kernel, stride, padding, dilation);
  if (!std::equal(w.out.begin(), w.out.end(), cols_in.shape().begin() + 2 + nd)) {
    throw std::invalid_argument("col2im(): columns of shape " + shape_str(cols_in.shape()) +
                                " do not match the " + shape_str(w.out) + " windows of spatial size " +
                                shape_str(spatial));
  }
  // half types add in float32 and round once, as the convolutions do
  const DType dt = cols_in.dtype();
  const bool half = dt == DType::Float16 || dt == DType::BFloat16;
  const Array cols = half ? cast(cols_in, DType::Float32) : contiguous(cols_in);
  const int64_t planes = cols.shape()[0] * cols.shape()[1];
  Shape shape{cols.shape()[0], cols.shape()[1]};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  Array x(shape, cols.dtype());
  dispatch(cols.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, Half> && !std::is_same_v<T, BFloat16>) {
      const T* in = cols.data<T>();
      T* out = x.data<T>();
      parallel_for(planes, w.k * w.l + w.plane, [&](int64_t begin, int64_t end) {
        std::fill(out + begin * w.plane, out + end * w.plane, T(0));
        for (int64_t p = begin; p < end; ++p) col2im_plane<T>(w, in + p * w.k * w.l, out + p * w.plane);
      });
    }
  });
  return half ? cast(x, dt) : x;
}

}  // namespace mytorch
