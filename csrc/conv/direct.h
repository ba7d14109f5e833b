// Convolution forward and backward in the input and weight without im2col, for 1 and 2 spatial dims
// (direct.cpp).
#pragma once
#include <cstdint>

#include "conv/windows.h"

namespace mytorch {

// y (N, O, *out) = conv of x (N, C, *spatial) with w (O, C/groups, *kernel), as `conv` in conv.h, for
// float and double. Returns false, having written nothing, for a geometry it does not take (3 or more
// spatial dims, rows of padding as wide as the outputs, or fewer images than threads): the caller then runs
// im2col + GEMM.
template <typename T>
bool direct_forward(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups, const Shape& stride,
                    const Pads& padding, const Shape& dilation, const T* x, const T* w, T* y);

// dx (N, C, *spatial) = the adjoint in x of conv for grad (N, O, *out), as conv_backward_input in conv.h:
// per stride phase of dx, a stride-1 correlation of grad with the flipped sub-kernel of that phase. Returns
// false, having written nothing, for the geometries direct_forward does not take and for 1x1 kernels.
template <typename T>
bool direct_backward_input(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups, const Shape& stride,
                           const Pads& padding, const Shape& dilation, const T* grad, const T* w, T* dx);

// dw (O, C/groups, *kernel) = the adjoint in w of conv for x (N, C, *spatial) and grad (N, O, *out), as
// conv_backward_weight in conv.h; returns false for the geometries direct_forward does not take and for
// shallow sums (C/groups * K below 3 vectors), where the GEMM is faster.
template <typename T>
bool direct_backward_weight(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups,
                            const Shape& stride, const Pads& padding, const Shape& dilation, const T* x,
                            const T* grad, T* dw);

}  // namespace mytorch
