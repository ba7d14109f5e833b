// The Python module mytorch.backends._C: the C++ Array type and the kernels, as thin bindings.
//
// Arrays show Python the three attributes the upper layers may read (.shape, .ndim, .strides in
// bytes, as NumPy's do) plus .dtype, and offer NumPy a zero-copy view through __array_interface__.
// Everything else is a function taking and returning Arrays; mytorch/backends/cpp_backend.py maps
// the backend contract onto them.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "core/allocator.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "core/views.h"
#include "elementwise/complex_pow.h"
#include "elementwise/elementwise.h"
#include "linalg/matmul.h"
#include "reduce/reduce.h"

namespace nb = nanobind;
using namespace mytorch;

namespace {

nb::tuple strides_in_bytes(const Array& a) {
  nb::list out;
  int64_t size = static_cast<int64_t>(a.itemsize());
  for (int64_t s : a.strides()) out.append(s * size);
  return nb::tuple(out);
}

const char* typestr(DType dt) {
  // bfloat16 travels as uint16 bits, complex32 as uint32 bits; the Python side views them as
  // ml_dtypes.bfloat16 and as its (real, imag) float16 record type
  static constexpr const char* codes[kNumDTypes] = {"|b1", "|u1", "|i1", "<i2", "<i4", "<i8", "<f2", "<u2",
                                                    "<f4", "<f8", "<c8", "<c16", "<u2", "<u4", "<u8", "<u4"};
  return codes[static_cast<int>(dt)];
}

nb::dict array_interface(const Array& a) {
  nb::dict d;
  d["shape"] = shape_tuple(a.shape());
  d["typestr"] = typestr(a.dtype());
  d["data"] = nb::make_tuple(reinterpret_cast<uintptr_t>(a.bytes()), false);
  d["strides"] = strides_in_bytes(a);
  d["version"] = 3;
  return d;
}

// An Array over memory owned by a Python object (a NumPy array): `owner` stays alive as long as the
// storage does. `strides` are in bytes, as NumPy gives them.
Array from_pointer(uintptr_t ptr, const Shape& shape, const Strides& byte_strides, int dtype, nb::object owner) {
  DType dt = static_cast<DType>(dtype);
  Strides strides(byte_strides.size());
  for (size_t i = 0; i < strides.size(); ++i) strides[i] = byte_strides[i] / static_cast<int64_t>(itemsize(dt));
  auto* holder = new nb::object(std::move(owner));
  auto storage = std::make_shared<Storage>(reinterpret_cast<void*>(ptr), numel_of(shape) * itemsize(dt),
                                           [holder] { delete holder; });
  return Array(storage, dt, shape, strides, 0);
}

// a[key] for a key of ints, slices, None and Ellipsis (all valid: the ops layer checked them).
Array basic_index(const Array& a, nb::tuple key) {
  size_t consumed = 0;  // dims of a that the key addresses, to place the Ellipsis
  for (nb::handle k : key) consumed += !(k.is_none() || k.ptr() == Py_Ellipsis);
  Array out = a;
  int64_t dim = 0;  // the dim of `out` the next key entry applies to
  for (nb::handle k : key) {
    if (k.is_none()) {
      out = unsqueeze(out, dim++);
    } else if (k.ptr() == Py_Ellipsis) {
      dim += out.ndim() - dim - static_cast<int64_t>(consumed);
      consumed = 0;
    } else if (PySlice_Check(k.ptr())) {
      Py_ssize_t start, stop, step;
      PySlice_Unpack(k.ptr(), &start, &stop, &step);
      Py_ssize_t length = PySlice_AdjustIndices(out.shape()[dim], &start, &stop, step);
      out = slice(out, dim++, start, step, length);
      --consumed;
    } else {
      int64_t i = nb::cast<int64_t>(k);
      out = select(out, dim, i < 0 ? i + out.shape()[dim] : i);
      --consumed;
    }
  }
  return out;
}

// The Python function that serves elementwise ops and reductions on the dtypes with limited support
// (uint16/32/64, complex32; core/dtype.h), which the C++ kernels do not instantiate:
// mytorch/backends/_np_limited.py's `primitive(name, *args)`, on NumPy views of our memory. Set once at import.
nb::object& limited_primitive() {
  static auto* f = new nb::object();
  return *f;
}

bool is_limited(DType dt) { return dt >= DType::UInt16; }

Array limited(const char* name, nb::handle a, nb::handle b) {
  return nb::cast<Array>(limited_primitive()(name, a, b));
}

// A shape with its one -1 (if any) replaced by the size that makes numel elements.
Shape infer_size(Shape shape, int64_t numel) {
  int64_t known = 1, unknown = -1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      unknown = static_cast<int64_t>(d);
    } else {
      known *= shape[d];
    }
  }
  if (unknown >= 0) shape[unknown] = known == 0 ? 0 : numel / known;
  return shape;
}

}  // namespace

