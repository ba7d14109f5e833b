// Bindings of the special functions (csrc/special/) under the backend contract's primitive names, which the
// cpp backend then uses in place of the NumPy kernels.
#include <nanobind/nanobind.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "special/special.h"

namespace nb = nanobind;
using namespace mytorch;

static RegisterBindings special_bindings([](nb::module_& m) {
#define MYTORCH_BIND_SPECIAL(name) \
  m.def(#name, [](const Array& a) { return special_unary(#name, &special::name, a); });
  MYTORCH_SPECIAL_UNARY_OPS(MYTORCH_BIND_SPECIAL)
#undef MYTORCH_BIND_SPECIAL
  // a Python number as either operand takes the other operand's dtype (PyTorch's weak scalars)
#define MYTORCH_BIND_SPECIAL(name)                                                                       \
  m.def(#name, [](nb::handle a, nb::handle b) {                                                          \
    const DType dt = nb::isinstance<Array>(a) ? nb::cast<const Array&>(a).dtype()                        \
                                              : nb::cast<const Array&>(b).dtype();                       \
    return special_binary(#name, &special::name, as_array(a, dt), as_array(b, dt));                      \
  });
  MYTORCH_SPECIAL_BINARY_OPS(MYTORCH_BIND_SPECIAL)
#undef MYTORCH_BIND_SPECIAL
});
