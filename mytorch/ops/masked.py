"""``torch.masked``: reductions and normalizations that read only the entries where a boolean `mask` (broadcast
to the input's shape) is True.

Each op replaces the masked-out entries by the identity of its reduction, then runs the ordinary op:

    masked_op(x, mask) = op(where(mask, x, identity))

identity: 0 for sum, cumsum, norm (inf for the -inf norm); 1 for prod, cumprod; -inf (the dtype's
minimum for integers) for amax, argmax, logsumexp, logaddexp, softmax and log_softmax; +inf (the
maximum) for amin, argmin, softmin; NaN for median (which is nanmedian of the filled input). So a line
with nothing unmasked reduces to the identity (softmax's to NaN). mean, var and std divide by the count of
unmasked entries instead:

    mean = sum(x, mask) / count,   var = sum(|x - mean|^2, mask) / max(count - correction, 0)

The derivatives are those of `where` and the ordinary ops: masked-out entries get gradient 0.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from .activation import log_softmax as _log_softmax
from .activation import softmax as _softmax
from ._opmath import opmath
from .binary import maximum, where
from .pointwise_composite import logaddexp as _logaddexp
from .reduction import amax as _amax
from .reduction import amin as _amin
from .reduction import argmax as _argmax
from .reduction import argmin as _argmin
from .sorting import nanmedian
from .statistics import cumprod as _cumprod
from .statistics import cumsum as _cumsum
from .statistics import logsumexp as _logsumexp
from .statistics import vector_norm

_SMALL_INTS = (D.uint8, D.bool_, D.int8, D.int16, D.int32)


def _dims(dim, ndim: int) -> tuple[int, ...]:
    """dim as a sorted tuple of non-negative dims; None or () is every dim."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    dims = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                             f"{max(ndim, 1) - 1}], but got {d})")
        if d % max(ndim, 1) in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        dims.append(d % max(ndim, 1))
    return tuple(sorted(dims))


def _input_mask(input: Tensor, mask: Tensor) -> Tensor:
    """mask broadcast to input's shape, as bool."""
    if mask.ndim > input.ndim:
        raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of the input)")
    return mask.broadcast_to(input.shape).to(D.bool_)


def _identity(kind: str, input: Tensor, ord_: float = 2.0) -> Tensor:
    dt = input.dtype
    if kind == "sum" or (kind == "norm" and ord_ != -math.inf):
        value = 0
    elif kind == "prod":
        value = 1
    elif kind == "median":
        value = math.nan
    elif dt.is_floating_point or (dt.is_complex and kind == "max"):
        value = -math.inf if kind == "max" else math.inf
    elif dt in (D.bool_,) or dt.is_complex or kind == "norm":
        raise NotImplementedError(f"identity of {kind} on {dt} input")
    else:
        value = D.iinfo(dt).min if kind == "max" else D.iinfo(dt).max
    return input.new_full((), value)


def _fill(input: Tensor, mask: Tensor | None, kind: str, ord_: float = 2.0) -> Tensor:
    """input with the masked-out entries replaced by kind's identity (input itself without a mask)."""
    if mask is None:
        return input
    return where(_input_mask(input, mask), input, _identity(kind, input, ord_))


def _sum_dtype(input: Tensor, dtype):
    return dtype or (D.int64 if input.dtype in _SMALL_INTS else input.dtype)


