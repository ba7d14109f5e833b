// Bindings of the indexing, joining and scan kernels (csrc/index/) under the backend contract's names
// and argument order; Python numbers (scatter's src, pad's fill value) become 0-d arrays of the target
// dtype here, and mytorch dtype objects their DType.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "core/errors.h"
#include "index/index.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings index_bindings([](nb::module_& m) {
  m.def("concatenate", &concatenate, nb::arg("arrays"), nb::arg("axis"));
  m.def("gather", &gather, nb::arg("a"), nb::arg("axis"), nb::arg("index"));
  m.def("scatter", [](const Array& a, int64_t axis, const Array& index, nb::handle src, std::optional<std::string> reduce) {
    scatter(a, axis, index, as_array(src, a.dtype()), reduce.value_or("none"));
  }, nb::arg("a"), nb::arg("axis"), nb::arg("index"), nb::arg("src"), nb::arg("reduce").none());
  m.def("argmax", &argmax, nb::arg("a"), nb::arg("axis").none(), nb::arg("keepdim"));
  m.def("argmin", &argmin, nb::arg("a"), nb::arg("axis").none(), nb::arg("keepdim"));
  m.def("cumsum", &cumsum, nb::arg("a"), nb::arg("axis"));
  m.def("cumprod", &cumprod, nb::arg("a"), nb::arg("axis"));
  m.def("arange", [](double start, double end, double step, nb::handle dt) {
    return arange(start, end, step, dtype_from_object(dt));
  }, nb::arg("start"), nb::arg("end"), nb::arg("step"), nb::arg("dt"));
  m.def("pad", [](const Array& a, const std::vector<std::pair<int64_t, int64_t>>& pads, const std::string& mode,
                  nb::handle value) { return pad(a, pads, mode, scalar_array(value, a.dtype())); },
        nb::arg("a"), nb::arg("pads"), nb::arg("mode"), nb::arg("value"));
  m.def("nonzero", &nonzero, nb::arg("a"));
});
