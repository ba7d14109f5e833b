// maximum and minimum of a floating tensor and a Python number: PyTorch's clamp_min and clamp_max.
#pragma once
#include "core/array.h"
#include "elementwise/elementwise.h"

namespace mytorch {

// out = clamp_min(a, bound) for BinaryOp::maximum, clamp_max(a, bound) for BinaryOp::minimum; `bound` a
// 0-d array of a's (floating) dtype.
Array clamp_by_number(BinaryOp op, const Array& a, const Array& bound);

}  // namespace mytorch
