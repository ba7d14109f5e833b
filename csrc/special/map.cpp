// The elementwise loops of the special functions: every floating dtype evaluated in float64 (special.h).
#include <string>

#include "core/errors.h"
#include "elementwise/loops.h"
#include "special/special.h"

namespace mytorch {
namespace {

// A special function costs 25-4000 ns an element (series of 25-90 terms, many with a division), 10-1000x an
// add's: split across threads from 2048 elements on, 50 us of work and more for the cheapest (lgamma), where an
// idle machine's thread team wakes in a few us. On a loaded machine every parallel region can wait a scheduler
// slice (~10 ms) for its second thread, whatever the grain (benchmarks/README.md, "Special functions").
constexpr int64_t kSpecialGrain = 2048;

}  // namespace

Array special_unary(const char* name, double (*f)(double), const Array& a) {
  if (!is_floating(a.dtype())) {
    throw TypeError(std::string(name) + "(): expected a floating point input (float16, bfloat16, float32 or "
                    "float64), got " + dtype_name(a.dtype()));
  }
  Array out(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) {
      map_unary<T, T>(out, a, [f](compute_t<T> x) { return static_cast<compute_t<T>>(f(static_cast<double>(x))); },
                      kSpecialGrain);
    }
  });
  return out;
}

}  // namespace mytorch
