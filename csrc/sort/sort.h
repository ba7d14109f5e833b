// Sorting and advanced indexing: the contract primitives sort, unique, index and index_put
// (mytorch/backends/base.py), with NumPy's orders, results and errors.
#pragma once
#include <optional>
#include <utility>

#include "core/array.h"

namespace mytorch {

// (values, int64 indices) of a stably sorted along axis. NaN sorts after every number ascending and
// before every number descending; equal elements keep their order either way (NumPy's result for a
// descending sort done as a stable sort of the flipped array, flipped back).
std::pair<Array, Array> sort(const Array& a, int64_t axis, bool descending);

// The distinct elements of a (flattened) in ascending order, NaNs as one value after the rest, with
// the int64 inverse map (a's shape: a = unique[inverse]) and the int64 count of each.
struct Unique {
  Array values, inverse, counts;
};
Unique unique(const Array& a);

// The native forms of advanced indexing: a key whose only advanced item is `index` at dim `dim` of a,
// every other dim taken whole. index is either an int64/int32 array (negative indices wrap; the result
// has index's shape in place of dim) or a bool mask over dims [dim, dim + mask.ndim) of the same shape
// (the result has the count of true elements there). Out of range: IndexError("index i is out of
// bounds for dimension d with size n"), i the smallest when one is below the range, else the largest.
Array advanced_index(const Array& a, int64_t dim, const Array& index);
// In place: a[key] = v, v broadcast to the indexed shape (std::invalid_argument, NumPy's ValueError,
// when it does not broadcast). Repeated positions take their writes in key order: the last one wins,
// or with accumulate all are added in turn (NumPy's add.at).
void advanced_index_put(const Array& a, int64_t dim, const Array& index, const Array& v, bool accumulate);

}  // namespace mytorch
