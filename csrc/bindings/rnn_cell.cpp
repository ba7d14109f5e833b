// Bindings of the LSTM and GRU cells (csrc/fused/rnn_cell.h) under the contract's names and argument
// order (mytorch/backends/base.py), which the cpp backend then uses.
#include <nanobind/nanobind.h>
#include <nanobind/stl/tuple.h>

#include "bindings/registry.h"
#include "fused/rnn_cell.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings rnn_cell_bindings([](nb::module_& m) {
  m.def("lstm_cell", &lstm_cell, nb::arg("gates"), nb::arg("c"));
  m.def("lstm_cell_backward", &lstm_cell_backward, nb::arg("dh"), nb::arg("dc"), nb::arg("c"), nb::arg("c_new"),
        nb::arg("workspace"));
  m.def("gru_cell", &gru_cell, nb::arg("gx"), nb::arg("gh"), nb::arg("h"));
  m.def("gru_cell_backward", &gru_cell_backward, nb::arg("dh"), nb::arg("h"), nb::arg("workspace"));
});
