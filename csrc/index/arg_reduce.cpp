// argmax / argmin along one axis (or over the flattened array).
//
// Each line along the axis is scanned for the first extreme element. A NaN is the extreme of both
// (PyTorch's rule), so the scan stops at the first NaN it meets.
#include <cmath>

#include "core/errors.h"
#include "core/views.h"
#include "elementwise/elementwise.h"
#include "index/index.h"
#include "index/lines.h"

namespace mytorch {

namespace {

template <bool MAX, typename T>
int64_t arg_extreme(const T* x, int64_t n, int64_t s) {
  using C = compute_t<T>;
  C best = static_cast<C>(x[0]);
  int64_t at = 0;
  if constexpr (is_floating_v<T>) {
    if (std::isnan(best)) return 0;
  }
  for (int64_t i = 1; i < n; ++i) {
    const C v = static_cast<C>(x[i * s]);
    if constexpr (is_floating_v<T>) {
      if (std::isnan(v)) return i;
    }
    if (MAX ? v > best : v < best) {
      best = v;
      at = i;
    }
  }
  return at;
}

template <bool MAX>
Array arg_reduce(const Array& a, std::optional<int64_t> axis, bool keepdim, const char* kernel) {
  if (!axis) {  // over the flattened array: a line through all elements in row-major order
    std::optional<Array> flat = reshape_view(a, {a.numel()});
    Array out = arg_reduce<MAX>(flat ? *flat : *reshape_view(contiguous_copy(a), {a.numel()}), 0, false, kernel);
    return keepdim ? *reshape_view(out, Shape(a.ndim(), 1)) : out;
  }
  const int64_t ax = wrap_axis(*axis, a.ndim(), kernel);
  const Array line = a.ndim() ? a : *reshape_view(a, {1});
  const int64_t n = line.shape()[ax];
  if (n == 0) throw std::invalid_argument(std::string("attempt to get ") + kernel + " of an empty sequence");
  Shape outer = drop(line.shape(), ax);
  Shape out_shape = outer;
  if (keepdim && a.ndim()) out_shape.insert(out_shape.begin() + ax, 1);
  Array out(out_shape, DType::Int64);
  const int64_t s = line.strides()[ax];
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_line<2>(outer, {contiguous_strides(outer), drop(line.strides(), ax)}, {out.bytes(), line.bytes()},
                     {sizeof(int64_t), sizeof(T)}, n, [&](const std::array<char*, 2>& p) {
      *reinterpret_cast<int64_t*>(p[0]) = arg_extreme<MAX>(reinterpret_cast<const T*>(p[1]), n, s);
    });
  });
  return out;
}

}  // namespace

Array argmax(const Array& a, std::optional<int64_t> axis, bool keepdim) {
  return arg_reduce<true>(a, axis, keepdim, "argmax");
}

Array argmin(const Array& a, std::optional<int64_t> axis, bool keepdim) {
  return arg_reduce<false>(a, axis, keepdim, "argmin");
}

}  // namespace mytorch
