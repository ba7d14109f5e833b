// The elementwise loops of the special functions: every floating dtype evaluated in float64 (special.h).
#include <string>

#include "core/errors.h"
#include "elementwise/elementwise.h"
#include "elementwise/loops.h"
#include "special/special.h"

namespace mytorch {
namespace {

// A special function costs 25-4000 ns an element (series of 25-90 terms, many with a division), 10-1000x an
// add's: split across threads from 2048 elements on, 50 us of work and more for the cheapest (lgamma), where an
// idle machine's thread team wakes in a few us. On a loaded machine every parallel region can wait a scheduler
// slice (~10 ms) for its second thread, whatever the grain (benchmarks/README.md, "Special functions").
constexpr int64_t kSpecialGrain = 2048;

void check_floating(const char* name, DType dt) {
  if (!is_floating(dt)) {
    throw TypeError(std::string(name) + "(): expected a floating point input (float16, bfloat16, float32 or "
                    "float64), got " + dtype_name(dt));
  }
}

}  // namespace

Array special_unary(const char* name, double (*f)(double), const Array& a) {
  check_floating(name, a.dtype());
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

Array special_binary(const char* name, double (*f)(double, double), const Array& a, const Array& b) {
  check_floating(name, a.dtype());
  if (a.dtype() != b.dtype()) {
    throw TypeError(std::string(name) + "(): operands must have one dtype, got " + dtype_name(a.dtype()) + " and " +
                    dtype_name(b.dtype()));
  }
  Array out(broadcast_shape(a.shape(), b.shape()), a.dtype());
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) {
      map_binary<T, T>(out, a, b, [f](compute_t<T> x, compute_t<T> y) {
        return static_cast<compute_t<T>>(f(static_cast<double>(x), static_cast<double>(y)));
      }, kSpecialGrain);
    }
  });
  return out;
}

}  // namespace mytorch
