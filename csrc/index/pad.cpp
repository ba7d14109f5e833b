// pad: a copied into the middle of a larger array, the border filled by one of four rules.
//
// "constant" fills the output with the value and copies `a` into its interior. The other modes are a
// gather with one position map per dim: output position p along a dim of size n with `before` padding
// reads a at x = p - before mirrored (reflect, without repeating the edge), clamped (replicate) or
// wrapped (circular) into [0, n). The maps of the dims are independent, which is why padding all dims
// at once equals NumPy's padding one dim after the other. Mirroring repeats with period 2 (n - 1), as
// NumPy's reflect does for pads wider than the array.
#include "core/errors.h"
#include "core/parallel.h"
#include "core/views.h"
#include "elementwise/elementwise.h"
#include "index/index.h"

namespace mytorch {

namespace {

int64_t source_position(int64_t x, int64_t n, const std::string& mode) {
  if (mode == "replicate") return std::min(std::max<int64_t>(x, 0), n - 1);
  if (mode == "circular") return ((x % n) + n) % n;
  if (n == 1) return 0;  // reflect
  const int64_t period = 2 * (n - 1);
  x = ((x % period) + period) % period;
  return x < n ? x : period - x;
}

}  // namespace

Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& pads, const std::string& mode,
          const Array& value) {
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular") {
    throw std::invalid_argument("pad(): mode must be constant, reflect, replicate or circular, got " + mode);
  }
  const int64_t ndim = a.ndim();
  if (static_cast<int64_t>(pads.size()) != ndim && pads.size() != 1) {
    throw std::invalid_argument("pad(): expected one (before, after) pair per dimension");
  }
  auto pad_of = [&](int64_t d) { return pads.size() == 1 ? pads[0] : pads[d]; };
  Shape shape(ndim);
  for (int64_t d = 0; d < ndim; ++d) {
    auto [before, after] = pad_of(d);
    if (before < 0 || after < 0) throw std::invalid_argument("pad(): padding must be non-negative");
    if (mode != "constant" && a.shape()[d] == 0 && before + after > 0) {
      throw std::invalid_argument("pad(): can't extend an empty dimension in " + mode + " mode");
    }
    shape[d] = a.shape()[d] + before + after;
  }
  Array out(shape, a.dtype());
  if (out.numel() == 0) return out;

  if (mode == "constant") {
    assign(out, value);
    Array interior = out;
    for (int64_t d = 0; d < ndim; ++d) interior = slice(interior, d, pad_of(d).first, 1, a.shape()[d]);
    assign(interior, a);
    return out;
  }

  if (ndim == 0) return contiguous_copy(a);
  // offsets[d][p]: a's element offset along dim d read by output position p
  std::vector<std::vector<int64_t>> offsets(ndim);
  for (int64_t d = 0; d < ndim; ++d) {
    offsets[d].resize(shape[d]);
    for (int64_t p = 0; p < shape[d]; ++p) {
      offsets[d][p] = source_position(p - pad_of(d).first, a.shape()[d], mode) * a.strides()[d];
    }
  }
  const int64_t inner = shape[ndim - 1];
  const int64_t rows = out.numel() / inner;
  const int64_t* inner_offsets = offsets[ndim - 1].data();
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = a.data<T>();
    parallel_for(rows, inner, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t base = 0;
        for (int64_t d = ndim - 2, rest = r; d >= 0; --d) {  // row r's position in the outer dims
          base += offsets[d][rest % shape[d]];
          rest /= shape[d];
        }
        T* o = out.data<T>() + r * inner;
        for (int64_t j = 0; j < inner; ++j) o[j] = x[base + inner_offsets[j]];
      }
    });
  });
  return out;
}

}  // namespace mytorch
