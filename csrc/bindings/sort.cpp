// Bindings of csrc/sort/: sort and unique under the contract's names, and the native forms of advanced
// indexing as index_native / index_put_native, which answer None / False for any other key so that
// cpp_backend.py hands it to the host fallback (NumPy's full advanced-indexing rules).
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include "bindings/convert.h"
#include "bindings/registry.h"
#include "sort/sort.h"

namespace nb = nanobind;
using namespace mytorch;

namespace {

bool is_full_slice(nb::handle k) {
  if (!PySlice_Check(k.ptr())) return false;
  auto* s = reinterpret_cast<PySliceObject*>(k.ptr());
  return s->start == Py_None && s->stop == Py_None && s->step == Py_None;
}

// (dim, index) when key is a native form: whole slices (`:`), at most one Ellipsis, and one int64/int32
// array or one bool mask matching the shape of the dims it covers; nothing otherwise. Keys that NumPy
// rejects (too many indices, a mismatched mask) are not native either, so NumPy raises its own error.
std::optional<std::pair<int64_t, Array>> native_key(const Array& a, nb::handle key) {
  if (!PyTuple_Check(key.ptr())) return std::nullopt;
  std::optional<Array> index;
  int64_t before = 0, after = 0;  // dims consumed by slices before / after the array
  bool ellipsis = false, ellipsis_first = false;
  for (nb::handle k : nb::borrow<nb::tuple>(key)) {
    if (nb::isinstance<Array>(k)) {
      if (index) return std::nullopt;
      index = nb::cast<const Array&>(k);
      ellipsis_first = ellipsis;
    } else if (k.ptr() == Py_Ellipsis) {
      if (ellipsis) return std::nullopt;
      ellipsis = true;
    } else if (is_full_slice(k)) {
      ++(index ? after : before);
    } else {
      return std::nullopt;
    }
  }
  if (!index) return std::nullopt;
  const bool mask = index->dtype() == DType::Bool;
  if (!mask && index->dtype() != DType::Int64 && index->dtype() != DType::Int32) return std::nullopt;
  if (mask && index->ndim() == 0) return std::nullopt;
  const int64_t span = mask ? index->ndim() : 1;
  if (before + span + after > a.ndim()) return std::nullopt;
  const int64_t dim = ellipsis_first ? a.ndim() - span - after : before;
  if (mask) {
    for (int64_t d = 0; d < span; ++d) {
      if (index->shape()[d] != a.shape()[dim + d]) return std::nullopt;
    }
  }
  return std::make_pair(dim, *index);
}

}  // namespace

static RegisterBindings sort_bindings([](nb::module_& m) {
  m.def("sort", &sort, nb::arg("a"), nb::arg("axis"), nb::arg("descending"));
  m.def("unique", [](const Array& a, bool return_inverse, bool return_counts) -> nb::object {
    Unique u = unique(a);
    if (!return_inverse && !return_counts) return nb::cast(u.values);
    nb::list out;
    out.append(u.values);
    if (return_inverse) out.append(u.inverse);
    if (return_counts) out.append(u.counts);
    return nb::tuple(out);
  }, nb::arg("a"), nb::arg("return_inverse"), nb::arg("return_counts"));
  m.def("index_native", [](const Array& a, nb::handle key) -> std::optional<Array> {
    auto native = native_key(a, key);
    if (!native) return std::nullopt;
    return advanced_index(a, native->first, native->second);
  }, nb::arg("a"), nb::arg("key"), "a[key] when key is a native form (csrc/sort/sort.h), else None.");
  m.def("index_put_native", [](const Array& a, nb::handle key, nb::handle v, bool accumulate) {
    auto native = native_key(a, key);
    const bool number = PyLong_CheckExact(v.ptr()) || PyFloat_CheckExact(v.ptr());  // not bool: the host takes it
    if (!native || !(number || nb::isinstance<Array>(v))) return false;
    advanced_index_put(a, native->first, native->second, as_array(v, a.dtype()), accumulate);
    return true;
  }, nb::arg("a"), nb::arg("key"), nb::arg("v"), nb::arg("accumulate"),
     "a[key] = v (or += v) when key is a native form, returning True; False (nothing done) otherwise.");
});
