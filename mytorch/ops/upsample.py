"""Resampling (``interpolate``): nearest, nearest-exact, (bi/tri)linear, bicubic and area modes.

Every mode but 'area' is separable: each spatial dim of input size n resized to m is resampled in turn,
output position j reading a few input positions (taps) src_k(j) with weights w_k(j):
    y[..., j, ...] = sum_k w_k(j) x[..., src_k(j), ...]
(index_select per tap, so dx adds w_k dy back at the positions read). The last dim goes first, so a
bilinear output is h0 (w0 x00 + w1 x01) + h1 (w0 x10 + w1 x11), PyTorch's order of operations.

The scale of a dim is (n - 1) / (m - 1) with align_corners (0 when m == 1), else 1 / scale_factor when a
scale factor is given (and not recomputed), else n / m. Nearest modes (one tap, weight 1):
    nearest:        src(j) = min(floor(j * scale), n - 1)
    nearest-exact:  src(j) = min(floor((j + 0.5) * scale), n - 1)
PyTorch computes scale and j * scale in float32, so the indices here are computed the same way: at a boundary a
float64 product could pick the neighbour. PyTorch's 2-D 'nearest' kernel (only that one) also takes
src(j) = j when m == n and j // 2 when m == 2n, whatever the scale factor; so does this one.
Linear modes: the source coordinate is s = j * scale (align_corners) or s = (j + 0.5) scale - 0.5, the latter
clamped at 0 for linear taps; i = floor(s), with taps i and min(i + 1, n - 1):
    w_1 = clamp(s - i, 0, 1),  w_0 = 1 - w_1.
Bicubic (Keys' cubic convolution with A = -0.75, s unclamped, t = s - floor(s), taps floor(s) - 1 .. + 2 each
clamped into [0, n - 1], so the border value repeats):
    w = (K(t + 1), K(t), K(1 - t), K(2 - t)),  K(x) = (A + 2)|x|^3 - (A + 3)|x|^2 + 1 for |x| <= 1,
                                               K(x) = A|x|^3 - 5A|x|^2 + 8A|x| - 4A for 1 < |x| < 2.
These coordinates and weights are computed in float32 (float64 for float64 input), as PyTorch's kernels do.
'area' is adaptive average pooling to the output size.
"""
from __future__ import annotations

import math
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .conv import check_tensor
from .creation import arange, tensor
from .gather_scatter import index_select
from ._opmath import opmath
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_ALL_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"
_INTERPOLATING = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}  # mode: the input's ndim
_AREA = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}
_CUBIC_A = -0.75

Taps = list[tuple[Tensor, Tensor | None]]  # (source positions (m,) int64, weights (m,) or None for 1)


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


def _source_coordinate(n: int, m: int, scale_factor: float | None, align_corners: bool, cubic: bool,
                       dt: D.dtype) -> Tensor:
    """s(j) for j < m in dtype dt (the module docstring's linear/cubic source coordinate)."""
    if align_corners:
        scale = tensor(float(n - 1), dtype=dt) / (m - 1) if m > 1 else tensor(0.0, dtype=dt)
        return arange(m, dtype=dt) * scale
    scale = tensor(1.0 / scale_factor, dtype=dt) if scale_factor else tensor(float(n), dtype=dt) / m
    s = (arange(m, dtype=dt) + 0.5) * scale - 0.5
    return s if cubic else s.clamp(min=0)


def _linear_taps(n: int, m: int, scale_factor: float | None, align_corners: bool, dt: D.dtype) -> Taps:
    s = _source_coordinate(n, m, scale_factor, align_corners, False, dt)
    i0 = s.floor().long().clamp(max=n - 1)
    w1 = (s - i0.to(dt)).clamp(0, 1)
    return [(i0, 1 - w1), (i0 + (i0 < n - 1).long(), w1)]


def _cubic_taps(n: int, m: int, scale_factor: float | None, align_corners: bool, dt: D.dtype) -> Taps:
    s = _source_coordinate(n, m, scale_factor, align_corners, True, dt)
    i = s.floor()
    t = s - i
    near = lambda x: ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1  # noqa: E731  K on |x| <= 1
    far = lambda x: ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A  # noqa: E731  1 < |x| < 2
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [((i.long() + k - 1).clamp(0, n - 1), w) for k, w in enumerate(weights)]


def _resample(y: Tensor, dim: int, taps: Taps) -> Tensor:
    """sum_k w_k(j) y[..., src_k(j), ...] along dim (weights broadcast along that dim)."""
    shape = [1] * y.ndim
    shape[dim] = -1
    out = None
    for index, weight in taps:
        term = index_select(y, dim, index)
        if weight is not None:
            term = term * weight.to(y.dtype).reshape(shape)
        out = term if out is None else out + term
    return out


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


def _check_mode(input: Tensor, mode: str, antialias: bool) -> None:
    """PyTorch's errors for a mode or antialias that does not fit the input."""
    if antialias:
        if mode not in ("bilinear", "bicubic") or input.ndim != 4:
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
                             "a 4-D tensor as input")
        raise NotImplementedError(f"interpolate(): antialias=True (mode '{mode}') is not supported by mytorch yet; "
                                  f"use antialias=False")
    want = _INTERPOLATING.get(mode)
    if want is not None and input.ndim in (3, 4, 5) and input.ndim != want and mode != "bicubic":
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {want}D input")
    if input.ndim not in (3, 4, 5) or (mode == "bicubic" and input.ndim != 4) or \
            mode not in ("nearest", "nearest-exact", "area", *_INTERPOLATING):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
                                  f"for the modes: {_ALL_MODES} (got {mode})")


@opmath
def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial dims of input (N, C, *spatial), 1 to 3 of them, to `size` or by `scale_factor`
    (output size floor(n * scale_factor)), by the mode's taps and weights (module docstring)."""
    check_tensor(input, "interpolate")
    if mode not in _INTERPOLATING and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    nd = input.ndim - 2
    if mode == "area" and size is None:  # PyTorch's area mode always pools to the recomputed size
        recompute_scale_factor = True
    sizes, scales = _sizes(input, nd, size, scale_factor, recompute_scale_factor)
    _check_mode(input, mode, antialias)
    spatial = input.shape[2:]
    if any(n <= 0 for n in spatial) or any(m <= 0 for m in sizes):
        raise RuntimeError(f"interpolate(): Input and output sizes should be greater than 0, but got input "
                           f"{list(spatial)} output {list(sizes)}")
    if mode == "area":
        return _AREA[input.ndim](input, sizes)
    dt = D.float64 if input.dtype is D.float64 else D.float32  # PyTorch's opmath type for the weights
    y = input
    for d in reversed(range(nd)):
        n, m, s = spatial[d], sizes[d], scales[d]
        if mode == "bicubic":
            y = _resample(y, 2 + d, _cubic_taps(n, m, s, bool(align_corners), dt))
        elif mode in _INTERPOLATING:
            y = _resample(y, 2 + d, _linear_taps(n, m, s, bool(align_corners), dt))
        elif m != n or mode != "nearest" or nd != 2:
            y = index_select(y, 2 + d, _source_index(n, m, s, mode, nd))
    return y if y is not input else y.clone()


__all__: list[str] = []
METHODS: dict = {}
