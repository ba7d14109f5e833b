"""Ops on the integer and floating-point structure of numbers: gcd, lcm, the bit shifts, nextafter, frexp.

    gcd(a, b)   Euclid's algorithm on |a|, |b|, every element at once: (a, b) <- (b, a mod b) until b = 0
    lcm(a, b)   |a / gcd(a, b) * b|, 0 when gcd = 0
    a << b      a 2^b in two's complement (wrapping); 0 for b < 0 or b >= the bit width
    a >> b      floor(a / 2^b) (arithmetic: the sign fills in); for b < 0 or b >= width - 1, 0 or -1 by sign
    nextafter(a, b)  the next representable number after a towards b: a's bit pattern, read as an integer,
                plus or minus one (away from zero when moving away from zero), the smallest subnormal
                with b's sign from 0, b when a == b;  d/da = 1 (0 where a == b), d/db = 0 (PyTorch's)
    frexp(x)    (m, e) with x = m 2^e, 0.5 <= |m| < 1 (e an int32; (x, 0) for 0, inf and NaN);  dm/dx = 2^-e
"""
from __future__ import annotations

import math
from collections import namedtuple

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from .binary import where
from .joining import broadcast_tensors
from .pointwise_composite import copysign

_BITS_OF = {D.float16: D.int16, D.bfloat16: D.int16, D.float32: D.int32, D.float64: D.int64}
# the smallest positive (subnormal) value of each type: nextafter(0, b) is it, with b's sign
_TINY = {D.float16: 2.0 ** -24, D.bfloat16: 2.0 ** -133, D.float32: 2.0 ** -149, D.float64: math.ulp(0.0)}


def _integers(name: str, a, b) -> tuple[Tensor, Tensor]:
    """a and b as tensors of their promoted integer dtype (PyTorch's error for other dtypes)."""
    like = a if isinstance(a, Tensor) else b
    dt = D.result_type(a, b)
    if dt.is_floating_point or dt.is_complex or dt is D.bool_:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt.scalar_name}'")
    a = a.to(dt) if isinstance(a, Tensor) else like.new_tensor(a, dtype=dt)
    b = b.to(dt) if isinstance(b, Tensor) else like.new_tensor(b, dtype=dt)
    return a, b


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor of |input| and |other|, elementwise (gcd(0, 0) = 0)."""
    a, b = _integers("gcd", input, other)
    a, b = a.abs(), b.abs()
    while bool((b != 0).any()):
        going = b != 0
        a, b = where(going, b, a), where(going, a % where(going, b, 1), 0)
    return a


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple |input / gcd * other|, elementwise (0 when either is 0)."""
    a, b = _integers("lcm", input, other)
    g = gcd(a, b)
    return where(g == 0, 0, (a // where(g == 0, 1, g) * b).abs()).to(a.dtype)


def bitwise_left_shift(input, other) -> Tensor:
    """input shifted left by other bits: input 2^other, wrapping in the integer's width; 0 for a shift < 0
    or >= the width."""
    a, b = _integers("lshift", input, other)
    width = 8 * a.dtype.itemsize
    inside = (b >= 0) & (b < width)
    return where(inside, a * (2 ** where(inside, b, 0)).to(a.dtype), 0).to(a.dtype)


def bitwise_right_shift(input, other) -> Tensor:
    """input shifted right by other bits, keeping the sign: floor(input / 2^other); a shift < 0 or >= the
    width - 1 leaves only the sign (0 or -1)."""
    a, b = _integers("rshift", input, other)
    width = 8 * a.dtype.itemsize
    inside = (b >= 0) & (b < width - 1)
    sign_only = where(a < 0, -1, 0).to(a.dtype) if a.dtype.is_signed else a * 0
    return where(inside, a // (2 ** where(inside, b, 0)).to(a.dtype), sign_only).to(a.dtype)


def _reflected(op):
    def method(self: Tensor, other) -> Tensor:
        return op(other, self)
    method.__doc__ = f"other {'<<' if op is bitwise_left_shift else '>>'} self."
    return method


class NextAfter(Function):
    """y = the representable number next to a in the direction of b;  dy/da = 1 (0 where a == b, as PyTorch's),
    dy/db = 0."""

    _grad_name = "NextafterBackward0"

    @staticmethod
    def forward(ctx, a, b):
        bits = a.view(_BITS_OF[a.dtype])
        away_from_zero = (b > a) == (a > 0)
        step = bits + where(away_from_zero, 1, -1).to(bits.dtype)
        out = step.view(a.dtype)
        tiny = a.new_full((), _TINY[a.dtype])
        out = where(a == 0, copysign(tiny.expand(a.shape), b), out)
        ctx.save_for_backward(a, b)
        return where(a == b, b, where(a.isnan() | b.isnan(), math.nan, out))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return where(a == b, 0.0, g), g * 0


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating-point value after input towards other, elementwise (float16, bfloat16, float32, float64)."""
    dt = D.result_type(input, other)
    if dt not in _BITS_OF:
        raise NotImplementedError(f"\"nextafter_cpu\" not implemented for '{dt.scalar_name}'")
    a, b = (x.to(dt) if isinstance(x, Tensor) else input.new_tensor(x, dtype=dt) for x in (input, other))
    return NextAfter.apply(*broadcast_tensors(a, b))


_frexp_result = namedtuple("frexp", ["mantissa", "exponent"])


def frexp(input: Tensor):
    """(mantissa, exponent): input = mantissa 2^exponent, 0.5 <= |mantissa| < 1, exponent int32; 0, inf and
    NaN give (input, 0). mantissa's gradient is 2^-exponent."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    x = input.detach().to(D.float64)
    finite = x.isfinite() & (x != 0)
    safe = where(finite, x.abs(), 1.0)
    e = safe.log2().floor() + 1
    # log2 may round across a power of two: one correction step puts |x| / 2^e into [0.5, 1). Scaling by
    # 2^-e goes in two halves so that neither factor overflows (e reaches 1024 for float64's largest values)
    m = safe * 2.0 ** -(e // 2) * 2.0 ** -(e - e // 2)
    e = where(finite, where(m >= 1, e + 1, where(m < 0.5, e - 1, e)), 0.0)
    mantissa = input * (2.0 ** -(e // 2)).to(input.dtype) * (2.0 ** -(e - e // 2)).to(input.dtype)
    return _frexp_result(mantissa, e.to(D.int32))


__all__ = ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "nextafter", "frexp"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({"__lshift__": bitwise_left_shift, "__rshift__": bitwise_right_shift,
                "__rlshift__": _reflected(bitwise_left_shift), "__rrshift__": _reflected(bitwise_right_shift)})
