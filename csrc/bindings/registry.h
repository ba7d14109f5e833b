// Each kernel family binds its own functions in its own file under csrc/bindings/, registering a
// binder with a static object:
//
//     static RegisterBindings conv_bindings([](nb::module_& m) { m.def("conv", &conv); });
//
// module.cpp runs every registered binder when Python imports _C. A family is thus added without
// editing any shared file; mytorch/backends/cpp_backend.py uses a C++ kernel for every contract
// primitive that _C defines under the contract's name.
#pragma once
#include <nanobind/nanobind.h>

#include <vector>

namespace mytorch {

using Binder = void (*)(nanobind::module_&);

inline std::vector<Binder>& binders() {
  static std::vector<Binder> all;
  return all;
}

struct RegisterBindings {
  explicit RegisterBindings(Binder binder) { binders().push_back(binder); }
};

}  // namespace mytorch
