// concatenate: arrays joined along one axis.
//
// The output is viewed as (outer, row) with outer = the product of the sizes before the axis; input k
// fills a block of every row, of length n_k * inner (inner = the product of the sizes after the axis).
// When every input is contiguous those blocks are plain memcpy's, done row by row so the output is
// written in order (an LSTM's cat of a few small (batch, hidden) matrices is this case). Any other
// input is written with the strided copy of `assign` into its slice of the output.
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/parallel.h"
#include "core/views.h"
#include "elementwise/elementwise.h"
#include "index/index.h"

namespace mytorch {

namespace {

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t d = 0; d < s.size(); ++d) out += (d ? ", " : "") + std::to_string(s[d]);
  return out + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

Array concatenate(const std::vector<Array>& arrays, int64_t axis) {
  if (arrays.empty()) throw std::invalid_argument("need at least one array to concatenate");
  const Array& first = arrays[0];
  if (first.ndim() == 0) throw std::invalid_argument("zero-dimensional arrays cannot be concatenated");
  if (axis < -first.ndim() || axis >= first.ndim()) {
    throw IndexError("concatenate(): axis " + std::to_string(axis) + " is out of bounds for array of dimension " +
                     std::to_string(first.ndim()));
  }
  if (axis < 0) axis += first.ndim();

  Shape shape = first.shape();
  shape[axis] = 0;
  bool all_contiguous = true;
  for (const Array& a : arrays) {
    if (a.dtype() != first.dtype()) {
      throw TypeError(std::string("concatenate(): arrays must have one dtype, got ") + dtype_name(first.dtype()) +
                      " and " + dtype_name(a.dtype()));
    }
    bool fits = a.ndim() == first.ndim();
    for (int64_t d = 0; fits && d < a.ndim(); ++d) fits = d == axis || a.shape()[d] == first.shape()[d];
    if (!fits) {
      throw std::invalid_argument("all the input array dimensions except for the concatenation axis must match "
                                  "exactly, but got shapes " + shape_str(first.shape()) + " and " +
                                  shape_str(a.shape()));
    }
    shape[axis] += a.shape()[axis];
    all_contiguous = all_contiguous && a.is_contiguous();
  }

  Array out(shape, first.dtype());
  if (out.numel() == 0) return out;
  const int64_t size = static_cast<int64_t>(out.itemsize());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < out.ndim(); ++d) inner *= shape[d];
  const int64_t row = shape[axis] * inner;  // output elements per outer position

  if (all_contiguous) {
    parallel_for(outer, row, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        char* dst = out.bytes() + o * row * size;
        for (const Array& a : arrays) {
          const int64_t block = a.shape()[axis] * inner * size;
          std::memcpy(dst, a.bytes() + o * block, block);
          dst += block;
        }
      }
    });
    return out;
  }
  int64_t at = 0;
  for (const Array& a : arrays) {
    assign(slice(out, axis, at, 1, a.shape()[axis]), a);
    at += a.shape()[axis];
  }
  return out;
}

}  // namespace mytorch