def sum(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Sum of the unmasked entries over dim (every dim when None); 0 where none is unmasked."""
    return _fill(input, mask, "sum").sum(_dims(dim, input.ndim), keepdim=keepdim, dtype=_sum_dtype(input, dtype))


def prod(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Product of the unmasked entries over dim (every dim when None); 1 where none is unmasked."""
    out = _fill(input, mask, "prod").to(_sum_dtype(input, dtype))
    for d in reversed(_dims(dim, input.ndim)):
        out = out.prod(d, keepdim=keepdim)
    return out


def _extreme(op, kind: str):
    def reduce(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
        return op(_fill(input, mask, kind), _dims(dim, input.ndim), keepdim).to(dtype or input.dtype)
    return reduce


amax = _extreme(_amax, "max")
amax.__name__, amax.__doc__ = "amax", "Largest unmasked entry over dim; -inf (the dtype's minimum) where none is."
amin = _extreme(_amin, "min")
amin.__name__, amin.__doc__ = "amin", "Smallest unmasked entry over dim; inf (the dtype's maximum) where none is."


def argmax(input: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype=None,
           mask: Tensor | None = None) -> Tensor:
    """Index of the largest unmasked entry along dim, in input's dtype (as torch.masked)."""
    return _argmax(_fill(input, mask, "max"), dim, keepdim).to(dtype or input.dtype)


def argmin(input: Tensor, dim: int | None = None, *, keepdim: bool = False, dtype=None,
           mask: Tensor | None = None) -> Tensor:
    """Index of the smallest unmasked entry along dim, in input's dtype (as torch.masked)."""
    return _argmin(_fill(input, mask, "min"), dim, keepdim).to(dtype or input.dtype)


def _count(input: Tensor, dims: tuple, keepdim: bool, mask: Tensor | None) -> Tensor:
    """How many entries each reduced line has unmasked (int64)."""
    ones = input.new_ones(input.shape, dtype=D.int64) if mask is None else _input_mask(input, mask)
    return ones.sum(dims, keepdim=keepdim, dtype=D.int64)


def mean(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """sum of the unmasked entries / their count (NaN where none is unmasked)."""
    dt = dtype or input.dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {'Optional' if dtype else 'Input'} dtype must be "
                         f"either a floating point or complex dtype. Got: {dt}")
    dims = _dims(dim, input.ndim)
    return sum(input, dims, keepdim=keepdim, dtype=dt, mask=mask) / _count(input, dims, keepdim, mask)


def _std_var(input: Tensor, dim, unbiased, correction, keepdim: bool, dtype, mask, take_sqrt: bool) -> Tensor:
    if unbiased is not None and correction is not None:
        raise RuntimeError("Only one of unbiased and correction may be given")
    c = float(correction) if correction is not None else (0.0 if unbiased is False else 1.0)
    dt = dtype or (input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else D.float32)
    compute = dt if dt.is_floating_point or dt.is_complex else D.float32
    dims = _dims(dim, input.ndim)
    count = _count(input, dims, True, mask)
    x = input - sum(input, dims, keepdim=True, dtype=dt, mask=mask) / count
    total = sum(x * x.conj(), dims, keepdim=keepdim, dtype=compute, mask=mask)
    count = count.reshape(total.shape)
    if c:
        count = (count.to(compute.to_real()) - c).clamp(min=0)
    out = (total / count).to(dt)
    return out.sqrt() if take_sqrt else out


def var(input: Tensor, dim=None, unbiased: bool | None = None, *, correction=None, keepdim: bool = False,
        dtype=None, mask: Tensor | None = None) -> Tensor:
    """sum over the unmasked entries of |x - mean|^2 / max(count - correction, 0) (correction 1 by default)."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input: Tensor, dim=None, unbiased: bool | None = None, *, correction=None, keepdim: bool = False,
        dtype=None, mask: Tensor | None = None) -> Tensor:
    """sqrt of the masked var."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def median(input: Tensor, dim: int = -1, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Lower median of the unmasked entries along dim (nanmedian of the input with NaN in the masked-out
    places): NaN where none is unmasked, which a non-floating input may not have (ValueError)."""
    d = _dims(dim, input.ndim)[0]
    floating = input.dtype.is_floating_point
    x = input if floating else input.to(D.float32)
    out = nanmedian(_fill(x, mask, "median"), d, keepdim).values
    if floating:
        return out
    if out.isnan().any():
        raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")
    return out.to(dtype or input.dtype)


def norm(input: Tensor, ord: float = 2.0, dim=None, *, keepdim: bool = False, dtype=None,
         mask: Tensor | None = None) -> Tensor:
    """The ord-norm of the unmasked entries over dim (linalg.vector_norm)."""
    return vector_norm(_fill(input, mask, "norm", ord), ord, _dims(dim, input.ndim), keepdim,
                       dtype=dtype or input.dtype)


def logsumexp(input: Tensor, dim=None, *, keepdim: bool = False, dtype=None, mask: Tensor | None = None) -> Tensor:
    """log sum exp of the unmasked entries over dim; -inf where none is unmasked."""
    return _logsumexp(_fill(input, mask, "max"), _dims(dim, input.ndim), keepdim).to(dtype or input.dtype)


def logaddexp(input: Tensor, other: Tensor, *, dtype=None, input_mask: Tensor | None = None,
              other_mask: Tensor | None = None) -> Tensor:
    """log(e^input + e^other) with each operand's masked-out entries read as -inf."""
    return _logaddexp(_fill(input, input_mask, "max"), _fill(other, other_mask, "max")).to(dtype or input.dtype)


def softmax(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """softmax along dim over the unmasked entries (masked-out ones get 0; NaN on lines with none)."""
    return _softmax(_fill(input, mask, "max"), _dims(dim, input.ndim)[0], dtype or input.dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """log_softmax along dim over the unmasked entries (masked-out ones get -inf)."""
    return _log_softmax(_fill(input, mask, "max"), _dims(dim, input.ndim)[0], dtype or input.dtype)


def softmin(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """softmax(-x) along dim over the unmasked entries."""
    x = _fill(input, mask, "min")
    return _softmax(-x.to(dtype or input.dtype), _dims(dim, input.ndim)[0])


@opmath
def normalize(input: Tensor, ord: float, dim: int, *, eps: float = 1e-12, dtype=None,
              mask: Tensor | None = None) -> Tensor:
    """input (masked-out entries as 0) / max(masked ord-norm along dim, eps)."""
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return _fill(input, mask, "sum") / maximum(nrm, nrm.new_full((), eps))


def cumsum(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Running sum along dim that skips the masked-out entries."""
    dt = dtype or input.dtype
    return _cumsum(_fill(input, mask, "sum"), _dims(dim, input.ndim)[0], dtype=dt).to(dt)


def cumprod(input: Tensor, dim: int, *, dtype=None, mask: Tensor | None = None) -> Tensor:
    """Running product along dim that skips the masked-out entries."""
    dt = dtype or input.dtype
    return _cumprod(_fill(input, mask, "prod"), _dims(dim, input.ndim)[0], dtype=dt).to(dt)


__all__ = ["amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp", "logsumexp", "mean",
           "median", "norm", "normalize", "prod", "softmax", "softmin", "std", "sum", "var"]
METHODS: dict = {}
