// Convolution and sliding windows (the contract of mytorch/backends/base.py: conv, conv_backward_input,
// conv_backward_weight, im2col, col2im, max_pool and its backward), for any number of spatial dims.
//
// Geometry, per spatial dim: output position o reads input position o * s + i * d - p for kernel
// offset i (stride s, dilation d, padding p before the first element); positions outside the input
// are padding. Convolutions are im2col + our GEMM, one image at a time, so the columns of one image
// (C * K rows of L outputs) stay in cache and the images run in parallel.
#pragma once
#include <utility>
#include <vector>

#include "core/array.h"

namespace mytorch {

using Pads = std::vector<std::pair<int64_t, int64_t>>;  // (before, after) per spatial dim

// y (N, O, *out) = cross-correlation of x (N, C, *spatial) with w (O, C/groups, *kernel), zero padding.
Array conv(const Array& x, const Array& w, const Shape& stride, const Pads& padding, const Shape& dilation,
           int64_t groups);
// dx (N, C, *spatial): the adjoint of conv in x, for g (N, O, *out).
Array conv_backward_input(const Array& g, const Array& w, const Shape& spatial, const Shape& stride,
                          const Pads& padding, const Shape& dilation, int64_t groups);
// dw (O, C/groups, *kernel): the adjoint of conv in w, for x (N, C, *spatial) and g (N, O, *out).
Array conv_backward_weight(const Array& x, const Array& g, const Shape& kernel, const Shape& stride,
                           const Pads& padding, const Shape& dilation, int64_t groups);
// cols (N, C, *kernel, *out): cols[n, c, *i, *o] = x[n, c, *(o * s + i * d - p)], `value` on padding.
Array im2col(const Array& x, const Shape& kernel, const Shape& stride, const Pads& padding, const Shape& dilation,
             double value);
// x (N, C, *spatial): x[n, c, *(o * s + i * d - p)] += cols[n, c, *i, *o], padding dropped.
Array col2im(const Array& cols, const Shape& spatial, const Shape& stride, const Pads& padding,
             const Shape& dilation);
// (y, index) of max pooling x (N, C, *spatial) over the windows of im2col: y[n, c, o] the window's maximum
// (the first on ties, NaN wins), index[n, c, o] its flat position within the (n, c) plane.
std::pair<Array, Array> max_pool(const Array& x, const Shape& kernel, const Shape& stride, const Pads& padding,
                                 const Shape& dilation);
// dx (N, C, *spatial): dx[n, c, index[n, c, o]] += g[n, c, o].
Array max_pool_backward(const Array& g, const Array& index, const Shape& spatial, const Shape& kernel,
                        const Shape& stride, const Pads& padding, const Shape& dilation);

}  // namespace mytorch
