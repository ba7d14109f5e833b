"""Nearest-neighbour resampling (``interpolate`` with mode 'nearest' or 'nearest-exact').

Per spatial dim of input size n resized to m, output position j reads input position

    nearest:        src(j) = min(floor(j * scale), n - 1)
    nearest-exact:  src(j) = min(floor((j + 0.5) * scale), n - 1)

with scale = 1 / scale_factor when a scale factor is given (and not recomputed), else n / m. PyTorch
computes scale and j * scale in float32, so the indices here are computed the same way: at a boundary a
float64 product could pick the neighbour. PyTorch's 2-D 'nearest' kernel (only that one) also takes
src(j) = j when m == n and j // 2 when m == 2n, whatever the scale factor; so does this one.
y = x[..., src(j), ...] along each dim (index_select), so dx adds dy back at the positions read.
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .conv import check_tensor
from .creation import arange, tensor
from .gather_scatter import index_select

_SUPPORTED = ("nearest", "nearest-exact")
_ALL_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"


def _source_index(n: int, m: int, scale_factor: float | None, mode: str, nd: int) -> Tensor:
    """The input position each of the m outputs reads (int64), in PyTorch's float32 arithmetic."""
    if mode == "nearest" and nd == 2 and m in (n, 2 * n):
        return arange(m) if m == n else arange(m) // 2
    scale = tensor(1.0 / scale_factor if scale_factor else float(n), dtype=D.float32)
    if not scale_factor:
        scale = scale / m
    if mode == "nearest":
        pos = arange(m, dtype=D.float32) * scale
    else:  # (j + 0.5) * scale in double, rounded to float, as PyTorch's floorf((j + 0.5) * scale)
        pos = ((arange(m, dtype=D.float64) + 0.5) * scale.to(D.float64)).to(D.float32)
    return pos.floor().long().clamp(max=n - 1)


def _sizes(input: Tensor, nd: int, size: Any, scale_factor: Any,
           recompute_scale_factor: bool | None) -> tuple[tuple[int, ...], tuple]:
    """(output sizes, scale factors used for the indices: None where the scale is n / m)."""
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        if len(sizes) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             f"format.")
        return tuple(int(s) for s in sizes), (None,) * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
    if len(scales) != nd:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                         f"...,sK) format.")
    sizes = tuple(math.floor(n * float(s)) for n, s in zip(spatial, scales))
    return sizes, (None,) * nd if recompute_scale_factor else tuple(float(s) for s in scales)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of input (N, C, *spatial), 1 to 3 of them, to `size` or by `scale_factor`
    (output size floor(n * scale_factor)); modes 'nearest' and 'nearest-exact' (see the module doc)."""
    check_tensor(input, "interpolate")
    if mode in _SUPPORTED and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
                                  f"for the modes: {_ALL_MODES} (got {mode})")
    if mode not in _SUPPORTED:
        raise NotImplementedError(f"interpolate(): mode '{mode}' is not implemented; mytorch supports "
                                  f"{' and '.join(_SUPPORTED)}")
    nd = input.ndim - 2
    sizes, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    spatial = input.shape[2:]
    if any(n <= 0 for n in spatial) or any(m <= 0 for m in sizes):
        raise RuntimeError(f"interpolate(): Input and output sizes should be greater than 0, but got input "
                           f"{list(spatial)} output {list(sizes)}")
    y = input
    for d, (n, m, s) in enumerate(zip(spatial, sizes, scales)):
        if m != n or mode != "nearest" or nd != 2:
            y = index_select(y, 2 + d, _source_index(n, m, s, mode, nd))
    return y if y is not input else y.clone()


__all__: list[str] = []
METHODS: dict = {}
