// Views: new shapes and strides over the same storage, never a copy.
#pragma once
#include <optional>

#include "core/array.h"

namespace mytorch {

// a with a new shape (same number of elements), or nothing when a's strides cannot express it
// without a copy (e.g. flattening a transposed matrix).
std::optional<Array> reshape_view(const Array& a, const Shape& shape);
// Dims reordered: out.shape[i] = a.shape[dims[i]].
Array permute(const Array& a, const std::vector<int64_t>& dims);
// a broadcast to shape (right-aligned); broadcast dims get stride 0.
Array expand(const Array& a, const Shape& shape);
// Any shape and element strides, starting `offset` elements after a's first element.
Array as_strided(const Array& a, const Shape& shape, const Strides& strides, int64_t offset);
// a's bytes read as elements of `dtype` (a view): the last dim and every other stride and the offset scale by
// itemsize(a) / itemsize(dtype). The caller has checked that the last dim is contiguous and that they divide.
Array bitcast(const Array& a, DType dtype);
// Elements start, start + step, ... (`length` of them) along dim; step may be negative.
Array slice(const Array& a, int64_t dim, int64_t start, int64_t step, int64_t length);
// The sub-array at position index of dim (that dim removed).
Array select(const Array& a, int64_t dim, int64_t index);
// A new dim of size 1 at position dim.
Array unsqueeze(const Array& a, int64_t dim);

}  // namespace mytorch
