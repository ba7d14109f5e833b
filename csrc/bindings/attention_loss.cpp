// Bindings of cross-entropy (csrc/fused/cross_entropy.h) with the argument order and result tuples of the
// backend contract (mytorch/backends/base.py).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/tuple.h>

#include "bindings/registry.h"
#include "fused/cross_entropy.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings attention_loss_bindings([](nb::module_& m) {
  m.def("cross_entropy", &cross_entropy, nb::arg("x"), nb::arg("target"), nb::arg("weight").none(),
        nb::arg("ignore_index"), nb::arg("label_smoothing"), nb::arg("log_softmax"));
  m.def("cross_entropy_backward", &cross_entropy_backward, nb::arg("g"), nb::arg("x"), nb::arg("target"),
        nb::arg("weight").none(), nb::arg("row_max").none(), nb::arg("log_sum").none(), nb::arg("probs").none(),
        nb::arg("ignore_index"), nb::arg("label_smoothing"), nb::arg("log_softmax"));
});
