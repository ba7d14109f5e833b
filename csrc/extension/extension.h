// What a C++ extension of mytorch includes (mytorch's <torch/extension.h>).
//
// An extension is a set of functions over `mytorch::Array` (csrc/core/array.h): they read the arrays
// they are given and return new ones, as the backend's own kernels do. `mytorch.utils.cpp_extension`
// compiles them with the backend's compiler flags into a nanobind module built with the same nanobind
// ABI as `mytorch.backends._C`, so the `_C.Array` held by every tensor of the cpp backend passes
// straight through (no copy), and the Python wrapper turns returned Arrays back into tensors.
//
// Besides the Array type, an extension may use the dtype switch (`dispatch`, `compute_t`), the views
// (`permute`, `slice`, ...), threads (`parallel_for`) and the exceptions that become Python's
// (`mytorch::TypeError`, `mytorch::IndexError`; std::invalid_argument -> ValueError, and any other
// std::exception -> RuntimeError).
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <stdexcept>
#include <string>

#include "core/array.h"
#include "core/dtype.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "core/views.h"

// Checks a condition, raising RuntimeError with the message when it fails (like TORCH_CHECK):
//     MYTORCH_CHECK(x.is_contiguous(), "fused_gelu: x must be contiguous");
#define MYTORCH_CHECK(cond, msg)                                \
  do {                                                          \
    if (!(cond)) throw std::runtime_error(std::string(msg));    \
  } while (0)
