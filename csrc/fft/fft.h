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

// scale * DFT along `axis` of a complex array stored as (re, im) pairs: `pairs` is float32 or float64
// with a last dim of size 2 (the layout of view_as_real), `axis` one of the other dims. Any strides;
// returns a new contiguous array of the same shape and dtype.
Array fft_pairs(const Array& pairs, int64_t axis, bool inverse, double scale);

}  // namespace mytorch
