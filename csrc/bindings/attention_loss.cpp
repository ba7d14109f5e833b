// Bindings of cross-entropy, CTC and attention (csrc/fused/cross_entropy.h, ctc_loss.h, attention.h) with the argument
// order and result tuples of the backend contract (mytorch/backends/base.py). The attention kernels are
// bound as `<primitive>_native`: they answer None for the cases they leave to the composite body, and
// mytorch/backends/cpp_backend.py runs that body then.
#include <nanobind/nanobind.h>
#include <nanobind/stl/array.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/tuple.h>

#include "bindings/registry.h"
#include "fused/attention.h"
#include "fused/cross_entropy.h"
#include "fused/ctc_loss.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings attention_loss_bindings([](nb::module_& m) {
  m.def("cross_entropy", &cross_entropy, nb::arg("x"), nb::arg("target"), nb::arg("weight").none(),
        nb::arg("ignore_index"), nb::arg("label_smoothing"), nb::arg("log_softmax"));
  m.def("cross_entropy_backward", &cross_entropy_backward, nb::arg("g"), nb::arg("x"), nb::arg("target"),
        nb::arg("weight").none(), nb::arg("row_max").none(), nb::arg("log_sum").none(), nb::arg("probs").none(),
        nb::arg("ignore_index"), nb::arg("label_smoothing"), nb::arg("log_softmax"));
  m.def("ctc_loss", &ctc_loss, nb::arg("log_probs"), nb::arg("targets"), nb::arg("input_lengths"),
        nb::arg("target_lengths"), nb::arg("blank"));
  m.def("ctc_loss_backward", &ctc_loss_backward, nb::arg("g"), nb::arg("log_probs"), nb::arg("targets"),
        nb::arg("input_lengths"), nb::arg("target_lengths"), nb::arg("nll"), nb::arg("log_alpha"), nb::arg("blank"),
        nb::arg("zero_infinity"));
  m.def("scaled_dot_product_attention_native", &scaled_dot_product_attention_native, nb::arg("q"), nb::arg("k"),
        nb::arg("v"), nb::arg("mask").none(), nb::arg("keep").none(), nb::arg("scale"), nb::arg("is_causal"),
        nb::arg("safe"), nb::arg("need_weights"));
  m.def("scaled_dot_product_attention_backward_native", &scaled_dot_product_attention_backward_native,
        nb::arg("g").none(), nb::arg("g_weights").none(), nb::arg("q"), nb::arg("k"), nb::arg("v"), nb::arg("out"),
        nb::arg("lse"), nb::arg("probs").none(), nb::arg("mask").none(), nb::arg("keep").none(), nb::arg("scale"),
        nb::arg("is_causal"), nb::arg("safe"), nb::arg("output_mask"));
});
