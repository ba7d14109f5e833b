// Elementwise kernels: f(a), f(a, b) with broadcasting, casts and copies, where.
#pragma once
#include "core/array.h"

namespace mytorch {

#define MYTORCH_UNARY_OPS(X)                                                                           \
  X(neg) X(abs) X(sign) X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p) X(sqrt) X(rsqrt)     \
  X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(asinh) X(acosh) X(atanh)     \
  X(sigmoid) X(erf) X(floor) X(ceil) X(round) X(trunc) X(reciprocal)                                  \
  X(isnan) X(isinf) X(isfinite) X(logical_not) X(bitwise_not) X(signbit)

#define MYTORCH_BINARY_OPS(X)                                                                          \
  X(add) X(sub) X(mul) X(div) X(floor_divide) X(remainder) X(fmod) X(pow) X(atan2) X(maximum)          \
  X(minimum) X(eq) X(ne) X(lt) X(le) X(gt) X(ge) X(logical_and) X(logical_or) X(logical_xor)          \
  X(bitwise_and) X(bitwise_or) X(bitwise_xor)

#define MYTORCH_ENUM_ENTRY(name) name,
enum class UnaryOp { MYTORCH_UNARY_OPS(MYTORCH_ENUM_ENTRY) };
enum class BinaryOp { MYTORCH_BINARY_OPS(MYTORCH_ENUM_ENTRY) };
#undef MYTORCH_ENUM_ENTRY

// out = f(a), a new contiguous array (bool for the predicates isnan ... signbit and logical_not).
Array unary(UnaryOp op, const Array& a);
// out = f(a, b) over the broadcast shape of a and b, which have one dtype (bool out for comparisons
// and logical ops). Integer division or remainder by zero throws, as PyTorch does.
Array binary(BinaryOp op, const Array& a, const Array& b);
// The same into `out`, which has the broadcast shape and the result dtype. out may be a itself (or b):
// each element is read before its own result is written, so `binary_into(add, g, g, h)` is g += h.
// It must not overlap a or b in any other way.
void binary_into(BinaryOp op, const Array& out, const Array& a, const Array& b);
// dst[...] = src broadcast to dst's shape, converted to dst's dtype (dst may be any strided view, but
// not an expanded one: std::invalid_argument when two of its elements share an address).
void assign(const Array& dst, const Array& src);
// a converted to dtype dt (a itself when it already has dt).
Array cast(const Array& a, DType dt);
// A new contiguous array with a's values.
Array contiguous_copy(const Array& a);
// out = cond ? a : b over the broadcast shape; a and b have one dtype.
Array where(const Array& cond, const Array& a, const Array& b);

// The shape a and b broadcast to (NumPy's rule); throws std::invalid_argument naming both otherwise.
Shape broadcast_shape(const Shape& a, const Shape& b);

}  // namespace mytorch
