// index and index_put for the native key forms: one integer array or one bool mask among whole dims.
//
// Both key forms come down to the same thing: K selected positions among the indexed dims, each an
// element offset into a. The result (or the target of a put) is then pre x K x post blocks, where pre
// are the dims before the indexed ones and post those after: block (p, k) of a starts at
// pre_offset[p] + offset[k] and is walked with a's post strides. Reading copies whole post blocks
// (an embedding row at a time); writing gives each thread a range of positions to own, so repeated
// positions are written by one thread in key order, without atomics.
#include <algorithm>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/strided.h"
#include "core/views.h"
#include "elementwise/elementwise.h"
#include "index/index.h"
#include "sort/sort.h"

namespace mytorch {

namespace {

// The element offsets, through `strides`, of every position of `shape` in row-major order.
std::vector<int64_t> walk_offsets(const Shape& shape, const Strides& strides) {
  std::vector<int64_t> out(numel_of(shape));
  std::vector<int64_t> at(shape.size(), 0);
  int64_t off = 0;
  for (int64_t& o : out) {
    o = off;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      off += strides[d];
      if (++at[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      at[d] = 0;
    }
  }
  return out;
}

template <typename V>
V part(const V& v, size_t begin, size_t end) {
  return V(v.begin() + begin, v.begin() + end);
}

std::string shape_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

// What a native key selects: result shape pre + selected + post; `pos` are the K selected positions
// among the `extent` positions of the indexed dims (row-major), `offset` their element offsets in a.
struct Selection {
  Shape pre, selected, post;
  std::vector<int64_t> pos, offset;
  int64_t extent = 0;
};

Selection select_positions(const Array& a, int64_t dim, const Array& index) {
  Selection s;
  const int64_t span = index.dtype() == DType::Bool ? index.ndim() : 1;  // dims of a the item consumes
  s.pre = part(a.shape(), 0, dim);
  s.post = part(a.shape(), dim + span, a.ndim());
  const Shape dims = part(a.shape(), dim, dim + span);
  const Strides dim_strides = part(a.strides(), dim, dim + span);
  s.extent = numel_of(dims);
  const std::vector<int64_t> index_at = walk_offsets(index.shape(), index.strides());
  if (index.dtype() == DType::Bool) {
    // the mask has the indexed dims' shape (the binding checked): its true elements, in row-major order
    const std::vector<int64_t> a_at = walk_offsets(dims, dim_strides);
    const bool* mask = index.data<bool>();
    for (int64_t i = 0; i < s.extent; ++i) {
      if (mask[index_at[i]]) {
        s.pos.push_back(i);
        s.offset.push_back(a_at[i]);
      }
    }
    s.selected = {static_cast<int64_t>(s.pos.size())};
    return s;
  }
  const int64_t size = s.extent;
  if (auto bad = out_of_range_index(index, -size, size)) {
    throw IndexError("index " + std::to_string(*bad) + " is out of bounds for dimension " + std::to_string(dim) +
                     " with size " + std::to_string(size));
  }
  s.selected = index.shape();
  s.pos.resize(index_at.size());
  s.offset.resize(index_at.size());
  dispatch(index.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (std::is_same_v<I, int64_t> || std::is_same_v<I, int32_t>) {
      const I* idx = index.data<I>();
      for (size_t k = 0; k < index_at.size(); ++k) {
        const int64_t i = idx[index_at[k]];
        s.pos[k] = i < 0 ? i + size : i;
        s.offset[k] = s.pos[k] * dim_strides[0];
      }
    }
  });
  return s;
}

// f(dst, src, n, dst_stride, src_stride) over every row of a post block (one call when it is one row).
template <typename Row>
void for_each_block_row(const StridedLayout<2>& post, char* dst, char* src, int64_t itemsize, Row&& row) {
  for_each_row<2>(post, {dst, src}, {itemsize, itemsize},
                  [&](const std::array<char*, 2>& p, int64_t n, const std::array<int64_t, 2>& s) {
    row(p[0], p[1], n, s[0], s[1]);
  }, /*parallel=*/false);
}

}  // namespace

Array advanced_index(const Array& a, int64_t dim, const Array& index) {
  Selection s = select_positions(a, dim, index);
  Shape shape = s.pre;
  shape.insert(shape.end(), s.selected.begin(), s.selected.end());
  shape.insert(shape.end(), s.post.begin(), s.post.end());
  Array out(shape, a.dtype());
  if (out.numel() == 0) return out;
  const int64_t K = static_cast<int64_t>(s.offset.size()), Q = numel_of(s.post);
  const std::vector<int64_t> pre_at = walk_offsets(s.pre, part(a.strides(), 0, s.pre.size()));
  const auto post = coalesce<2>(s.post, {contiguous_strides(s.post), part(a.strides(), a.ndim() - s.post.size(), a.ndim())});
  dispatch_copy(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // block u = (p, k) of the contiguous result holds a's block at pre_at[p] + offset[k]
    parallel_for(numel_of(s.pre) * K, Q, [&](int64_t begin, int64_t end) {
      for (int64_t u = begin; u < end; ++u) {
        const T* src = a.data<T>() + pre_at[u / K] + s.offset[u % K];
        for_each_block_row(post, out.bytes() + u * Q * sizeof(T), reinterpret_cast<char*>(const_cast<T*>(src)),
                           sizeof(T), [](char* d, char* x, int64_t n, int64_t sd, int64_t sx) {
          if (sd == 1 && sx == 1) {
            std::memcpy(d, x, n * sizeof(T));
          } else {
            for (int64_t i = 0; i < n; ++i) reinterpret_cast<T*>(d)[i * sd] = reinterpret_cast<const T*>(x)[i * sx];
          }
        });
      }
    });
  });
  return out;
}

