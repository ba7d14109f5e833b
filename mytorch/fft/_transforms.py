"""torch.fft's transforms, each a composition of the three kernels of ops/fft.py, with PyTorch's argument rules.

For a transform over dims with signal sizes n_d (N = their product), ``norm`` scales the forward direction
(e^(-2 pi i jk/n)) and the inverse one (e^(+2 pi i jk/n)) as:

    norm          forward   inverse
    "backward"    1         1/N        (the default)
    "ortho"       1/sqrt N  1/sqrt N
    "forward"     1/N       1

``n`` / ``s`` trims the input along each transformed dim, or pads it with zeros, to the signal size first
(for the real-output transforms, to the n//2 + 1 bins that make a signal of size n). Real inputs become
complex where the transform needs it (integers and bool through the default floating dtype). The
gradients are those of the kernels (ops/fft.py).

    fft / ifft / fftn / ifftn     complex to complex (a real input of fft / ifft: r2c with both halves)
    rfft / rfftn                  real to its half spectrum (bins 0 .. n//2 of the last dim)
    irfft / irfftn                half spectrum to a real signal of size n (default 2 (bins - 1))
    hfft / hfftn                  a Hermitian signal's half to its real spectrum: irfft of conj(x), forward norm
    ihfft / ihfftn                its inverse: conj(rfft(x)) with the inverse norm
"""
from __future__ import annotations

import math
from typing import Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.fft import FftC2C, FftC2R, FftR2C, pad_end, reject_half

_NORMS = ("backward", "ortho", "forward")


def _scale(norm: str | None, sizes: Sequence[int], forward: bool) -> float:
    """The factor `norm` puts on a transform of signal sizes `sizes` in the given direction (table above)."""
    if norm is None:
        norm = "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    count = math.prod(sizes)
    if norm == "ortho":
        return 1 / math.sqrt(count)
    return 1 / count if (norm == "forward") == forward else 1.0


def _promote(x: Tensor, require_complex: bool = False) -> Tensor:
    """x as a floating (or, when asked, complex) tensor, as PyTorch's FFTs take it on the CPU."""
    dt = x.dtype
    if dt is D.complex32:
        reject_half(dt)
    if dt in (D.float16, D.bfloat16):
        raise RuntimeError(f"Unsupported dtype {dt.scalar_name}")
    if not dt.is_floating_point and not dt.is_complex:
        x = x.to(D.get_default_dtype())
    return x.to(x.dtype.to_complex()) if require_complex else x


def _real_input(x: Tensor, op: str) -> Tensor:
    if x.dtype.is_complex:
        raise RuntimeError(f"{op} expects a real input tensor, but got {x.dtype.scalar_name}")
    return _promote(x)


def _check_size(n: int) -> int:
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _wrap(x: Tensor, dim: int) -> int:
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return x._wrap_dim(dim, "fft")


def _resize(x: Tensor, dims: Sequence[int], sizes: Sequence[int]) -> Tensor:
    """x trimmed, or zero-padded at the end, to sizes[i] along dims[i]."""
    for d, n in zip(dims, sizes):
        have = x.shape[d]
        if n < have:
            x = x.narrow(d, 0, n)
        elif n > have:
            x = pad_end(x, d, n - have)
    return x


def _dims_and_sizes(x: Tensor, s, dim) -> tuple[tuple[int, ...], list[int]]:
    """PyTorch's rules for (s, dim) of the n-dimensional transforms: dim defaults to the last len(s) dims, or
    every dim without s; s defaults to the input's sizes, and -1 in s keeps one."""
    if dim is not None:
        dims = tuple(_wrap(x, d) for d in ((dim,) if isinstance(dim, int) else dim))
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is not None:
        s = tuple(s)
        if dim is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if len(s) > x.ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {x.ndim} dimensions.")
        if dim is None:
            dims = tuple(range(x.ndim - len(s), x.ndim))
        sizes = [x.shape[d] if n == -1 else _check_size(n) for d, n in zip(dims, s)]
    else:
        if dim is None:
            dims = tuple(range(x.ndim))
        sizes = [_check_size(x.shape[d]) for d in dims]
    return dims, sizes


def _c2r_sizes(x: Tensor, s, dim, op: str) -> tuple[tuple[int, ...], list[int], int]:
    """(dims, input sizes, n) for the real-output n-dimensional transforms: the last dim's signal size n
    (s[-1], or 2 (bins - 1)) and its n//2 + 1 input bins."""
    dims, sizes = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError(f"{op} must transform at least one axis")
    n = sizes[-1] if s is not None and tuple(s)[-1] != -1 else 2 * (x.shape[dims[-1]] - 1)
    sizes[-1] = _check_size(n) // 2 + 1
    return dims, sizes, n


# ---- one dimension ---------------------------------------------------------------------------------

