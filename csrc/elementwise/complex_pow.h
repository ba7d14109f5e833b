// A tensor op a Python number, for the ops whose number operand has kernels of its own: complex powers
// (complex_pow.cpp), and maximum and minimum, which are clamp's bounds (clamp.cpp).
#pragma once
#include "core/array.h"
#include "elementwise/elementwise.h"

namespace mytorch {

// a op number, `number` a Python number as a 0-d array of a's dtype: binary(op, a, number), except a complex a
// to the powers PyTorch computes by products, square roots and reciprocals, and a floating a's maximum and minimum
// with the number, which are PyTorch's clamp_min and clamp_max (clamp_by_number).
Array binary_with_number(BinaryOp op, const Array& a, const Array& number);

}  // namespace mytorch
