"""Max unpooling: the partial inverse of max pooling, putting each pooled value back where it was read from.

For input x (N, C, *in) and indices (same shape) from `max_pool*d(..., return_indices=True)`, each
indices[n, c, o] is a flat position in the output's spatial dims (row-major over *out):

    y[n, c, p] = x[n, c, o]   where indices[n, c, o] = p,   0 elsewhere
    dL/dx[n, c, o] = dL/dy[n, c, indices[n, c, o]]          (a gather: every o reads its own position)

It is a scatter of x into zeros along the flattened spatial dim, so the derivative is scatter's. The
default output size per dim is (in - 1) * stride - 2 * padding + kernel, the size max pooling read;
`output_size` picks another one strictly within stride of it (pooling with floor rounding may have
dropped up to stride - 1 trailing positions).
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from .conv import expand_param
from .gather_scatter import scatter


def _unpool_output_size(x: Tensor, kernel: tuple, stride: tuple, padding: tuple,
                        output_size: Sequence[int] | None) -> list[int]:
    """The output's spatial sizes: the default (in - 1) * s - 2 p + k, or `output_size` (its last nd entries
    may follow N and C), which must lie strictly within stride of the default."""
    nd = len(kernel)
    default = [(x.shape[x.ndim - nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(nd)]
    if output_size is None:
        return default
    size = list(output_size)
    if len(size) == nd + 2:
        size = size[2:]
    if len(size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a "
                         f"length of '{len(size)}'")
    for d in range(nd):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < size[d] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {low} and {high})')
    return size


def _max_unpool(nd: int, name: str, input: Tensor, indices: Tensor, out: list[int]) -> Tensor:
    """Scatter input (N, C, *in) or (C, *in) into zeros of spatial size `out` at the flat `indices`."""
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Input to {name} should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    if indices.dtype is not D.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype.scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    volume = 1
    for n in out:
        volume *= n
    lead = tuple(input.shape[:input.ndim - nd])
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= volume):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, out))})")
    flat = input.reshape(lead + (-1,))
    y = scatter(input.new_zeros(lead + (volume,)), flat.ndim - 1, indices.reshape(lead + (-1,)), flat)
    return y.reshape(lead + tuple(out))


def _geometry(nd: int, name: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
              output_size: Any) -> list[int]:
    kernel = expand_param(kernel_size, nd)
    stride = kernel if stride is None else expand_param(stride, nd)
    padding = expand_param(padding, nd)
    for what, value in (("kernel_size", kernel), ("stride", stride), ("padding", padding)):
        if value is None:
            raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of {nd} ints")
    if input.ndim < nd:
        raise RuntimeError(f"Input to {name} should be a {nd + 1}d or {nd + 2}d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    if isinstance(output_size, int):
        output_size = (output_size,)
    return _unpool_output_size(input, kernel, stride, padding, output_size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool1d: y (N, C, L_out) or (C, L_out) is zero except
    y[n, c, indices[n, c, l]] = input[n, c, l];  dL/dinput = dL/dy gathered at indices."""
    out = _geometry(1, "max_unpooling1d", input, kernel_size, stride, padding, output_size)
    return _max_unpool(1, "max_unpooling1d", input, indices, out)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool2d: y (N, C, H_out, W_out) is zero except at each flat position
    indices[n, c, h, w] = h' * W_out + w', which holds input[n, c, h, w];  dL/dinput = dL/dy gathered there."""
    out = _geometry(2, "max_unpooling2d", input, kernel_size, stride, padding, output_size)
    return _max_unpool(2, "max_unpooling2d", input, indices, out)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 output_size: Sequence[int] | None = None) -> Tensor:
    """The partial inverse of max_pool3d: y (N, C, D_out, H_out, W_out) is zero except at each flat position
    indices[n, c, d, h, w] = (d' * H_out + h') * W_out + w', which holds input[n, c, d, h, w];
    dL/dinput = dL/dy gathered there."""
    out = _geometry(3, "max_unpooling3d", input, kernel_size, stride, padding, output_size)
    return _max_unpool(3, "max_unpooling3d", input, indices, out)

