"""The FFT's three differentiable kernels, PyTorch's _fft_c2c, _fft_r2c and _fft_c2r, which every function
of torch.fft (mytorch/fft/) and torch.stft compose.

F is the unnormalised DFT over a set of dims D (along each, F_kj = e^(-2 pi i jk / n)), F^H its inverse
direction (e^(+2 pi i jk / n)); s is the scale the caller's norm gives. The backend's `fft` primitive runs
one dim at a time. The real-input and real-output kernels are composed here from that complex-to-complex
primitive (a real signal becomes complex, a half spectrum is completed by symmetry): one primitive for a
backend to write, at the price of transforming complex rows where a real FFT would do half the work.

    c2c:  y = s F x            (forward)   or   y = s F^H x   (inverse)
    r2c:  y = P s F x          x real; P keeps bins 0 .. n//2 of the last dim of D when ``onesided``
    c2r:  x = s Re F^H H X     H completes X (bins 0 .. n//2 of the last dim) to n bins by Hermitian
                               symmetry, X_(n-k) = conj(X_k); F^H runs on the other dims first

Derivatives, for a real loss and PyTorch's convention for complex gradients (the gradient of a C-linear
y = A x is A^H g; ops/complex.py):

    c2c:  dx = s F^H g  (or s F g): the other direction, the same scale
    r2c:  dx = Re(s F^H P^T g)      P^T zero-pads g back to n bins
    c2r:  dX = P s F g, with bins 1 .. n - (n//2 + 1) doubled: each of them also stands for its mirror
          image n - k (bin 0, and bin n/2 for even n, are their own mirrors)
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .joining import cat, pad


def _c2c(x: Tensor, dims: tuple[int, ...], scale: float, forward: bool) -> Tensor:
    """s F x (or s F^H x) over dims of x (complex, or real read as complex), without recording a graph: one
    primitive call per dim."""
    be, data = x._backend, x._data
    for i, d in enumerate(dims):
        data = be.fft(data, d, not forward, scale if i == 0 else 1.0)
    return Tensor._make(data, be)


def reject_half(dt: D.dtype) -> None:
    """PyTorch's CPU FFT (MKL's) has no half-precision transform: its RuntimeError for float16, bfloat16 and
    complex32 (whose parts are Half)."""
    if dt in (D.float16, D.bfloat16, D.complex32):
        raise RuntimeError(f"MKL FFT doesn't support tensors of type: {'BFloat16' if dt is D.bfloat16 else 'Half'}")


def pad_end(x: Tensor, dim: int, count: int) -> Tensor:
    """x with `count` zeros appended along dim (differentiable: the gradient drops them)."""
    return pad(x, (0, 0) * (x.ndim - 1 - dim) + (0, count))


class FftC2C(Function):
    """y = s F x over dims (F^H when not ``forward``);  dx = s F^H g (s F g): the adjoint."""

    _grad_name = "FftC2CBackward0"

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...], scale: float, forward: bool) -> Tensor:
        ctx.dims, ctx.scale, ctx.is_forward = dims, scale, forward
        return _c2c(x, dims, scale, forward)

    @staticmethod
    def backward(ctx, g):
        return FftC2C.apply(g, ctx.dims, ctx.scale, not ctx.is_forward), None, None, None


class FftR2C(Function):
    """y = P s F x for real x (P: the first n//2 + 1 bins of dims[-1] when ``onesided``);
    dx = Re(s F^H P^T g)."""

    _grad_name = "FftR2CBackward0"

    @staticmethod
    def forward(ctx, x: Tensor, dims: tuple[int, ...], scale: float, onesided: bool) -> Tensor:
        ctx.dims, ctx.scale, ctx.onesided, ctx.n = dims, scale, onesided, x.shape[dims[-1]]
        last = dims[-1]
        y = _c2c(x, (last,), scale, True)   # the primitive reads a real x as complex
        if onesided:   # the other dims transform only the bins kept
            y = y.narrow(last, 0, ctx.n // 2 + 1).contiguous()
        return _c2c(y, dims[:-1], 1.0, True) if len(dims) > 1 else y

    @staticmethod
    def backward(ctx, g):
        last = ctx.dims[-1]
        if ctx.onesided and g.shape[last] < ctx.n:
            g = pad_end(g, last, ctx.n - g.shape[last])
        return FftC2C.apply(g, ctx.dims, ctx.scale, False).real, None, None, None


class FftC2R(Function):
    """x = s Re F^H H X: n real samples along dims[-1] from its n//2 + 1 bins;  dX = P s F g with bins
    1 .. n - (n//2 + 1) doubled."""

    _grad_name = "FftC2RBackward0"

    @staticmethod
    def forward(ctx, X: Tensor, dims: tuple[int, ...], scale: float, n: int) -> Tensor:
        ctx.dims, ctx.scale, ctx.n = dims, scale, n
        last = dims[-1]
        if len(dims) > 1:
            X = _c2c(X, dims[:-1], 1.0, False)
        mirrored = n - X.shape[last]   # bins n//2 + 1 .. n - 1 are conj(X_(n-k)), k = n - n//2 - 1 .. 1
        if mirrored > 0:
            X = cat([X, X.narrow(last, 1, mirrored).flip(last).conj()], last)
        return _c2c(X, (last,), scale, False).real.contiguous()

    @staticmethod
    def backward(ctx, g):
        gX = FftR2C.apply(g, ctx.dims, ctx.scale, True)
        last = ctx.dims[-1]
        doubled = ctx.n - gX.shape[last]
        if doubled > 0:
            bins = gX.shape[last]
            gX = cat([gX.narrow(last, 0, 1), 2 * gX.narrow(last, 1, doubled),
                      gX.narrow(last, 1 + doubled, bins - 1 - doubled)], last)
        return gX, None, None, None


__all__: list[str] = []
METHODS: dict = {}
