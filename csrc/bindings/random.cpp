// Bindings of the random primitives (csrc/random/) under the backend contract's names: `rng(seed)` makes
// a PhiloxRng, which the other functions take as their first argument, and which Generator keeps per
// backend (mytorch/ops/random.py). `_philox4x32` exposes the bare block function, for the known-answer
// test of tests/test_cpp_random.py.
#include <nanobind/nanobind.h>
#include <nanobind/stl/array.h>
#include <nanobind/stl/vector.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "core/errors.h"
#include "random/sampling.h"

namespace nb = nanobind;
using namespace mytorch;

namespace {

// randint's [low, high) as low and span - 1 = high - 1 - low. Both ends must be int64 values, as for
// NumPy's Generator.integers (whose ValueError this raises); the span then fits 64 bits unsigned.
std::pair<int64_t, uint64_t> int_range(nb::handle low, nb::handle high) {
  nb::object last = nb::steal(PyNumber_Subtract(high.ptr(), nb::int_(1).ptr()));
  if (!last.is_valid()) throw nb::python_error();
  int64_t lo, hi;
  if (!nb::try_cast(low, lo) || !nb::try_cast(last, hi)) {
    throw std::invalid_argument("randint: low and high - 1 must be int64 values");
  }
  if (lo > hi) throw std::invalid_argument("randint: low >= high");
  return {lo, static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)};
}

}  // namespace

static RegisterBindings random_bindings([](nb::module_& m) {
  nb::class_<PhiloxRng>(m, "PhiloxRng", "A Philox4x32-10 random state: a 64-bit key and a 128-bit counter offset.")
      .def_prop_ro("key", &PhiloxRng::key)
      .def_prop_ro("offset", [](const PhiloxRng& r) {
        return nb::steal(PyNumber_Or(
            nb::steal(PyNumber_Lshift(nb::int_(r.offset_hi()).ptr(), nb::int_(64).ptr())).ptr(),
            nb::int_(r.offset_lo()).ptr()));
      }, "the 128-bit counter at which the next draw starts");
  m.def("rng", [](uint64_t seed) { return PhiloxRng(seed); }, nb::arg("seed"));
  m.def("rng_state", [](const PhiloxRng& rng) {
    auto state = rng_state(rng);
    return nb::bytes(reinterpret_cast<const char*>(state.data()), state.size());
  }, nb::arg("rng"));
  m.def("set_rng_state", [](PhiloxRng& rng, nb::bytes state) {
    set_rng_state(rng, reinterpret_cast<const uint8_t*>(state.c_str()), state.size());
  }, nb::arg("rng"), nb::arg("state"));
  m.def("uniform", [](PhiloxRng& rng, const Shape& shape, double low, double high, nb::handle dt) {
    return uniform(rng, shape, low, high, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("low"), nb::arg("high"), nb::arg("dt"));
  m.def("normal", [](PhiloxRng& rng, const Shape& shape, double mean, double std, nb::handle dt) {
    return normal(rng, shape, mean, std, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("mean"), nb::arg("std"), nb::arg("dt"));
  m.def("randint", [](PhiloxRng& rng, const Shape& shape, nb::handle low, nb::handle high, nb::handle dt) {
    auto [lo, span_minus_1] = int_range(low, high);
    return randint(rng, shape, lo, span_minus_1, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("low"), nb::arg("high"), nb::arg("dt"));
  m.def("permutation", &permutation, nb::arg("rng"), nb::arg("n"));
  m.def("_philox4x32", [](std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
    PhiloxBlock b = philox4x32(c[0], c[1], c[2], c[3], k[0], k[1]);
    return std::array<uint32_t, 4>{b.w[0], b.w[1], b.w[2], b.w[3]};
  }, nb::arg("counter"), nb::arg("key"));
});
