"""PyTorch's elementwise ops that are short compositions of others: their derivatives follow by autograd
through the parts, except where PyTorch's own derivative differs at a tie or an edge (then a Function
states it).

copysign(a, b) = |a| sign_b, sign_b = -1 where b's sign bit is set, else 1;  d/da = sign(a) sign_b, d/db = 0
deg2rad(x) = x pi/180, rad2deg(x) = x 180/pi
float_power(a, b) = a^b in float64 (complex128 when either is complex)
ldexp(x, e) = x 2^e
hypot(a, b) = sqrt(a^2 + b^2);  d/da = a / hypot, d/db = b / hypot
heaviside(x, v) = 0 for x < 0, v for x = 0, 1 for x > 0 (no derivative)
fmax(a, b) = a where a >= b or b is nan, else b (fmin alike): the maximum that ignores one nan;
    the whole gradient goes to the chosen operand, a at ties, as in PyTorch
logaddexp(a, b) = ln(e^a + e^b) = max + ln(1 + e^(min - max));  d/da = 1 / (1 + e^(b - a))
    (max, min: the operands ordered by their real parts; for complex operands the derivative, holomorphic,
    is conjugated, PyTorch's convention)
logaddexp2(a, b) = log2(2^a + 2^b) = max + log2(1 + 2^(min - max));  d/da = 1 / (1 + 2^(b - a)) (real only, as
    in PyTorch)
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._opmath import opmath
from ._util import conj, float_dtype, reject_complex
from .binary import maximum, where


def _as_tensor(x, like: Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else like.new_tensor(x, dtype=D.result_type(like, x))


def _floating(x: Tensor, op: str) -> Tensor:
    reject_complex(x, f"{op} is not supported for complex tensors.")  # the cast below would drop the imaginary part
    return x if x.dtype.is_floating_point else x.to(float_dtype(x.dtype))


class Copysign(Function):
    """out = |a| s, s = -1 where b's sign bit is set (-0.0 included), else 1;  d/da = sign(a) s, d/db = 0."""

    _grad_name = "CopysignBackward0"

    @staticmethod
    def forward(ctx, a, b):
        negative = b.signbit() if isinstance(b, Tensor) else a.new_full((), math.copysign(1.0, b) < 0, dtype=D.bool_)
        out = a.abs().masked_fill(negative, 0.0) - a.abs().masked_fill(~negative, 0.0)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * (out.sign() * a.sign()), (g * 0 if ctx.needs_input_grad[1] else None)


def copysign(input: Tensor, other) -> Tensor:
    """|input| with other's sign; integers compute in floating point."""
    dt = D.result_type(input, other)
    if dt.is_complex:
        raise NotImplementedError(f'"copysign_cpu" not implemented for \'{dt.scalar_name}\'')
    dt = float_dtype(dt)
    return Copysign.apply(input.to(dt), other.to(dt) if isinstance(other, Tensor) else other)


def deg2rad(input: Tensor) -> Tensor:
    """out = input * pi / 180; d/dinput = pi / 180."""
    return _floating(input, "deg2rad") * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """out = input * 180 / pi; d/dinput = 180 / pi."""
    return _floating(input, "rad2deg") * (180.0 / math.pi)


def float_power(input, exponent) -> Tensor:
    """a^b computed (and returned) in float64, or in complex128 when either operand is complex, as PyTorch's
    float_power."""
    is_complex = any(v.dtype.is_complex if isinstance(v, Tensor) else isinstance(v, complex) for v in (input, exponent))
    dt, number = (D.complex128, complex) if is_complex else (D.float64, float)
    a = input.to(dt) if isinstance(input, Tensor) else number(input)
    b = exponent.to(dt) if isinstance(exponent, Tensor) else number(exponent)
    return a ** b if isinstance(a, Tensor) else b.__rpow__(a)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """x 2^e (PyTorch's mul(x, pow(2.0, e)): 2^e of an integer e is in the default float dtype, and the
    product promotes as mul does, so a complex x stays complex)."""
    return input * (2.0 ** _as_tensor(other, input))


class Hypot(Function):
    """out = sqrt(a^2 + b^2), evaluated as m sqrt(1 + (n/m)^2), m = max(|a|, |b|), n = min, so that neither
    square overflows or underflows;  d/da = a / out, d/db = b / out."""

    _grad_name = "HypotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        big, small = maximum(a.abs(), b.abs()), a.abs().minimum(b.abs())
        ratio = small / big.masked_fill(big == 0, 1.0)
        out = big * (1 + ratio * ratio).sqrt()
        out = out.masked_fill(a.isinf() | b.isinf(), math.inf)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * a / out, g * b / out


@opmath
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """out = sqrt(input^2 + other^2); d/dinput = input / out, d/dother = other / out."""
    if not (input.dtype.is_floating_point and other.dtype.is_floating_point):
        bad = input.dtype if not input.dtype.is_floating_point else other.dtype
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{bad.scalar_name}'")
    dt = D.result_type(input, other)
    return Hypot.apply(input.to(dt), other.to(dt))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """out = 0 where input < 0, values where input == 0, 1 where input > 0; not differentiable."""
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    one = input.new_ones(())
    return where(input == 0, values, where(input > 0, one, one * 0)).to(input.dtype)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); the gradient goes to the chosen operand."""
    return where((input >= other) | other.isnan(), input, other)


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are NaN); the gradient goes to the chosen operand."""
    return where((input <= other) | other.isnan(), input, other)


def _logaddexp_family(name: str, base: float):
    log_base = math.log(base)

    def forward(ctx, a, b):
        if a.dtype.is_complex:
            first = a.real >= b.real
            big, gap = where(first, a, b), where(first, b - a, a - b) * log_base  # ln of base^(min - max)
        else:
            big, gap = maximum(a, b), -(a - b).abs() * log_base
        out = big + gap.exp().log1p() / log_base
        # equal infinities: inf - inf is nan in the gap, but ln(e^inf + e^inf) = inf and ln(0 + 0) = -inf
        out = where(a.isinf() & (a == b), a, out)
        ctx.save_for_backward(a, b)
        return out

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * conj(1 / (1 + ((b - a) * log_base).exp())), g * conj(1 / (1 + ((a - b) * log_base).exp()))

    cls = type(name.capitalize(), (Function,), {
        "__doc__": f"out = log_{base:g}({base:g}^a + {base:g}^b); d/da = 1 / (1 + {base:g}^(b - a))",
        "_grad_name": name.capitalize() + "Backward0",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def op(input: Tensor, other: Tensor) -> Tensor:
        dt = D.result_type(input, other)
        if dt.is_complex and base != math.e:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{dt.scalar_name}\'')
        dt = dt if dt.is_complex else float_dtype(dt)
        return cls.apply(_as_tensor(input, other).to(dt), _as_tensor(other, input).to(dt))

    op.__name__ = name
    op.__doc__ = cls.__doc__
    return op


logaddexp = opmath(_logaddexp_family("logaddexp", math.e))
logaddexp2 = opmath(_logaddexp_family("logaddexp2", 2.0))

__all__ = ["copysign", "deg2rad", "rad2deg", "float_power", "ldexp", "hypot", "heaviside", "fmax", "fmin",
           "logaddexp", "logaddexp2"]
METHODS = {name: globals()[name] for name in __all__}
