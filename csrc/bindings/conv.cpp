// Bindings of the convolution family (csrc/conv): the contract's names and argument order.
// Geometry arrives as Python sequences: ints for stride, dilation, kernel and spatial size, and
// (before, after) pairs for padding.
#include <nanobind/nanobind.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/vector.h>

#include "bindings/registry.h"
#include "conv/conv.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings conv_bindings([](nb::module_& m) {
  m.def("conv", &conv);
  m.def("conv_backward_input", &conv_backward_input);
  m.def("conv_backward_weight", &conv_backward_weight);
  m.def("im2col", &im2col);
  m.def("col2im", &col2im);
  m.def("max_pool", &max_pool);
  m.def("max_pool_backward", &max_pool_backward);
});