def _c2c_1d(input: Tensor, n, dim: int, norm, forward: bool) -> Tensor:
    d = _wrap(input, dim)
    n = _check_size(input.shape[d] if n is None else n)
    x = _resize(_promote(input), (d,), (n,))
    if not x.dtype.is_complex:   # r2c with both halves: a real gradient, as PyTorch's
        y = FftR2C.apply(x, (d,), _scale(norm, (n,), forward), False)
        return y if forward else y.conj()
    return FftC2C.apply(x, (d,), _scale(norm, (n,), forward), forward)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """X_k = sum_j x_j e^(-2 pi i jk / n) along dim (times the norm's factor); a real input gives the full
    (Hermitian) spectrum. dX: the inverse-direction transform of the gradient (ops/fft.py)."""
    return _c2c_1d(input, n, dim, norm, True)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """x_j = (1/n) sum_k X_k e^(+2 pi i jk / n) along dim (norm "backward"); the adjoint of fft up to scale."""
    return _c2c_1d(input, n, dim, norm, False)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The bins k = 0 .. n//2 of fft of a real input (the rest are their conjugates)."""
    x = _real_input(input, "rfft")
    d = _wrap(x, dim)
    n = _check_size(x.shape[d] if n is None else n)
    return FftR2C.apply(_resize(x, (d,), (n,)), (d,), _scale(norm, (n,), True), True)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The real signal of size n (default 2 (bins - 1)) whose rfft is input: ifft of input completed by
    X_(n-k) = conj(X_k), real part (the imaginary parts of bin 0 and of bin n/2 do not count)."""
    x = _promote(input, require_complex=True)
    d = _wrap(x, dim)
    n = _check_size(2 * (x.shape[d] - 1) if n is None else n)
    return FftC2R.apply(_resize(x, (d,), (n // 2 + 1,)), (d,), _scale(norm, (n,), False), n)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The real spectrum of the Hermitian signal whose first half is input: irfft of conj(input) scaled
    as a forward transform, sum_j x_j e^(-2 pi i jk / n) over the completed signal."""
    x = _promote(input, require_complex=True)
    d = _wrap(x, dim)
    n = _check_size(2 * (x.shape[d] - 1) if n is None else n)
    return FftC2R.apply(_resize(x, (d,), (n // 2 + 1,)).conj(), (d,), _scale(norm, (n,), True), n)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None) -> Tensor:
    """The inverse of hfft: conj(rfft(input)) scaled as an inverse transform (bins 0 .. n//2)."""
    x = _real_input(input, "ihfft")
    d = _wrap(x, dim)
    n = _check_size(x.shape[d] if n is None else n)
    return FftR2C.apply(_resize(x, (d,), (n,)), (d,), _scale(norm, (n,), False), True).conj()


# ---- several dimensions ----------------------------------------------------------------------------

def _c2c_nd(input: Tensor, s, dim, norm, forward: bool) -> Tensor:
    x = _promote(input, require_complex=True)
    dims, sizes = _dims_and_sizes(x, s, dim)
    x = _resize(x, dims, sizes)
    return FftC2C.apply(x, dims, _scale(norm, sizes, forward), forward) if dims else x


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
         norm: str | None = None) -> Tensor:
    """fft along each of dims (default: the last len(s) dims, or all): sum_j x_j e^(-2 pi i sum_d j_d k_d / n_d)."""
    return _c2c_nd(input, s, dim, norm, True)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """ifft along each of dims (fftn's defaults)."""
    return _c2c_nd(input, s, dim, norm, False)


def fft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
         norm: str | None = None) -> Tensor:
    """fftn over the last two dims."""
    return _c2c_nd(input, s, dim, norm, True)


def ifft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """ifftn over the last two dims."""
    return _c2c_nd(input, s, dim, norm, False)


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """fftn of a real input, bins 0 .. n//2 of the last transformed dim."""
    x = _real_input(input, "rfftn")
    dims, sizes = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    return FftR2C.apply(_resize(x, dims, sizes), dims, _scale(norm, sizes, True), True)


def rfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """rfftn over the last two dims."""
    return rfftn(input, s, dim, norm)


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None) -> Tensor:
    """The real signal whose rfftn is input: ifft over the other dims, then irfft over the last one."""
    x = _promote(input, require_complex=True)
    dims, sizes, n = _c2r_sizes(x, s, dim, "irfftn")
    return FftC2R.apply(_resize(x, dims, sizes), dims, _scale(norm, sizes[:-1] + [n], False), n)


def irfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Tensor:
    """irfftn over the last two dims."""
    return irfftn(input, s, dim, norm)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None) -> Tensor:
    """The real spectrum of a Hermitian signal given by its half along the last dim: fft over the other
    dims, then hfft over the last one (forward norm over all)."""
    x = _promote(input, require_complex=True)
    dims, sizes, n = _c2r_sizes(x, s, dim, "hfftn")
    x = _resize(x, dims, sizes)
    if len(dims) > 1:
        x = FftC2C.apply(x, dims[:-1], _scale(norm, sizes[:-1], True), True)
    return FftC2R.apply(x.conj(), dims[-1:], _scale(norm, (n,), True), n)


def hfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """hfftn over the last two dims."""
    return hfftn(input, s, dim, norm)


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None) -> Tensor:
    """The inverse of hfftn: ihfft over the last dim, then ifft over the others (inverse norm over all)."""
    x = _real_input(input, "ihfftn")
    dims, sizes = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize(x, dims, sizes)
    y = FftR2C.apply(x, dims[-1:], _scale(norm, sizes[-1:], False), True).conj()
    return FftC2C.apply(y, dims[:-1], _scale(norm, sizes[:-1], False), False) if len(dims) > 1 else y


def ihfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Tensor:
    """ihfftn over the last two dims."""
    return ihfftn(input, s, dim, norm)


__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "ifftn", "fft2", "ifft2", "rfftn", "rfft2",
           "irfftn", "irfft2", "hfftn", "hfft2", "ihfftn", "ihfft2"]
