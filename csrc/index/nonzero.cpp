// nonzero: the coordinates of the nonzero elements, row-major, as an (count, ndim) int64 array.
// Two passes over a: one counts (to size the output), one writes each hit's coordinates, kept by an
// odometer over a's own dims.
#include <algorithm>

#include "core/strided.h"
#include "index/index.h"

namespace mytorch {

namespace {

template <typename T>
bool is_nonzero(T x) {
  return static_cast<compute_t<T>>(x) != compute_t<T>(0);  // NaN counts as nonzero, -0.0 does not
}

}  // namespace

Array nonzero(const Array& a) {
  const int64_t ndim = a.ndim();
  return dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    int64_t count = 0;
    auto layout = coalesce<1>(a.shape(), {a.strides()});
    for_each_row<1>(layout, {a.bytes()}, {sizeof(T)},
                    [&](const std::array<char*, 1>& p, int64_t n, const std::array<int64_t, 1>& s) {
      const T* x = reinterpret_cast<const T*>(p[0]);
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i) c += is_nonzero(x[i * s[0]]);
      count += c;
    }, /*parallel=*/false);
    Array out({count, ndim}, DType::Int64);
    if (count == 0 || a.numel() == 0) return out;
    int64_t* o = out.data<int64_t>();
    std::vector<int64_t> index(ndim, 0);
    const T* x = a.data<T>();
    int64_t off = 0;  // element offset of `index` in a
    for (int64_t i = 0, n = a.numel(); i < n; ++i) {
      if (is_nonzero(x[off])) o = std::copy(index.begin(), index.end(), o);
      for (int64_t d = ndim - 1; d >= 0; --d) {
        off += a.strides()[d];
        if (++index[d] < a.shape()[d]) break;
        off -= a.strides()[d] * a.shape()[d];
        index[d] = 0;
      }
    }
    return out;
  });
}

}  // namespace mytorch
