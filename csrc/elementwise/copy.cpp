// Copies between strided arrays, with dtype conversion: cast, assign (the write behind every in-place
// op and setitem), contiguous copies, and where.
#include <string>
#include <type_traits>

#include "core/errors.h"
#include "elementwise/elementwise.h"
#include "elementwise/loops.h"

namespace mytorch {
namespace {

// complex32 converts like the other complex types
template <typename T> constexpr bool is_complex_element_v = is_complex_v<T> || std::is_same_v<T, ComplexHalf>;

// One element converted to another dtype through the source's compute type (so half -> double goes
// via float, exactly), with C++'s conversions otherwise: to bool means "not zero", float to integer
// truncates toward zero, as PyTorch does. Complex to real keeps the real part (PyTorch warns; the ops
// layer does); real to complex has imaginary part 0.
template <typename From, typename To>
To convert(compute_t<From> x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != compute_t<From>(0);
  } else if constexpr (is_complex_element_v<From> && is_complex_element_v<To>) {
    return To(x);
  } else if constexpr (is_complex_element_v<From>) {
    return convert<typename From::value_type, To>(x.real());
  } else if constexpr (is_complex_element_v<To>) {
    using Part = typename To::value_type;
    return To(convert<From, Part>(x), Part(0));
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_same_v<From, bool>) {
    return x ? To(1) : To(0);  // a select: GCC 12 does not vectorise static_cast<float>(bool)
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace

void assign(const Array& dst, const Array& src) {
  for (int64_t d = 0; d < dst.ndim() && dst.numel() > 0; ++d) {
    if (dst.strides()[d] == 0 && dst.shape()[d] > 1) {  // several elements would share one address
      throw std::invalid_argument("assign(): the destination is an expanded view (elements share memory)");
    }
  }
  broadcast_shape(src.shape(), dst.shape());  // throws unless src broadcasts to dst
  dispatch_copy(src.dtype(), [&](auto src_tag) {
    using From = decltype(src_tag);
    dispatch_copy(dst.dtype(), [&](auto dst_tag) {
      using To = decltype(dst_tag);
      map_unary<From, To>(dst, src, [](compute_t<From> x) { return convert<From, To>(x); });
    });
  });
}

Array cast(const Array& a, DType dt) {
  if (a.dtype() == dt) return a;
  Array out(a.shape(), dt);
  assign(out, a);
  return out;
}

Array contiguous_copy(const Array& a) {
  Array out(a.shape(), a.dtype());
  assign(out, a);
  return out;
}

Array where(const Array& cond, const Array& a, const Array& b) {
  if (a.dtype() != b.dtype()) {
    throw TypeError(std::string("where(): operands must have one dtype, got ") + dtype_name(a.dtype()) + " and " +
                    dtype_name(b.dtype()));
  }
  Shape shape = broadcast_shape(broadcast_shape(cond.shape(), a.shape()), b.shape());
  Array out(shape, a.dtype());
  Array c = cast(cond, DType::Bool);
  dispatch_copy(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto layout = coalesce<4>(shape, {out.strides(), broadcast_strides(c, shape), broadcast_strides(a, shape),
                                      broadcast_strides(b, shape)});
    for_each_row<4>(layout, {out.bytes(), c.bytes(), a.bytes(), b.bytes()}, {sizeof(T), 1, sizeof(T), sizeof(T)},
                    [](const std::array<char*, 4>& p, int64_t n, const std::array<int64_t, 4>& s) {
      T* o = reinterpret_cast<T*>(p[0]);
      const load_t<bool>* m = reinterpret_cast<const load_t<bool>*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const T* y = reinterpret_cast<const T*>(p[3]);
      // the common layouts (a ReLU's backward: where(mask, g, 0)) as loops the compiler vectorises. Both
      // sides are loaded before choosing: a load under `m[i] ?` is one the compiler may not hoist, so it
      // would branch per element, and a random mask mispredicts half of those branches. `omp simd` says
      // the loop is safe to vectorise: without it GCC keeps the byte mask and the T values in scalar
      // code (measured: 11 ns an element, 40x a multiply of the same size).
      if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1) {
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) {
          const T xi = x[i], yi = y[i];
          o[i] = m[i] ? xi : yi;
        }
      } else if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 0) {
        const T other = *y;
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) {
          const T xi = x[i];
          o[i] = m[i] ? xi : other;
        }
      } else if (s[0] == 1 && s[1] == 1 && s[2] == 0 && s[3] == 1) {
        const T value = *x;
#pragma omp simd
        for (int64_t i = 0; i < n; ++i) {
          const T yi = y[i];
          o[i] = m[i] ? value : yi;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * s[0]] = m[i * s[1]] ? x[i * s[2]] : y[i * s[3]];
      }
    });
  });
  return out;
}

}  // namespace mytorch
