// arange with NumPy's element count and values, so both backends agree to the last bit.
//
// NumPy counts ceil((end - start) / step) elements, computed in double. It stores the first two
// values, start and start + step (computed in double), converted to the dtype, then fills the rest
// as first + i * (second - first) in the dtype's own arithmetic (float for the half types). For a
// float32 range this differs from rounding start + i * step computed in double, and from an integer
// dtype's start + i * step when start or step is fractional (0.5, 1.5 give 0, 1, 2, ...).
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/errors.h"
#include "core/parallel.h"
#include "index/index.h"

namespace mytorch {

namespace {

// first + i * delta, rounded as NumPy's fill loop rounds it: the product and the sum each in C. GCC
// would contract them into one fused multiply-add under -march=native, which rounds once instead of
// twice, so contraction is off for this function.
// Integers multiply in int64 (NumPy's index type) and wrap when stored.
template <typename T, typename C>
[[gnu::optimize("fp-contract=off")]] void fill(T* out, int64_t begin, int64_t end, C first, C delta) {
  using M = std::conditional_t<is_floating_v<T>, C, int64_t>;
  for (int64_t i = begin; i < end; ++i) {
    M step = static_cast<M>(i) * static_cast<M>(delta);
    out[i] = static_cast<T>(static_cast<M>(first) + step);
  }
}

// A Python float stored into the dtype as NumPy stores it: float16 rounds once from double (through
// float it could round twice); ml_dtypes' bfloat16 goes through float.
template <typename T>
T from_double(double x) {
  if constexpr (std::is_same_v<T, Half>) {
    Half h;
    h.v = static_cast<_Float16>(x);
    return h;
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    return BFloat16(static_cast<float>(x));
  } else {
    return static_cast<T>(x);
  }
}

}  // namespace

Array arange(double start, double end, double step, DType dt) {
  if (step == 0) throw std::invalid_argument("arange(): step must be nonzero");
  const double count = std::ceil((end - start) / step);
  if (!(count < static_cast<double>(std::numeric_limits<int64_t>::max()))) {  // inf and NaN too
    throw std::invalid_argument("arange(): the range has too many elements");
  }
  const int64_t n = std::max<int64_t>(static_cast<int64_t>(count), 0);
  Array out({n}, dt);
  if (dt == DType::Bool) {
    if (n > 2) throw TypeError("arange() is only supported for booleans when the result has at most length 2.");
    for (int64_t i = 0; i < n; ++i) out.data<bool>()[i] = (start + static_cast<double>(i) * step) != 0;
    return out;
  }
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      using C = compute_t<T>;
      // the two stored values, through the dtype (a float to an integer truncates, as NumPy's setitem)
      const C first = static_cast<C>(from_double<T>(start));
      const C second = static_cast<C>(from_double<T>(start + step));
      const C delta = static_cast<C>(second - first);
      T* data = out.data<T>();
      if (n > 0) data[0] = static_cast<T>(first);
      if (n > 1) data[1] = static_cast<T>(second);
      parallel_for(n, 1, [&](int64_t begin, int64_t end) { fill<T, C>(data, std::max<int64_t>(begin, 2), end, first, delta); });
    }
  });
  return out;
}

}  // namespace mytorch
