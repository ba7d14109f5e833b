// The Python exception a kernel error becomes. Kernels throw these; the binding layer translates
// them, so that bad input raises the exception type PyTorch raises (TypeError for a dtype a kernel
// does not take, IndexError for an index out of range, RuntimeError for the rest).
#pragma once
#include <stdexcept>
#include <string>

namespace mytorch {

struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct IndexError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// An op PyTorch defines for the dtype class but not this dtype (ordering complex numbers, say).
struct NotImplementedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mytorch
