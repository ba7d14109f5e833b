// Matrix products on our GEMM (csrc/gemm).
#pragma once
#include "core/array.h"

namespace mytorch {

// NumPy's and PyTorch's matmul: (..., m, k) @ (..., k, n) -> (..., m, n) with broadcast batch dims; a
// 1-D left operand is a row vector, a 1-D right operand a column vector, and that dim is dropped from
// the result. float32/float64 run on our GEMM; half types are widened to float32 for the product and
// rounded once; integer types use a plain triple loop (rare, and exact).
Array matmul(const Array& a, const Array& b);

// matmul(a, b) + c for c of at most 2 dims broadcast to the product's last two (m, n), the same c for
// every matrix of a batch: nn.Linear's x W^T + bias. On float types the GEMM adds c as it writes each
// tile of the product (gemm.h's Epilogue), sparing a pass over the result; the values are those of
// matmul then add (half types: c is added to the float32 product, which is rounded once).
Array matmul_add(const Array& a, const Array& b, const Array& c);

}  // namespace mytorch
