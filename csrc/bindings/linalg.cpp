// Bindings of the linear-algebra primitives (base.Backend's "linear algebra" section) that _C has.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/tuple.h>

#include "bindings/registry.h"
#include "linalg/factorize.h"

namespace nb = nanobind;
using namespace mytorch;

namespace {

void bind(nb::module_& m) {
  m.def("lu_factor", &lu_factor);
  m.def("solve_triangular", &solve_triangular);
  m.def("cholesky", &cholesky);
  m.def("qr", &qr);
  m.def("eigh", &eigh);
  m.def("eig", &eig);
  m.def("ldl_factor", &ldl_factor);
  m.def("ldl_solve", &ldl_solve);
  m.def("svd", &svd);
}

RegisterBindings linalg_bindings(bind);

}  // namespace
