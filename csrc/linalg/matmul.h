// Matrix products on our GEMM (csrc/gemm).
#pragma once
#include "core/array.h"

namespace mytorch {

// NumPy's and PyTorch's matmul: (..., m, k) @ (..., k, n) -> (..., m, n) with broadcast batch dims; a
// 1-D left operand is a row vector, a 1-D right operand a column vector, and that dim is dropped from
// the result. float32/float64 run on our GEMM; half types are widened to float32 for the product and
// rounded once; integer types use a plain triple loop (rare, and exact).
Array matmul(const Array& a, const Array& b);

}  // namespace mytorch
