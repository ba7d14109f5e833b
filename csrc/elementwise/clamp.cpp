// The bounds of clamp, relu, hardtanh, relu6 and the clamped branches of softplus and elu reach the
// backend as maximum(x, number) and minimum(x, number). PyTorch's clamp kernel differs from its maximum
// in two ways, kept here:
//   clamp_min(x, c) = c > x ? c : x  (clamp_max: c < x ? c : x), for a bound c that is not NaN:
//     a NaN x fails the comparison and stays NaN, and where x equals c the result is x (relu(-0.0) is
//     -0.0; maximum(-0.0, 0.0) is 0.0);
//   a NaN bound makes every element that NaN (PyTorch fills the output with it).
// The select is written in the operand order of x86's maxps/minps (first operand if greater, else the
// second; the second when either is NaN), so the loop compiles to one max or min instruction per vector
// of 8 floats (AVX2) where maximum's NaN test costs a compare and blend per element.
#include <cmath>

#include "elementwise/clamp.h"
#include "elementwise/loops.h"

namespace mytorch {

Array clamp_by_number(BinaryOp op, const Array& a, const Array& bound) {
  Array out(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    if constexpr (std::is_floating_point_v<C>) {
      const C c = static_cast<C>(*bound.data<load_t<T>>());
      if (std::isnan(c)) assign(out, bound);
      else if (op == BinaryOp::maximum) map_unary<T, T>(out, a, [c](C x) { return c > x ? c : x; });
      else map_unary<T, T>(out, a, [c](C x) { return c < x ? c : x; });
    }
  });
  return out;
}

}  // namespace mytorch
