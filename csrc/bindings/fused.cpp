// Bindings of the fused kernels (csrc/fused/) under the names, argument order and result tuples of
// the backend contract's fused primitives (mytorch/backends/base.py), which the cpp backend then uses.
#include <nanobind/nanobind.h>
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "bindings/registry.h"
#include "fused/fused.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings fused_bindings([](nb::module_& m) {
  m.def("softmax", &softmax);
  m.def("log_softmax", &log_softmax);
  m.def("softmax_backward", &softmax_backward);
  m.def("log_softmax_backward", &log_softmax_backward);
  m.def("gelu", &gelu);
  m.def("gelu_backward", &gelu_backward);
  m.def("layer_norm", &layer_norm, nb::arg("x"), nb::arg("normalized_ndim"), nb::arg("weight").none(),
        nb::arg("bias").none(), nb::arg("eps"));
  m.def("layer_norm_backward", &layer_norm_backward, nb::arg("g"), nb::arg("x"), nb::arg("weight").none(),
        nb::arg("mean"), nb::arg("rstd"), nb::arg("normalized_ndim"), nb::arg("output_mask"));
  m.def("rms_norm", &rms_norm, nb::arg("x"), nb::arg("normalized_ndim"), nb::arg("weight").none(), nb::arg("eps"));
  m.def("rms_norm_backward", &rms_norm_backward, nb::arg("g"), nb::arg("x"), nb::arg("weight").none(),
        nb::arg("rstd"), nb::arg("normalized_ndim"), nb::arg("output_mask"));
  m.def("rotary_embedding", &rotary_embedding, nb::arg("x"), nb::arg("cos"), nb::arg("sin"), nb::arg("interleaved"));
  m.def("batch_norm", &batch_norm, nb::arg("x"), nb::arg("weight").none(), nb::arg("bias").none(), nb::arg("eps"));
  m.def("batch_norm_backward", &batch_norm_backward, nb::arg("g"), nb::arg("x"), nb::arg("weight").none(),
        nb::arg("mean"), nb::arg("rstd"), nb::arg("output_mask"));
  m.def("fast_erf", &fast_erf, "erf of a float32 array by the vectorised approximation of the exact GELU kernels.");
});
