"""Spatial transformers (Jaderberg et al. 2015): `affine_grid` makes sampling locations from an affine
matrix, `grid_sample` reads an image at arbitrary locations.

Locations are normalised to [-1, 1] per axis (x is the last spatial axis, then y, then z). A location
becomes a pixel coordinate by "unnormalising"

    align_corners=True:   i = (x + 1) / 2 * (size - 1)      -1 and 1 are the centres of the corner pixels
    align_corners=False:  i = ((x + 1) * size - 1) / 2      -1 and 1 are the outer edges of the image

then `padding_mode` says what lies outside: "zeros" reads 0 there, "border" clamps the coordinate into
[0, size - 1], "reflection" mirrors it at the image's edges (at the corner centres or at the outer edges,
following align_corners) before clamping.

Bilinear (trilinear for volumes) sampling weighs the 2^d surrounding pixels by the products of
(1 - |i - corner|) along each axis; nearest reads the pixel at round-half-to-even(i); bicubic (images only)
weighs a 4x4 neighbourhood with the cubic convolution kernel of Keys (1981), A = -0.75, applying the
padding to each tap's integer coordinate.

Everything is composed of differentiable ops: pixels are read with `gather` on the flattened image, so
d out / d input scatters the upstream gradient back to the pixels read, and d out / d grid flows through
the interpolation weights (zero for nearest, as in PyTorch).
"""
from __future__ import annotations

import itertools
import warnings
from typing import Sequence

from .._tensor import Tensor
from ..autograd.function import Function
from ._opmath import opmath
from .binary import where
from .creation import linspace, ones, zeros
from .joining import stack