void advanced_index_put(const Array& a, int64_t dim, const Array& index, const Array& v_in, bool accumulate) {
  Selection s = select_positions(a, dim, index);
  Shape shape = s.pre;
  shape.insert(shape.end(), s.selected.begin(), s.selected.end());
  shape.insert(shape.end(), s.post.begin(), s.post.end());
  bool fits = v_in.ndim() <= static_cast<int64_t>(shape.size());
  for (int64_t d = 1; fits && d <= v_in.ndim(); ++d) {
    const int64_t n = v_in.shape()[v_in.ndim() - d];
    fits = n == 1 || n == shape[shape.size() - d];
  }
  if (!fits) {
    throw std::invalid_argument("shape mismatch: value array of shape " + shape_str(v_in.shape()) +
                                " could not be broadcast to indexing result of shape " + shape_str(shape));
  }
  const Array v = expand(v_in.dtype() == a.dtype() ? v_in : cast(v_in, a.dtype()), shape);
  if (v.numel() == 0) return;
  const size_t npre = s.pre.size(), nsel = s.selected.size();
  const std::vector<int64_t> a_pre = walk_offsets(s.pre, part(a.strides(), 0, npre));
  const std::vector<int64_t> v_pre = walk_offsets(s.pre, part(v.strides(), 0, npre));
  const std::vector<int64_t> v_sel = walk_offsets(s.selected, part(v.strides(), npre, npre + nsel));
  const auto post = coalesce<2>(s.post, {part(a.strides(), a.ndim() - s.post.size(), a.ndim()),
                                         part(v.strides(), npre + nsel, shape.size())});
  const int64_t K = static_cast<int64_t>(s.pos.size()), P = numel_of(s.pre), Q = numel_of(s.post);
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    auto run = [&](auto combine) {
      // the thread owning positions [begin, end) makes every write to them, in key order
      parallel_for(s.extent, std::max<int64_t>(1, K * P * Q / std::max<int64_t>(s.extent, 1)),
                   [&](int64_t begin, int64_t end) {
        for (int64_t k = 0; k < K; ++k) {
          if (s.pos[k] < begin || s.pos[k] >= end) continue;
          for (int64_t p = 0; p < P; ++p) {
            for_each_block_row(post, reinterpret_cast<char*>(a.data<T>() + a_pre[p] + s.offset[k]),
                               reinterpret_cast<char*>(v.data<T>() + v_pre[p] + v_sel[k]), sizeof(T),
                               [&](char* d, char* x, int64_t n, int64_t sd, int64_t sx) {
              T* t = reinterpret_cast<T*>(d);
              const T* y = reinterpret_cast<const T*>(x);
              for (int64_t i = 0; i < n; ++i) t[i * sd] = combine(t[i * sd], y[i * sx]);
            });
          }
        }
      });
    };
    if (accumulate) {
      run([](T t, T y) { return static_cast<T>(static_cast<C>(t) + static_cast<C>(y)); });
    } else {
      run([](T, T y) { return y; });
    }
  });
}

}  // namespace mytorch
