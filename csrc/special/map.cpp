// The elementwise loop of the special functions: every floating dtype evaluated in float64 (special.h).
#include <string>

#include "core/errors.h"
#include "elementwise/loops.h"
#include "special/special.h"

namespace mytorch {

Array special_unary(const char* name, double (*f)(double), const Array& a) {
  if (!is_floating(a.dtype())) {
    throw TypeError(std::string(name) + "(): expected a floating point input (float16, bfloat16, float32 or "
                    "float64), got " + dtype_name(a.dtype()));
  }
  Array out(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) {
      map_unary<T, T>(out, a, [f](compute_t<T> x) { return static_cast<compute_t<T>>(f(static_cast<double>(x))); });
    }
  });
  return out;
}

}  // namespace mytorch
