"""Elementwise unary ops. Each line of `_DEFS` is one op: its forward primitive,
whether integers compute in floating point, and its derivative

    dx = derivative(g, x, y)    where y = f(x) and g = dL/dy,

written in tensor ops so that it is itself differentiable.

Complex inputs: each op here but `abs` is holomorphic, so by PyTorch's convention
(`ops/complex.py`) dx = g * conj(f'(x)); f' is written with real coefficients,
so conj(f'(x, y)) = f'(conj x, conj y), and backward passes the conjugates of
x and y to the same derivative. `abs` maps complex to real: dx = g * sgn(x).
Ops defined on real numbers only (rounding, sign, erf) raise PyTorch's error.
"""
from __future__ import annotations

import math
from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import conj, float_dtype, reject_complex, reject_complex32

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_2_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _zero(g, x, y):
    return g * 0


# name: (float result for integer input, needs x, needs y, derivative, math)
_DEFS: dict[str, tuple[bool, bool, bool, Callable, str]] = {
    "neg": (False, False, False, lambda g, x, y: -g, "y = -x; dy/dx = -1"),
    "abs": (False, True, False, lambda g, x, y: g * x.sgn(), "y = |x|; dy/dx = sign(x) (complex: dx = g x / |x|)"),
    "sign": (False, False, False, _zero, "y = sign(x); dy/dx = 0"),
    "exp": (True, False, True, lambda g, x, y: g * y, "y = e^x; dy/dx = e^x = y"),
    "exp2": (True, False, True, lambda g, x, y: g * y * _LN2, "y = 2^x; dy/dx = 2^x ln 2"),
    "expm1": (True, False, True, lambda g, x, y: g * (y + 1), "y = e^x - 1; dy/dx = e^x = y + 1"),
    "log": (True, True, False, lambda g, x, y: g / x, "y = ln x; dy/dx = 1/x"),
    "log2": (True, True, False, lambda g, x, y: g / (x * _LN2), "y = log2 x; dy/dx = 1/(x ln 2)"),
    "log10": (True, True, False, lambda g, x, y: g / (x * _LN10), "y = log10 x; dy/dx = 1/(x ln 10)"),
    "log1p": (True, True, False, lambda g, x, y: g / (x + 1), "y = ln(1 + x); dy/dx = 1/(1 + x)"),
    "sqrt": (True, False, True, lambda g, x, y: g / (y * 2), "y = sqrt(x); dy/dx = 1/(2 sqrt(x))"),
    "rsqrt": (True, False, True, lambda g, x, y: g * y * y * y * -0.5, "y = 1/sqrt(x); dy/dx = -y^3/2"),
    "sin": (True, True, False, lambda g, x, y: g * x.cos(), "y = sin x; dy/dx = cos x"),
    "cos": (True, True, False, lambda g, x, y: -g * x.sin(), "y = cos x; dy/dx = -sin x"),
    "tan": (True, False, True, lambda g, x, y: g * (y * y + 1), "y = tan x; dy/dx = 1 + tan^2 x"),
    "asin": (True, True, False, lambda g, x, y: g * (1 - x * x).rsqrt(), "y = asin x; dy/dx = 1/sqrt(1 - x^2)"),
    "acos": (True, True, False, lambda g, x, y: -g * (1 - x * x).rsqrt(), "y = acos x; dy/dx = -1/sqrt(1 - x^2)"),
    "atan": (True, True, False, lambda g, x, y: g / (x * x + 1), "y = atan x; dy/dx = 1/(1 + x^2)"),
    "sinh": (True, True, False, lambda g, x, y: g * x.cosh(), "y = sinh x; dy/dx = cosh x"),
    "cosh": (True, True, False, lambda g, x, y: g * x.sinh(), "y = cosh x; dy/dx = sinh x"),
    "tanh": (True, False, True, lambda g, x, y: g * (1 - y * y), "y = tanh x; dy/dx = 1 - y^2"),
    "asinh": (True, True, False, lambda g, x, y: g * (x * x + 1).rsqrt(), "y = asinh x; dy/dx = 1/sqrt(x^2 + 1)"),
    "acosh": (True, True, False, lambda g, x, y: g * ((x + 1).rsqrt() * (x - 1).rsqrt()),
              "y = acosh x; dy/dx = 1/(sqrt(x + 1) sqrt(x - 1)) (= 1/sqrt(x^2 - 1) for real x; the principal branch)"),
    "atanh": (True, True, False, lambda g, x, y: g / (1 - x * x), "y = atanh x; dy/dx = 1/(1 - x^2)"),
    "sigmoid": (True, False, True, lambda g, x, y: g * y * (1 - y), "y = 1/(1 + e^-x); dy/dx = y (1 - y)"),
    "erf": (True, True, False, lambda g, x, y: g * (-x * x).exp() * _2_SQRT_PI,
            "y = 2/sqrt(pi) int_0^x e^(-t^2) dt; dy/dx = 2/sqrt(pi) e^(-x^2)"),
    "reciprocal": (True, False, True, lambda g, x, y: -g * y * y, "y = 1/x; dy/dx = -1/x^2 = -y^2"),
    "floor": (False, False, False, _zero, "y = floor x; dy/dx = 0"),
    "ceil": (False, False, False, _zero, "y = ceil x; dy/dx = 0"),
    "trunc": (False, False, False, _zero, "y = trunc x; dy/dx = 0"),
}


