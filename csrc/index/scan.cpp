// cumsum / cumprod along one axis, as NumPy's accumulate with the array's own dtype: every partial
// result is rounded to the dtype before the next element joins it (integers wrap, bool is or / and).
#include <cstring>

#include "core/errors.h"
#include "index/index.h"
#include "index/lines.h"

namespace mytorch {

namespace {

template <bool PRODUCT>
Array scan(const Array& a, int64_t axis, const char* kernel) {
  const int64_t ax = wrap_axis(axis, a.ndim(), kernel);
  Array out(a.shape(), a.dtype());
  if (a.ndim() == 0) {  // one element: its own running total
    std::memcpy(out.bytes(), a.bytes(), a.itemsize());
    return out;
  }
  const int64_t n = a.shape()[ax];
  const int64_t sa = a.strides()[ax], so = out.strides()[ax];
  if (n == 0) return out;
  Shape outer = drop(a.shape(), ax);
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    for_each_line<2>(outer, {drop(out.strides(), ax), drop(a.strides(), ax)}, {out.bytes(), a.bytes()},
                     {sizeof(T), sizeof(T)}, n, [&](const std::array<char*, 2>& p) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* x = reinterpret_cast<const T*>(p[1]);
      T acc = x[0];
      o[0] = acc;
      for (int64_t i = 1; i < n; ++i) {
        const C v = static_cast<C>(x[i * sa]);
        acc = static_cast<T>(PRODUCT ? static_cast<C>(acc) * v : static_cast<C>(acc) + v);
        o[i * so] = acc;
      }
    });
  });
  return out;
}

}  // namespace

Array cumsum(const Array& a, int64_t axis) { return scan<false>(a, axis, "cumsum"); }
Array cumprod(const Array& a, int64_t axis) { return scan<true>(a, axis, "cumprod"); }

}  // namespace mytorch
