#include "core/views.h"

#include <stdexcept>
#include <string>

namespace mytorch {

std::optional<Array> reshape_view(const Array& a, const Shape& shape) {
  // The old dims fall into chunks that are contiguous among themselves (stride[i] == stride[i+1] *
  // size[i+1]). A chunk can be re-split into any run of new dims whose sizes multiply to the chunk's
  // size, with row-major strides inside it; a new dim that would straddle two chunks needs a copy.
  // Dims of size 1 play no part (their stride is never used), so they are dropped first.
  if (numel_of(shape) != a.numel()) throw std::invalid_argument("reshape_view(): size mismatch");
  if (a.numel() == 0 || a.is_contiguous()) {
    return a.view(shape, contiguous_strides(shape), a.offset());
  }
  Shape sizes;
  Strides steps;
  for (int64_t d = 0; d < a.ndim(); ++d) {
    if (a.shape()[d] != 1) {
      sizes.push_back(a.shape()[d]);
      steps.push_back(a.strides()[d]);
    }
  }
  Strides strides(shape.size());
  int64_t new_dim = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_stride = steps.back();  // stride of the chunk's innermost dim
  int64_t chunk_numel = 1, covered = 1;
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    chunk_numel *= sizes[d];
    bool chunk_ends = d == 0 || steps[d - 1] != chunk_numel * chunk_stride;
    if (!chunk_ends) continue;
    // new dims (and any size-1 ones around them) take the chunk, innermost first
    while (new_dim >= 0 && (covered < chunk_numel || shape[new_dim] == 1)) {
      strides[new_dim] = covered * chunk_stride;
      covered *= shape[new_dim];
      --new_dim;
    }
    if (covered != chunk_numel) return std::nullopt;
    if (d > 0) {
      chunk_stride = steps[d - 1];
      chunk_numel = covered = 1;
    }
  }
  return a.view(shape, strides, a.offset());
}

Array permute(const Array& a, const std::vector<int64_t>& dims) {
  Shape shape(dims.size());
  Strides strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    shape[i] = a.shape()[dims[i]];
    strides[i] = a.strides()[dims[i]];
  }
  return a.view(shape, strides, a.offset());
}

Array expand(const Array& a, const Shape& shape) {
  Strides strides(shape.size(), 0);
  size_t lead = shape.size() - a.shape().size();
  for (size_t d = 0; d < a.shape().size(); ++d) {
    if (a.shape()[d] == shape[lead + d]) {
      strides[lead + d] = a.strides()[d];
    } else if (a.shape()[d] != 1) {
      throw std::invalid_argument("expand(): size " + std::to_string(a.shape()[d]) + " cannot be expanded to " +
                                  std::to_string(shape[lead + d]));
    }
  }
  return a.view(shape, strides, a.offset());
}

Array as_strided(const Array& a, const Shape& shape, const Strides& strides, int64_t offset) {
  return a.view(shape, strides, a.offset() + offset);
}

Array bitcast(const Array& a, DType dtype) {
  const int64_t from = static_cast<int64_t>(a.itemsize()), to = static_cast<int64_t>(itemsize(dtype));
  Shape shape = a.shape();
  Strides strides = a.strides();
  int64_t offset = a.offset();
  if (from != to && !shape.empty()) {
    // in bytes nothing moves: each count of elements becomes count * from / to
    auto rescale = [&](int64_t n) { return n * from / to; };
    shape.back() = rescale(shape.back());
    for (size_t d = 0; d + 1 < strides.size(); ++d) strides[d] = rescale(strides[d]);
    offset = rescale(offset);
  }
  return Array(a.storage(), dtype, shape, strides, offset);
}

Array slice(const Array& a, int64_t dim, int64_t start, int64_t step, int64_t length) {
  Shape shape = a.shape();
  Strides strides = a.strides();
  int64_t offset = a.offset() + (length > 0 ? start * strides[dim] : 0);
  shape[dim] = length;
  strides[dim] *= step;
  return a.view(shape, strides, offset);
}

Array select(const Array& a, int64_t dim, int64_t index) {
  Shape shape = a.shape();
  Strides strides = a.strides();
  int64_t offset = a.offset() + index * strides[dim];
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return a.view(shape, strides, offset);
}

Array unsqueeze(const Array& a, int64_t dim) {
  Shape shape = a.shape();
  Strides strides = a.strides();
  // the new dim's stride does not matter (size 1); this one keeps a contiguous array contiguous
  int64_t stride = dim < a.ndim() ? strides[dim] * shape[dim] : 1;
  shape.insert(shape.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return a.view(shape, strides, a.offset());
}

}  // namespace mytorch