NB_MODULE(_C, m) {
  m.doc() = "mytorch's compiled CPU kernels (see csrc/ and mytorch/backends/cpp_backend.py)";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const mytorch::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const mytorch::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const mytorch::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    }
  });

  nb::class_<Array>(m, "Array")
      .def_prop_ro("shape", [](const Array& a) { return shape_tuple(a.shape()); })
      .def_prop_ro("ndim", &Array::ndim)
      .def_prop_ro("strides", &strides_in_bytes)
      .def_prop_ro("dtype", [](const Array& a) { return dtype_object(a.dtype()); })
      .def_prop_ro("code", [](const Array& a) { return static_cast<int>(a.dtype()); })
      .def_prop_ro("__array_interface__", &array_interface)
      .def_prop_ro("data_ptr", [](const Array& a) { return reinterpret_cast<uintptr_t>(a.bytes()); })
      .def_prop_ro("offset", &Array::offset)
      .def("__repr__", [](const Array& a) {
        std::string s = "_C.Array(dtype=" + std::string(dtype_name(a.dtype())) + ", shape=(";
        for (int64_t n : a.shape()) s += std::to_string(n) + ",";
        return s + "))";
      });

  m.def("set_dtype_objects", &set_dtype_objects, "The Python dtype objects Array.dtype returns, in DType order.");
  m.def("set_num_threads", &mytorch::set_num_threads);
  m.def("empty_cache", &allocator::empty_cache, "Returns the storage blocks the allocator keeps for reuse to the system.");
  m.def("cached_bytes", &allocator::cached_bytes, "Bytes of freed storage the allocator keeps for reuse.");
  m.def("get_num_threads", &mytorch::num_threads);

  // storage
  m.def("from_pointer", &from_pointer);
  m.def("empty", [](const Shape& shape, int dtype) { return Array(shape, static_cast<DType>(dtype)); });
  m.def("full", [](const Shape& shape, nb::handle value, int dtype) {
    Array out(shape, static_cast<DType>(dtype));
    assign(out, scalar_array(value, out.dtype()));
    return out;
  });
  m.def("cast", [](const Array& a, int dtype) { return cast(a, static_cast<DType>(dtype)); });
  m.def("copy", &contiguous_copy);
  m.def("assign", [](const Array& dst, nb::handle src) { assign(dst, as_array(src, dst.dtype())); });
  m.def("is_contiguous", &Array::is_contiguous);
  m.def("add_", [](const Array& dst, const Array& src) {
    if (src.shape() != dst.shape()) throw std::invalid_argument("add_(): src must have dst's shape");
    binary_into(BinaryOp::add, dst, dst, src);
  }, "dst += src in dst's memory.");
  // Storage that only this Array refers to (a view or a NumPy array over it would hold another
  // reference to the storage or to the Python object): the autograd engine may adopt it as a gradient.
  m.def("owns_memory", [](const Array& a) {
    return a.storage().use_count() == 1 && !a.storage()->borrowed() && a.is_contiguous();
  });

  // views
  m.def("view", [](const Array& a, const Shape& shape) { return reshape_view(a, infer_size(shape, a.numel())); });
  m.def("permute", &permute);
  m.def("expand", &expand);
  m.def("as_strided", &as_strided);
  m.def("bitcast", [](const Array& a, int dtype) { return bitcast(a, static_cast<DType>(dtype)); });
  m.def("flip", [](const Array& a, const std::vector<int64_t>& axes) {
    Array out = a;
    for (int64_t d : axes) out = slice(out, d, out.shape()[d] - 1, -1, out.shape()[d]);
    return out;
  });
  m.def("basic_index", &basic_index);

  // elementwise
#define MYTORCH_BIND_UNARY(name)                                                                   \
  m.def(#name, [](const Array& a) {                                                                \
    if (is_limited(a.dtype())) return nb::cast<Array>(limited_primitive()(#name, a));              \
    return unary(UnaryOp::name, a);                                                                \
  });
  MYTORCH_UNARY_OPS(MYTORCH_BIND_UNARY)
#undef MYTORCH_BIND_UNARY
  // a Python number as either operand takes the other operand's dtype (PyTorch's weak scalars)
#define MYTORCH_BIND_BINARY(name)                                                                  \
  m.def(#name, [](nb::handle a, nb::handle b) {                                                    \
    if (nb::isinstance<Array>(a)) {                                                                \
      const Array& x = nb::cast<const Array&>(a);                                                  \
      if (is_limited(x.dtype())) return limited(#name, a, b);                                      \
      if (nb::isinstance<Array>(b)) return binary(BinaryOp::name, x, nb::cast<const Array&>(b));   \
      return binary_with_number(BinaryOp::name, x, scalar_array(b, x.dtype()));                    \
    }                                                                                              \
    const Array& y = nb::cast<const Array&>(b);                                                    \
    if (is_limited(y.dtype())) return limited(#name, a, b);                                        \
    return binary(BinaryOp::name, scalar_array(a, y.dtype()), y);                                  \
  });
  MYTORCH_BINARY_OPS(MYTORCH_BIND_BINARY)
#undef MYTORCH_BIND_BINARY
  m.def("where", [](const Array& cond, nb::handle a, nb::handle b) {
    DType dt = nb::isinstance<Array>(a) ? nb::cast<const Array&>(a).dtype()
                                        : nb::cast<const Array&>(b).dtype();
    return where(cond, as_array(a, dt), as_array(b, dt));
  });

  m.def("matmul", &matmul);
  m.def("matmul_add", &matmul_add);
  m.def("set_limited_primitive", [](nb::object f) { limited_primitive() = std::move(f); },
        "The Python function serving elementwise ops and reductions on uint16/32/64 and complex32.");

  // reductions
#define MYTORCH_BIND_REDUCE(name)                                                                   \
  m.def(#name, [](const Array& a, nb::handle axes, bool keepdim) {                                  \
    if (is_limited(a.dtype())) return nb::cast<Array>(limited_primitive()(#name, a, axes, keepdim));  \
    return reduce(ReduceOp::name, a, axes_of(axes, a.ndim()), keepdim);                             \
  }, nb::arg("a"), nb::arg("axes").none(), nb::arg("keepdim"));
  MYTORCH_REDUCE_OPS(MYTORCH_BIND_REDUCE)
#undef MYTORCH_BIND_REDUCE

  for (Binder bind : binders()) bind(m);  // the kernel families with binding files of their own
}
