"""cov and corrcoef: the covariance and correlation matrices of the variables in the rows of input (one
variable when input is 1-D), each column an observation, composed from sums and a matrix product so that
autograd differentiates them.

With observation weights w_j = fweights_j aweights_j (1 when neither is given), W = sum_j w_j,

    mean_i   = sum_j w_j x_ij / W
    cov_ik   = sum_j w_j (x_ij - mean_i) conj(x_kj - mean_k) / f
    f        = W - correction                                   (no aweights)
             = W - correction sum_j w_j aweights_j / W          (with aweights; f = W when correction = 0)

f <= 0 gives infinities and NaNs, with PyTorch's warning. corrcoef_ik = cov_ik / sqrt(cov_ii cov_kk),
clipped to [-1, 1] (real and imaginary parts separately for complex inputs).
"""
from __future__ import annotations

import warnings

from .. import _dtype as D
from .._tensor import Tensor
from .complex import complex as _complex


def _check_weights(name: str, w: Tensor | None, observations: int, floating: bool) -> None:
    if w is None:
        return
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with {w.ndim} "
                           "dimensions")
    if w.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w.numel()} != {observations}")
    if floating != w.dtype.is_floating_point:
        kind = "floating point" if floating else "integral"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {w.dtype.scalar_name}")


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The (weighted) covariance matrix of input's rows, observations in its columns (module docstring)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    _check_weights("fweights", fweights, n, False)
    _check_weights("aweights", aweights, n, True)
    if fweights is not None and bool((fweights < 0).any()):
        raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None and bool((aweights < 0).any()):
        raise RuntimeError("cov(): aweights cannot be negative")
    w = fweights if aweights is None else aweights if fweights is None else fweights * aweights
    dt = x.dtype if w is None else D.promote_types(x.dtype, w.dtype)
    dt = dt if dt.is_floating_point or dt.is_complex else D.get_default_dtype()
    x = x.to(dt)
    if w is None:
        w_sum = x.new_full((), n, dtype=dt.to_real() if dt.is_complex else dt)
        mean = x.mean(1, keepdim=True)
        factor = w_sum - correction
    else:
        w = w.to(dt.to_real() if dt.is_complex else dt)
        w_sum = w.sum()
        mean = (x * w).sum(1, keepdim=True) / w_sum
        if correction == 0:
            factor = w_sum
        elif aweights is None:
            factor = w_sum - correction
        else:
            factor = w_sum - correction * (w * aweights.to(w.dtype)).sum() / w_sum
    if bool(factor <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", stacklevel=2)
        factor = factor * 0
    centred = x - mean
    weighted = centred if w is None else centred * w
    return (centred @ weighted.mT.conj() / factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """The Pearson correlation matrix of input's rows: cov_ik / sqrt(cov_ii cov_kk), clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = (d.real if d.dtype.is_complex else d).sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    if c.dtype.is_complex:
        return _complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


__all__ = ["cov", "corrcoef"]
METHODS = {"cov": cov, "corrcoef": corrcoef}
