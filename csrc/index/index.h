// Indexing, joining and scan kernels: the contract primitives that move elements by computed positions
// (concatenate, gather/scatter, index/index_put, nonzero, pad), arg-reductions and scans along one
// axis, and arange. Names, argument order and errors are those of mytorch/backends/base.py.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/array.h"

namespace mytorch {

// The arrays (one dtype, one ndim, equal sizes outside `axis`) joined along axis; std::invalid_argument
// (ValueError) when the shapes do not fit, as NumPy raises.
Array concatenate(const std::vector<Array>& arrays, int64_t axis);

// out[i, j] = a[index[i, j], j] along `axis`, out of index's shape; index (int64 or int32) has a's ndim
// and, outside axis, sizes no larger than a's (or a has size 1 there and is broadcast).
Array gather(const Array& a, int64_t axis, const Array& index);
// In place: a[index[i, j], j] = src[i, j] (or += / *= for reduce "add" / "multiply"); src has index's
// ndim and at least its sizes (its leading block is read), or is a 0-d array broadcast everywhere.
void scatter(const Array& a, int64_t axis, const Array& index, const Array& src, const std::string& reduce);

// Positions (int64) of the first largest / smallest element along axis, or of the flattened array when
// axis is empty; NaN counts as larger and smaller than everything, as in PyTorch.
Array argmax(const Array& a, std::optional<int64_t> axis, bool keepdim);
Array argmin(const Array& a, std::optional<int64_t> axis, bool keepdim);
// Running sum / product along axis in a's dtype, rounded to it at every step (NumPy's accumulate).
Array cumsum(const Array& a, int64_t axis);
Array cumprod(const Array& a, int64_t axis);

// start, start + step, ... below end (above it for a negative step), with NumPy's count and values.
Array arange(double start, double end, double step, DType dt);

// a padded by (before, after) per dim: mode "constant" fills with value (an array of a's dtype, 0-d),
// "reflect", "replicate" and "circular" read a mirrored, clamped or wrapped position.
Array pad(const Array& a, const std::vector<std::pair<int64_t, int64_t>>& pads, const std::string& mode,
          const Array& value);

// (count, ndim) int64 positions of the nonzero elements, in row-major order.
Array nonzero(const Array& a);

// Bounds of an index array against a dim of `size`: nothing when every index lies in [low, size), else
// the index to name in the error, the smallest when one is below the range, else the largest (the
// contract's rule). Indices are int64 or int32.
std::optional<int64_t> out_of_range_index(const Array& index, int64_t low, int64_t size);

// a's axis in [0, ndim) (a 0-d array has the one axis 0), or IndexError naming the kernel.
int64_t wrap_axis(int64_t axis, int64_t ndim, const char* kernel);

}  // namespace mytorch
