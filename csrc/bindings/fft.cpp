// Bindings of csrc/fft/: the FFT of complex rows stored as (re, im) pairs.
#include <nanobind/nanobind.h>

#include "bindings/registry.h"
#include "fft/fft.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings fft_bindings([](nb::module_& m) {
  m.def("fft_pairs", &fft_pairs, nb::arg("pairs"), nb::arg("axis"), nb::arg("inverse"), nb::arg("scale"),
        "scale * DFT along axis of complex values stored as (re, im) pairs in a last dim of size 2.");
});
