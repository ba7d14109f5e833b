// The discrete Fourier transform of complex rows: the kernel behind torch.fft and torch.stft.
//
//     X_k = scale * sum_j x_j e^(-+2 pi i jk / n)      (minus: forward; plus: the inverse direction)
//
// plan.h holds the algorithms (mixed-radix Stockham for lengths whose prime factors are small,
// Bluestein's chirp-z on a power-of-two Stockham for every other length); fft.cpp walks the rows.
#pragma once
#include <cstdint>

#include "core/array.h"

namespace mytorch {

// scale * DFT along `axis` of complex64 / complex128 `a`, or of float32 / float64 `a` read as complex (any
// strides): a new contiguous complex array of a's shape and precision. The contract's `fft` primitive.
Array fft(const Array& a, int64_t axis, bool inverse, double scale);

}  // namespace mytorch
