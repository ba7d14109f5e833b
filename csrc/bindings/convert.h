// Conversions between Python objects and the C++ types of the kernels.
#pragma once
#include <nanobind/nanobind.h>

#include <array>

#include "core/array.h"
#include "core/errors.h"
#include "elementwise/elementwise.h"

namespace mytorch {
namespace nb = nanobind;

inline nb::tuple shape_tuple(const Shape& shape) {
  PyObject* t = PyTuple_New(static_cast<Py_ssize_t>(shape.size()));
  for (size_t i = 0; i < shape.size(); ++i) PyTuple_SET_ITEM(t, i, PyLong_FromLongLong(shape[i]));
  return nb::steal<nb::tuple>(t);
}

// mytorch's dtype objects, indexed by DType, so that Array.dtype answers without a lookup. The table
// is never destroyed: its references must not be dropped after the interpreter has shut down.
inline std::array<nb::object, kNumDTypes>& dtype_objects() {
  static auto* objects = new std::array<nb::object, kNumDTypes>();
  return *objects;
}
inline void set_dtype_objects(nb::list objects) {
  for (int i = 0; i < kNumDTypes; ++i) dtype_objects()[i] = objects[i];
}
inline nb::object dtype_object(DType dt) { return dtype_objects()[static_cast<int>(dt)]; }

// A mytorch dtype object's DType (its position in that table).
inline DType dtype_from_object(nb::handle dt) {
  for (int i = 0; i < kNumDTypes; ++i) {
    if (dtype_objects()[i].is(dt)) return static_cast<DType>(i);
  }
  throw TypeError("expected a mytorch dtype");
}

// A 0-d array of dtype dt holding a Python number. Integers go through int64 so that large ones stay
// exact (those above int64's range through uint64); floats through double, complex numbers through complex128.
inline Array scalar_array(nb::handle value, DType dt) {
  if (PyComplex_Check(value.ptr())) {
    Array src({}, DType::Complex128);
    *src.data<std::complex<double>>() = {PyComplex_RealAsDouble(value.ptr()), PyComplex_ImagAsDouble(value.ptr())};
    return cast(src, dt);
  }
  if (PyFloat_Check(value.ptr())) {
    Array src({}, DType::Float64);
    *src.data<double>() = PyFloat_AsDouble(value.ptr());
    return cast(src, dt);
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (v == -1 && PyErr_Occurred()) {  // not an integer: nanobind's cast below raises its error
    PyErr_Clear();
    overflow = -1;
  }
  if (overflow > 0) {  // above int64's range: a uint64 value (raises OverflowError beyond that)
    Array src({}, DType::UInt64);
    *src.data<uint64_t>() = nb::cast<uint64_t>(value);
    return cast(src, dt);
  }
  Array src({}, DType::Int64);
  *src.data<int64_t>() = overflow < 0 ? nb::cast<int64_t>(value) : static_cast<int64_t>(v);
  return cast(src, dt);
}

// An Array as it is, or a Python number as a 0-d array of dtype dt.
inline Array as_array(nb::handle x, DType dt) {
  if (nb::isinstance<Array>(x)) return nb::cast<const Array&>(x);
  return scalar_array(x, dt);
}

// Reduction axes: None means all of them.
inline std::vector<int64_t> axes_of(nb::handle axes, int64_t ndim) {
  std::vector<int64_t> out;
  if (axes.is_none()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
  } else if (PyLong_Check(axes.ptr())) {
    int64_t d = nb::cast<int64_t>(axes);
    out.push_back(d < 0 ? d + ndim : d);
  } else {
    for (nb::handle h : axes) {
      int64_t d = nb::cast<int64_t>(h);
      out.push_back(d < 0 ? d + ndim : d);
    }
  }
  return out;
}

}  // namespace mytorch
