// Rotary position embedding in one pass: each feature pair (a, b) of x is turned by its angle,
//   (a, b) -> (a cos - b sin, b cos + a sin),
// pair i being (x_i, x_{i+h}) in the half-split convention and (x_{2i}, x_{2i+1}) when interleaved,
// for i < h = cos.shape[-1]; features from 2h on pass through unchanged (partial rotary).
//
// The op is elementwise over the pairs: with a, b, c, s, and the two halves of the output viewed as
// arrays of one shape (x's leading dims, then h), a single strided loop reads four operands and writes
// two. cos and sin enter broadcast (stride 0 along the head and batch dims they share), so nothing is
// materialised; x may be any strided view (a head split of a projection is one).
// The backward is the same kernel: rotating by -angle undoes the rotation, dx = rotary(g, cos, -sin).
#include <stdexcept>
#include <string>

#include "core/strided.h"
#include "core/views.h"
#include "fused/fused.h"

namespace mytorch {
namespace {

// The pair halves of the first 2h features of `a` (shape (..., D)) as two views of shape (..., h).
std::pair<Array, Array> pair_halves(const Array& a, int64_t h, bool interleaved) {
  const int64_t last = a.ndim() - 1;
  if (interleaved) return {slice(a, last, 0, 2, h), slice(a, last, 1, 2, h)};
  return {slice(a, last, 0, 1, h), slice(a, last, h, 1, h)};
}

template <typename T>
void rotate_pairs(const Array& a, const Array& b, const Array& c, const Array& s, const Array& out_a,
                  const Array& out_b) {
  using C = compute_t<T>;
  const Shape& shape = a.shape();
  auto layout = coalesce<6>(shape, {a.strides(), b.strides(), broadcast_strides(c, shape), broadcast_strides(s, shape),
                                    out_a.strides(), out_b.strides()});
  constexpr int64_t w = sizeof(T);
  for_each_row<6>(layout, {a.bytes(), b.bytes(), c.bytes(), s.bytes(), out_a.bytes(), out_b.bytes()},
                  {w, w, w, w, w, w}, [](const std::array<char*, 6>& p, int64_t n, const std::array<int64_t, 6>& st) {
                    const T *pa = reinterpret_cast<const T*>(p[0]), *pb = reinterpret_cast<const T*>(p[1]);
                    const T *pc = reinterpret_cast<const T*>(p[2]), *ps = reinterpret_cast<const T*>(p[3]);
                    T *oa = reinterpret_cast<T*>(p[4]), *ob = reinterpret_cast<T*>(p[5]);
                    for (int64_t i = 0; i < n; ++i) {
                      const C x0 = C(pa[i * st[0]]), x1 = C(pb[i * st[1]]);
                      const C cs = C(pc[i * st[2]]), sn = C(ps[i * st[3]]);
                      oa[i * st[4]] = T(x0 * cs - x1 * sn);
                      ob[i * st[5]] = T(x1 * cs + x0 * sn);
                    }
                  });
}

}  // namespace

Array rotary_embedding(const Array& x, const Array& cos, const Array& sin, bool interleaved) {
  const char* kernel = "rotary_embedding";
  if (x.ndim() == 0 || cos.ndim() == 0 || cos.shape() != sin.shape() || cos.dtype() != x.dtype() ||
      sin.dtype() != x.dtype()) {
    throw std::invalid_argument(std::string(kernel) +
                                "(): x (..., D) and cos, sin (..., h) of one shape and x's dtype");
  }
  const int64_t h = cos.shape().back(), d = x.shape().back();
  if (2 * h > d) throw std::invalid_argument(std::string(kernel) + "(): 2 * cos.shape[-1] exceeds x.shape[-1]");
  Shape pairs_shape = x.shape();
  pairs_shape.back() = h;
  if (broadcast_shape(cos.shape(), pairs_shape) != pairs_shape) {
    throw std::invalid_argument(std::string(kernel) + "(): cos and sin must broadcast to x's leading dims");
  }
  Array out(x.shape(), x.dtype());
  const int64_t last = x.ndim() - 1;
  if (2 * h < d) assign(slice(out, last, 2 * h, 1, d - 2 * h), slice(x, last, 2 * h, 1, d - 2 * h));
  if (h == 0) return out;
  auto [a, b] = pair_halves(x, h, interleaved);
  auto [out_a, out_b] = pair_halves(out, h, interleaved);
  dispatch_floating(x.dtype(), kernel, [&](auto tag) {
    rotate_pairs<decltype(tag)>(a, b, cos, sin, out_a, out_b);
  });
  return out;
}

}  // namespace mytorch
