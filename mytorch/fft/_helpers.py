"""torch.fft's helpers: the frequencies of the bins, and moving the zero frequency to the middle."""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import arange
from ..ops.joining import roll


def _frequency_dtype(dtype) -> D.dtype:
    dt = D.get_default_dtype() if dtype is None else dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("fftfreq requires a floating point or complex dtype")
    return dt


def fftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The frequency of each bin of an n-point fft with sample spacing d, in cycles per unit:
    [0, 1, ..., (n - 1)//2, -(n//2), ..., -1] / (d n)."""
    dt = _frequency_dtype(dtype)
    k = arange(n, dtype=D.int64, device=device)
    k = k - (k >= (n + 1) // 2).to(D.int64) * n
    return (k.to(dt) * (1.0 / (n * d))).requires_grad_(requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, dtype=None, layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """The frequency of each bin of an n-point rfft with sample spacing d: [0, 1, ..., n//2] / (d n)."""
    dt = _frequency_dtype(dtype)
    return (arange(n // 2 + 1, dtype=dt, device=device) * (1.0 / (n * d))).requires_grad_(requires_grad)


def _shifted(input: Tensor, dim, inverse: bool) -> Tensor:
    dims = tuple(range(input.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    shifts = [((input.shape[d] + 1) // 2 if inverse else input.shape[d] // 2) for d in dims]
    return roll(input, shifts, dims) if dims else input.clone()


def fftshift(input: Tensor, dim=None) -> Tensor:
    """Rolls each of dims (default all) by n//2: bin 0 moves to the middle (fftfreq's order becomes ascending)."""
    return _shifted(input, dim, False)


def ifftshift(input: Tensor, dim=None) -> Tensor:
    """Undoes fftshift: rolls each of dims (default all) by (n + 1)//2."""
    return _shifted(input, dim, True)


__all__ = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]