_MODES = ("bilinear", "nearest", "bicubic")
_PADDINGS = ("zeros", "border", "reflection")
_CUBIC_A = -0.75


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """Sampling locations of an affine map: for an image size (N, C, H, W) and theta (N, 2, 3),
    grid[n, h, w] = theta[n] @ (x_w, y_h, 1) with x_w, y_h the normalised centres of the output pixels
    (see the module docstring); volumes take (N, C, D, H, W) and theta (N, 3, 4). d grid / d theta is the
    base grid, so the gradient reaches theta by the matmul's backward."""
    align_corners = _align_corners(align_corners)
    size = tuple(int(s) for s in size)
    d = len(size) - 2
    if d not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {list(size)}.")
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (d, d + 1):
        raise ValueError(f"Expected a batch of {d}D affine matrices of shape Nx{d}x{d + 1} for size {list(size)}. "
                         f"Got {list(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"affine_grid: sizes must be positive, got {list(size)}")
    spatial = size[2:]
    axes = [_base_coordinates(s, align_corners, theta) for s in reversed(spatial)]  # x, y, (z)
    mesh = []
    for k, axis in enumerate(axes):  # axis k varies along spatial dim d - 1 - k
        shape = [1] * d
        shape[d - 1 - k] = axis.shape[0]
        mesh.append(axis.reshape(shape).expand(*spatial))
    mesh.append(ones(*spatial, dtype=theta.dtype))
    base = stack(mesh, dim=-1).reshape(1, -1, d + 1)  # (1, prod(spatial), d + 1)
    grid = base.matmul(theta.transpose(1, 2))  # (N, prod(spatial), d)
    return grid.reshape(size[0], *spatial, d)


def _base_coordinates(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    if steps == 1:
        return linspace(0.0, 0.0, 1, dtype=like.dtype)
    axis = linspace(-1.0, 1.0, steps, dtype=like.dtype)
    return axis if align_corners else axis * ((steps - 1) / steps)


@opmath
def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """out[n, c, *p] = input[n, c] read at grid[n, *p] (normalised locations, see the module docstring):
    input (N, C, H, W) with grid (N, H_out, W_out, 2) gives (N, C, H_out, W_out); volumes take
    (N, C, D, H, W) with grid (N, D_out, H_out, W_out, 3)."""
    _check(input, grid, mode, padding_mode)
    align_corners = _align_corners(align_corners)
    n, c, *sizes = input.shape
    d = len(sizes)
    out_spatial = tuple(grid.shape[1:-1])
    flat = input.reshape(n, c, -1)
    # per spatial dim (in input order: z, y, x), the pixel coordinate of every output location, (N, P_out)
    coords = [_unnormalize(grid[..., d - 1 - k].reshape(n, -1), sizes[k], align_corners) for k in range(d)]
    if mode == "bicubic":
        out = _bicubic(flat, coords, sizes, padding_mode, align_corners)
    else:
        coords = [_pad_coordinate(i, s, padding_mode, align_corners) for i, s in zip(coords, sizes)]
        if mode == "nearest":
            out = _GridUntouched.apply(_nearest(flat, coords, sizes), grid)
        else:
            out = _linear(flat, coords, sizes)
    return out.reshape(n, c, *out_spatial)


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """ATen's entry point under `grid_sample`: the same sampling, with the modes as their enum codes
    (interpolation 0 bilinear, 1 nearest, 2 bicubic; padding 0 zeros, 1 border, 2 reflection)."""
    if interpolation_mode not in range(len(_MODES)) or padding_mode not in range(len(_PADDINGS)):
        raise RuntimeError(f"grid_sampler(): expected interpolation_mode in 0..{len(_MODES) - 1} and padding_mode in "
                           f"0..{len(_PADDINGS) - 1}, but got {interpolation_mode} and {padding_mode}")
    return grid_sample(input, grid, _MODES[interpolation_mode], _PADDINGS[padding_mode], bool(align_corners))


def _grid_sampler_of_rank(rank: int):
    def sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                align_corners: bool) -> Tensor:
        if input.ndim != rank or grid.ndim != rank:
            raise RuntimeError(f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, but "
                               f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
        return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)

    sampler.__name__ = sampler.__qualname__ = f"grid_sampler_{rank - 2}d"
    sampler.__doc__ = f"`grid_sampler` for {rank}-D inputs and grids only ({'images' if rank == 4 else 'volumes'})."
    return sampler


grid_sampler_2d, grid_sampler_3d = _grid_sampler_of_rank(4), _grid_sampler_of_rank(5)


def affine_grid_generator(theta: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """ATen's entry point under `affine_grid` (align_corners required, so no warning)."""
    return affine_grid(theta, size, bool(align_corners))


def _align_corners(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", UserWarning, stacklevel=3)
    return bool(align_corners)


def _check(input: Tensor, grid: Tensor, mode: str, padding_mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    d = input.ndim - 2
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if mode == "bicubic" and d != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    if any(s == 0 for s in input.shape[2:]):
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                           f"sizes {list(input.shape)} with dimension {list(input.shape[2:]).index(0) + 2} being "
                           "empty")


def _unnormalize(x: Tensor, size: int, align_corners: bool) -> Tensor:
    return (x + 1) * ((size - 1) / 2) if align_corners else ((x + 1) * size - 1) / 2


def _pad_coordinate(i: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """The coordinate `padding_mode` reads for coordinate i: unchanged for zeros, clamped for border,
    mirrored then clamped for reflection."""
    if padding_mode == "zeros":
        return i
    if padding_mode == "reflection":
        i = _reflect(i, 0.0, 2.0 * (size - 1)) if align_corners else _reflect(i, -1.0, 2.0 * size - 1)
    return i.clamp(0, size - 1)


def _reflect(i: Tensor, twice_low: float, twice_high: float) -> Tensor:
    """Mirror i into [low, high] (given doubled, so half-pixel bounds stay exact): fold |i - low| by the
    span, flipping direction on every odd fold."""
    if twice_low == twice_high:
        return i * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (i - low).abs()
    extra = distance.fmod(span)
    flips = (distance / span).floor().detach()
    return where(flips.fmod(2) == 0, extra + low, span - extra + low)


def _read(flat: Tensor, index: Sequence[Tensor], sizes: Sequence[int]) -> Tensor:
    """flat (N, C, prod(sizes)) at integer coordinates `index` (each (N, P), in input order), or 0 where a
    coordinate is outside the image."""
    inside, linear = None, None
    for i, s in zip(index, sizes):
        ok = (i >= 0) & (i <= s - 1)
        inside = ok if inside is None else inside & ok
        i = i.clamp(0, s - 1).long()
        linear = i if linear is None else linear * s + i
    n, c, _ = flat.shape
    values = flat.gather(2, linear.unsqueeze(1).expand(n, c, linear.shape[1]))
    return values * inside.unsqueeze(1).to(flat.dtype)


def _linear(flat: Tensor, coords: Sequence[Tensor], sizes: Sequence[int]) -> Tensor:
    """Bilinear / trilinear: each of the 2^d corners weighted by prod_k (1 - |i_k - corner_k|)."""
    lows = [i.floor().detach() for i in coords]
    fractions = [i - low for i, low in zip(coords, lows)]
    out = None
    for corner in itertools.product((0, 1), repeat=len(coords)):
        weight = None
        for f, up in zip(fractions, corner):
            w = f if up else 1 - f
            weight = w if weight is None else weight * w
        term = _read(flat, [low + up for low, up in zip(lows, corner)], sizes) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


class _GridUntouched(Function):
    """out = values; d out / d values = 1, d out / d grid = 0. Nearest sampling is piecewise constant in
    the locations: PyTorch gives the grid a gradient of zeros there, not none."""

    @staticmethod
    def forward(ctx, values, grid):
        ctx.grid_shape, ctx.grid_dtype = grid.shape, grid.dtype
        return Tensor._make(values._data, values._backend)

    @staticmethod
    def backward(ctx, g):
        return g, zeros(ctx.grid_shape, dtype=ctx.grid_dtype, device=g.device)


def _nearest(flat: Tensor, coords: Sequence[Tensor], sizes: Sequence[int]) -> Tensor:
    return _read(flat, [i.detach().round() for i in coords], sizes)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """Keys' cubic convolution weights of the taps at offsets -1, 0, 1, 2 from floor(i), t = i - floor(i):
    W(x) = (A+2)|x|^3 - (A+3)|x|^2 + 1 for |x| <= 1, A|x|^3 - 5A|x|^2 + 8A|x| - 4A for 1 < |x| < 2."""
    a = _CUBIC_A

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(flat: Tensor, coords: Sequence[Tensor], sizes: Sequence[int], padding_mode: str,
             align_corners: bool) -> Tensor:
    (iy, ix), (h, w) = coords, sizes
    y0, x0 = iy.floor().detach(), ix.floor().detach()
    wy, wx = _cubic_weights(iy - y0), _cubic_weights(ix - x0)
    out = None
    for j, i in itertools.product(range(4), range(4)):
        ty = _pad_coordinate(y0 + (j - 1), h, padding_mode, align_corners)
        tx = _pad_coordinate(x0 + (i - 1), w, padding_mode, align_corners)
        term = _read(flat, [ty, tx], sizes) * (wy[j] * wx[i]).unsqueeze(1)
        out = term if out is None else out + term
    return out


__all__ = ["affine_grid", "affine_grid_generator", "grid_sample", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d"]
