// Bindings of csrc/fft/: the contract's `fft` primitive.
#include <nanobind/nanobind.h>

#include "bindings/registry.h"
#include "fft/fft.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings fft_bindings([](nb::module_& m) {
  m.def("fft", &fft, nb::arg("a"), nb::arg("axis"), nb::arg("inverse"), nb::arg("scale"),
        "scale * DFT along axis of a complex array (the inverse direction when inverse).");
});