# PyTorch's error for each op that complex numbers don't support
_REAL_ONLY = {
    "sign": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead."),
    "erf": (NotImplementedError, "\"erf_vml_cpu\" not implemented for '{dtype}'"),
    **{name: (NotImplementedError, f"{name} is not supported for complex inputs")
       for name in ("floor", "ceil", "trunc", "round")},
}


def _make_op(name: str, to_float: bool, needs_x: bool, needs_y: bool, derivative: Callable, math_doc: str,
             module: str = __name__):
    """The Function class and the public function of one table entry; `module` is the module whose table
    holds the entry, named as the function's home so that the API reference and readers find it there."""
    grad_name = "".join(p.capitalize() for p in name.split("_")) + "Backward0"
    real_only = _REAL_ONLY.get(name)

    def forward(ctx, x):
        be = x._backend
        data = x._data
        dt = be.dtype_of(data)
        if dt.is_complex and real_only is not None:
            raise real_only[0](real_only[1].format(dtype=dt.scalar_name))
        if to_float and not dt._differentiable:
            data = be.cast(data, float_dtype(dt))
        elif dt is D.bool_ and name == "neg":
            raise RuntimeError(f"{name}(): Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        if dt is D.bool_ and name == "sign":  # the sign of True is True, of False False (as PyTorch)
            y = Tensor._make(be.copy(data), be)
        else:
            y = Tensor._make(getattr(be, name)(data), be)
        ctx.save_for_backward(x if needs_x else None, y if needs_y else None)
        return y

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if name != "abs":
            x, y = conj(x), conj(y)
        return derivative(g, x, y)

    cls = type(name.capitalize(), (Function,), {
        "__doc__": math_doc, "_grad_name": grad_name,
        "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def op(input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
        return cls.apply(input)

    op.__name__ = op.__qualname__ = name
    op.__module__ = module
    op.__doc__ = f"Elementwise {name}: {math_doc}."
    return cls, op


_OPS = {name: _make_op(name, *spec) for name, spec in _DEFS.items()}
globals().update({name: op for name, (_, op) in _OPS.items()})
negative, absolute, arcsin, arccos, arctan = neg, abs, asin, acos, atan  # noqa: F821 (defined above)
arcsinh, arccosh, arctanh = asinh, acosh, atanh  # noqa: F821
fix = trunc  # noqa: F821


_ROUND = _make_op("round", False, False, False, _zero, "y = round(x); dy/dx = 0")[1]


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even (to `decimals` places); piecewise constant, so the gradient is 0."""
    if decimals == 0:
        return _ROUND(input)
    scale = 10.0 ** decimals
    return _ROUND(input * scale) / scale


def frac(input: Tensor) -> Tensor:
    """y = x - trunc(x); dy/dx = 1."""
    return input - input.trunc().detach()


def square(input: Tensor) -> Tensor:
    """y = x^2; dy/dx = 2x. A bool input squares as int64, as PyTorch's pow(x, 2) promotes it."""
    reject_complex32(input.dtype, "pow")
    if input.dtype is D.bool_:
        input = input.to(D.int64)
    return input * input


def _predicate(name: str):
    def pred(input: Tensor) -> Tensor:
        be = input._backend
        return Tensor._make(getattr(be, name)(input._data), be)
    pred.__name__ = name
    pred.__doc__ = f"Elementwise {name}; a bool tensor, no gradient."
    return pred


isnan, isinf, isfinite, logical_not, signbit = (_predicate(n) for n in
                                                ("isnan", "isinf", "isfinite", "logical_not", "signbit"))


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise ~x on integers (-x - 1) and logical not on bools; no gradient."""
    if input.dtype.is_floating_point:
        raise TypeError(f"bitwise_not(): not implemented for floating point dtype {input.dtype}")
    return _predicate("bitwise_not")(input)


def isposinf(input: Tensor) -> Tensor:
    """Elementwise x == +inf, a bool tensor; no gradient."""
    return isinf(input) & (input > 0)


def isneginf(input: Tensor) -> Tensor:
    """Elementwise x == -inf, a bool tensor; no gradient."""
    return isinf(input) & (input < 0)


class Clamp(Function):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi, else 0."""

    _grad_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        be = x._backend
        data = x._data
        dt = D.result_type(x, *(v for v in (lo, hi) if v is not None))
        if be.dtype_of(data) is not dt:
            data = be.cast(data, dt)
        if dt is D.bfloat16:  # as ops._util.operands: NumPy's bfloat16 would take Python bounds as float32
            lo, hi = (None if v is None else be.full((), v, dt) for v in (lo, hi))
        if lo is not None:
            data = be.maximum(data, lo)
        if hi is not None:
            data = be.minimum(data, hi)
        return Tensor._make(data, be)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        mask = None
        if ctx.lo is not None:
            mask = x >= ctx.lo
        if ctx.hi is not None:
            m = x <= ctx.hi
            mask = m if mask is None else mask & m
        return g * mask.to(g.dtype), None, None


def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit values to [min, max]; bounds may be numbers or tensors (then broadcast)."""
    if min is None and max is None:
        raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
    reject_complex(input, "clamp is not supported for complex types", NotImplementedError)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = out.maximum(min) if isinstance(min, Tensor) else Clamp.apply(out, min, None)
        if max is not None:
            out = out.minimum(max) if isinstance(max, Tensor) else Clamp.apply(out, None, max)
        return out
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:
    """y = max(x, min);  dy/dx = 1 where x >= min, else 0."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:
    """y = min(x, max);  dy/dx = 1 where x <= max, else 0."""
    return clamp(input, max=max)


class NanToNum(Function):
    """y = x with nan, +inf, -inf replaced;  dy/dx = 1 where x is finite, else 0."""

    _grad_name = "NanToNumBackward0"

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        be = x._backend
        dt = x.dtype
        if not dt.is_floating_point:
            return x.clone()
        big = D.finfo(dt).max
        data = be.where(be.isnan(x._data), nan, x._data)
        inf = be.isinf(data)
        neg_side = be.signbit(data)
        data = be.where(be.logical_and(inf, be.logical_not(neg_side)), big if posinf is None else posinf, data)
        data = be.where(be.logical_and(inf, neg_side), -big if neginf is None else neginf, data)
        return Tensor._make(be.cast(data, dt), be)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.isfinite().to(g.dtype), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """y = x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (the dtype's largest and lowest finite
    values by default);  dy/dx = 1 where x is finite, else 0.
    """
    reject_complex32(input.dtype, "nan_to_num")
    return NanToNum.apply(input, nan, posinf, neginf)


__all__ = list(_DEFS) + ["negative", "absolute", "fix", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
                         "round", "frac", "square", "isnan", "isinf", "isfinite", "logical_not", "signbit",
                         "bitwise_not", "isposinf", "isneginf", "clamp", "clip", "clamp_min", "clamp_max",
                         "nan_to_num"]
METHODS = {name: globals()[name] for name in __all__}
METHODS.update({"__neg__": neg, "__abs__": abs, "__invert__": lambda self: (  # noqa: F821
    logical_not(self) if self.dtype is D.bool_ else bitwise_not(self))})
