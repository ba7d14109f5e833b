// Bindings of the random primitives (csrc/random/) under the backend contract's names: `rng(seed)` makes a
// CpuGenerator (PyTorch's CPU generator), which the other functions take as their first argument and which
// mytorch.Generator keeps for the backend that draws (mytorch/ops/random.py).
#include <nanobind/nanobind.h>
#include <nanobind/stl/vector.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "random/distributions.h"

namespace nb = nanobind;
using namespace mytorch;

namespace {

// randint's [low, high) as low and span - 1 = high - 1 - low, both ends int64 values (high - 1 up to
// 2^63 - 1, so the span fits 64 bits unsigned); the ops layer has checked the range already.
std::pair<int64_t, uint64_t> int_range(nb::handle low, nb::handle high) {
  nb::object last = nb::steal(PyNumber_Subtract(high.ptr(), nb::int_(1).ptr()));
  if (!last.is_valid()) throw nb::python_error();
  int64_t lo, hi;
  if (!nb::try_cast(low, lo) || !nb::try_cast(last, hi) || lo > hi) {
    throw std::invalid_argument("randint: expected int64 values low < high");
  }
  return {lo, static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)};
}

}  // namespace

static RegisterBindings random_bindings([](nb::module_& m) {
  nb::class_<CpuGenerator>(m, "CpuGenerator", "PyTorch's CPU generator: mt19937 and the cached normal sample.")
      .def_prop_ro("seed", [](const CpuGenerator& g) { return g.engine.seed(); });
  m.def("rng", [](uint64_t seed) { return CpuGenerator(seed); }, nb::arg("seed"));
  m.def("rng_state", [](const CpuGenerator& gen) {
    std::vector<uint8_t> state = rng_state(gen);
    return nb::bytes(reinterpret_cast<const char*>(state.data()), state.size());
  }, nb::arg("rng"));
  m.def("set_rng_state", [](CpuGenerator& gen, nb::bytes state) {
    set_rng_state(gen, reinterpret_cast<const uint8_t*>(state.c_str()), state.size());
  }, nb::arg("rng"), nb::arg("state"));
  m.def("uniform", [](CpuGenerator& gen, const Shape& shape, double low, double high, nb::handle dt) {
    return uniform(gen, shape, low, high, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("low"), nb::arg("high"), nb::arg("dt"));
  m.def("normal", [](CpuGenerator& gen, const Shape& shape, double mean, double std, nb::handle dt, bool fill) {
    return normal(gen, shape, mean, std, dtype_from_object(dt), fill);
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("mean"), nb::arg("std"), nb::arg("dt"), nb::arg("fill") = true);
  m.def("exponential", [](CpuGenerator& gen, const Shape& shape, double lambd, nb::handle dt) {
    return exponential(gen, shape, lambd, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("lambd"), nb::arg("dt"));
  m.def("randint", [](CpuGenerator& gen, const Shape& shape, nb::handle low, nb::handle high, nb::handle dt) {
    auto [lo, span_minus_1] = int_range(low, high);
    return randint(gen, shape, lo, span_minus_1, dtype_from_object(dt));
  }, nb::arg("rng"), nb::arg("shape"), nb::arg("low"), nb::arg("high"), nb::arg("dt"));
  m.def("permutation", &permutation, nb::arg("rng"), nb::arg("n"));
});
