"""Elementwise binary ops with broadcasting and PyTorch's type promotion.

Each Function's docstring gives the forward formula and the partial
derivatives; backward returns full-shape gradients and the engine sums them
back to each input's shape (`autograd.engine.sum_to`).
"""
from __future__ import annotations

import cmath
import math
import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._opmath import HALF, opmath
from ._trace import record_untraced
from ._util import Number, broadcast_shapes, conj, operands, reject_complex, reject_complex32


def _is_bool(x) -> bool:
    return isinstance(x, bool) or getattr(x, "dtype", None) is D.bool_


def _reject_bools(a, b, name: str) -> None:
    """Arithmetic that PyTorch does not define on two bools (floor division, remainder, power)."""
    if _is_bool(a) and _is_bool(b):
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _reject_complex(a, b, kernel: str) -> None:
    """Ops that need an order or rounding, which complex numbers lack."""
    for x in (a, b):
        reject_complex(x, f"\"{kernel}\" not implemented for '{{dtype}}'", NotImplementedError)


def _apply(name: str, a, b, compute: D.dtype | None = None, round_to: D.dtype | None = None) -> Tensor:
    """The backend's `name` on a and b promoted to `compute` (default: their result dtype), its result cast to
    `round_to` when given."""
    ad, bd, be, _ = operands(a, b, name, compute)
    try:
        out = getattr(be, name)(ad, bd)
    except ValueError:
        broadcast_shapes(getattr(a, "shape", ()), getattr(b, "shape", ()), op=name)
        raise
    return Tensor._make(out if round_to is None else be.cast(out, round_to), be)


def _half_by_scalar(a, b) -> D.dtype | None:
    """The float16 / bfloat16 result dtype of a * b or a / b when PyTorch's CPU kernel keeps the scalar b in
    float32, else None.

    Its mul and div kernels (and div's floor and trunc modes) take a half-precision tensor times or over a scalar
    second operand (a Python number, or a one-element tensor, which TensorIterator calls `is_scalar(2)`) as
    float32(a) op float32(b), rounded once: b keeps the value of its own dtype (`original_scalar_value<opmath_t>`)
    instead of being rounded to half precision first. add, sub, pow, fmod and remainder round b to half."""
    if not isinstance(a, Tensor) or isinstance(b, Tensor) and (b.dtype is a.dtype or b.numel() != 1):
        return None
    dt = D.result_type(a, b)
    return dt if dt in HALF else None


def _apply_scalar_opmath(name: str, a, b, compute: D.dtype | None = None) -> Tensor:
    """`_apply`, in float32 and rounded once where `_half_by_scalar` says PyTorch computes so."""
    half = _half_by_scalar(a, b)
    return _apply(name, a, b, compute) if half is None else _apply(name, a, b, D.float32, half)


class Add(Function):
    """out = a + b;  d/da = 1, d/db = 1."""

    _grad_name = "AddBackward0"

    @staticmethod
    def forward(ctx, a, b):
        return _apply("add", a, b)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """out = a - b;  d/da = 1, d/db = -1."""

    _grad_name = "SubBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if not isinstance(a, Tensor):
            ctx._name = "RsubBackward1"  # number - tensor
        if _is_bool(a) or _is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        return _apply("sub", a, b)

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    """out = a * b;  d/da = b, d/db = a (complex: da = g conj(b), db = g conj(a))."""

    _grad_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, b):
        if ctx._recording:  # save only what the derivatives read, as PyTorch does
            need_a, need_b = ctx.needs_input_grad
            ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if not isinstance(a, Tensor):  # number * tensor: PyTorch's Tensor.__rmul__ runs mul(tensor, number)
            return _apply_scalar_opmath("mul", b, a)
        return _apply_scalar_opmath("mul", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * conj(b) if need_a else None), (g * conj(a) if need_b else None)


class Div(Function):
    """out = a / b;  d/da = 1/b, d/db = -a/b^2 (complex: the conjugates). Integer inputs divide as floats."""

    _grad_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, b):
        dt = D.result_type(a, b)
        if ctx._recording:
            ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return _apply_scalar_opmath("div", a, b, dt if dt._differentiable else D.get_default_dtype())

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        b = conj(b)
        return (g / b if need_a else None), (-g * conj(a) / (b * b) if need_b else None)


def _integer_pow(a, b: Tensor) -> Tensor:
    """Integer a ** b where the exponent tensor has negative entries, by PyTorch's rule for them:
    1 ** b = 1, (-1) ** b = 1 or -1 by b's parity, any other base gives 0 (the truncated 1 / a^|b|)."""
    negative = b < 0
    a = a if isinstance(a, Tensor) else b.new_full((), a)
    out = _apply("pow", a, where(negative, 0, b))
    minus_one = where(b % 2 == 0, 1, -1).to(out.dtype)
    return where(negative, where(a == 1, 1, where(a == -1, minus_one, 0)).to(out.dtype), out)


class Pow(Function):
    """out = a ** b;  d/da = b * a^(b-1), d/db = a^b * ln(a) (0 where a = 0 and b >= 0); complex: the
    conjugates of both."""

    _grad_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, b):
        _reject_bools(a, b, "pow")
        if isinstance(b, Tensor):
            ctx._name = "PowBackward1" if isinstance(a, Tensor) else "PowBackward2"
        if isinstance(b, Tensor) and D.result_type(a, b)._category == 1 and bool((b < 0).any()):
            out = _integer_pow(a, b)
        else:
            out = _apply("pow", a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = (conj(t) for t in ctx.saved_tensors)
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            if isinstance(b, Tensor):
                ga = g * b * a ** (b - 1)
            else:
                ga = g * 0 if b == 0 else g * b * a ** (b - 1)
        if need_b:
            if isinstance(a, Tensor):
                zero_base = (a == 0) & (b.real >= 0)
                gb = where(zero_base, 0.0, g * out * a.log())
            elif isinstance(a, complex) or a > 0:
                gb = g * out * cmath.log(a) if isinstance(a, complex) else g * out * math.log(a)
            else:
                gb = g * out * math.nan
        return ga, gb


class Atan2(Function):
    """out = atan2(a, b);  d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)."""

    _grad_name = "Atan2Backward0"

    @staticmethod
    def forward(ctx, a, b):
        _reject_complex(a, b, "atan2_cpu")
        ctx.save_for_backward(a, b)
        dt = D.result_type(a, b)
        return _apply("atan2", a, b, dt if dt.is_floating_point else D.get_default_dtype())

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        r = a * a + b * b
        return g * b / r, -g * a / r


class Maximum(Function):
    """out = max(a, b);  the gradient flows to the larger input, split evenly on ties."""

    _grad_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _apply("maximum", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(g, a, b)


class Minimum(Function):
    """out = min(a, b);  the gradient flows to the smaller input, split evenly on ties."""

    _grad_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _apply("minimum", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(g, b, a)


def _tie_split(g: Tensor, winner: Tensor, loser: Tensor) -> tuple:
    w = (winner > loser).to(g.dtype) + (winner == loser).to(g.dtype) * 0.5
    return g * w, g * (1 - w)


class Remainder(Function):
    """out = a - floor(a / b) * b (sign of b, like Python's %);  d/da = 1, d/db = -floor(a / b)."""

    _grad_name = "RemainderBackward0"

    @staticmethod
    def forward(ctx, a, b):
        _reject_complex(a, b, "remainder_cpu")
        _reject_bools(a, b, "remainder")
        ctx.save_for_backward(a, b)
        return _apply("remainder", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g, -g * (a / b).floor()


class Fmod(Function):
    """out = a - trunc(a / b) * b (sign of a, like C's fmod);  d/da = 1, d/db = -trunc(a / b)."""

    _grad_name = "FmodBackward0"

    @staticmethod
    def forward(ctx, a, b):
        _reject_complex(a, b, "fmod_cpu")
        ctx.save_for_backward(a, b)
        return _apply("fmod", a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g, -g * (a / b).trunc()


def _times_alpha(x, alpha, beside):
    """alpha * x for add and sub, `beside` the other operand. A float16 / bfloat16 result rounds x, alpha and
    their product to half precision, as PyTorch's kernel does on tensors of under 32 elements (its vectorized loop
    over longer ones keeps alpha * x in float32, so no one rounding matches PyTorch at every size)."""
    if alpha == 1:
        return x
    dt = D.result_type(beside, x)
    if dt not in HALF:
        return x * alpha
    like = beside if isinstance(beside, Tensor) else x
    return x.to(dt) * like.new_full((), alpha, dtype=dt) if isinstance(x, Tensor) else \
        like.new_full((), x, dtype=dt) * like.new_full((), alpha, dtype=dt)


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other."""
    return Add.apply(input, _times_alpha(other, alpha, input))


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other."""
    return Sub.apply(input, _times_alpha(other, alpha, input))


def rsub(input, other, *, alpha=1) -> Tensor:
    """other - alpha * input."""
    return Sub.apply(other, _times_alpha(input, alpha, other))


def mul(input, other) -> Tensor:
    """Elementwise product with broadcasting and type promotion: out = input * other;  d/dinput = other, d/dother =
    input. A sparse operand goes to `sparse_mul.mul` (PyTorch's sparse product).
    """
    if (isinstance(other, Tensor) and other.layout != "strided") or \
            (isinstance(input, Tensor) and input.layout != "strided"):
        from .sparse_mul import mul as sparse_mul  # sparse tensors are built on this module's ops
        return sparse_mul(input, other)
    return Mul.apply(input, other)


def div(input, other, *, rounding_mode: str | None = None) -> Tensor:
    """input / other; ``rounding_mode`` "trunc" or "floor" rounds the quotient (no gradient)."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode in ("floor", "trunc"):
        return RoundedDiv.apply(input, other, rounding_mode)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


class RoundedDiv(Function):
    """out = floor(a / b) or trunc(a / b) (div's rounding_mode). Piecewise constant, so, as in PyTorch,
    d/da = d/db = 0: zero gradients, not an error (floor_divide itself has no derivative)."""

    _grad_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        if mode == "floor":
            _reject_bools(a, b, "div_floor")
            return _apply_scalar_opmath("floor_divide", a, b)
        dt = D.result_type(a, b)
        half = _half_by_scalar(a, b)
        if half is not None:  # the quotient truncated in float32, then rounded (see _half_by_scalar)
            return _apply("div", a, b, D.float32).trunc().to(half)
        if dt.is_floating_point:
            return _apply("div", a, b, dt).trunc()
        return _apply("div", a, b, D.float64).trunc().to(dt)

    @staticmethod
    def backward(ctx, g):
        zeros = g.new_zeros(g.shape)  # the engine sums it back to each input's shape
        return zeros, zeros, None


class FloorDivide(Function):
    """out = floor(a / b). Like PyTorch, the result is part of the graph but has no derivative."""

    _grad_name = "FloorDivideBackward0"

    @staticmethod
    def forward(ctx, a, b):
        _reject_bools(a, b, "div_floor")
        _reject_complex(a, b, "div_floor_cpu")
        return _apply_scalar_opmath("floor_divide", a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for floor_divide is not implemented (it is zero almost everywhere; "
                           "detach() the quotient)")


def floor_divide(input, other) -> Tensor:
    """floor(input / other), in the promoted dtype (integers stay integers)."""
    return FloorDivide.apply(input, other)


def remainder(input, other) -> Tensor:
    """out = input - floor(input / other) * other, the sign of `other` (Python's %);  d/dinput = 1, d/dother =
    -floor(input / other).
    """
    return Remainder.apply(input, other)


def fmod(input, other) -> Tensor:
    """out = input - trunc(input / other) * other, the sign of `input` (C's fmod);  d/dinput = 1, d/dother =
    -trunc(input / other).
    """
    return Fmod.apply(input, other)


def pow(input, exponent) -> Tensor:
    """out = input ** exponent (either may be a number);  d/dinput = exponent * input^(exponent - 1), d/dexponent =
    input^exponent * ln(input).
    """
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor) and exponent == 1:
        return Pow.apply(input, 1)
    return Pow.apply(input, exponent)


def atan2(input, other) -> Tensor:
    """out = atan2(input, other), the angle of the point (other, input) in (-pi, pi];  d/dinput = other / (input^2 +
    other^2), d/dother = -input / (input^2 + other^2).
    """
    return Atan2.apply(input, other)


arctan2 = atan2


def _tensors_only(name: str, input, other) -> None:
    for pos, (arg, x) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def maximum(input, other) -> Tensor:
    """Elementwise max(input, other) of two tensors, NaN propagating;  the gradient flows to the larger input, split
    evenly on ties.
    """
    _tensors_only("maximum", input, other)
    for x in (input, other):
        reject_complex(x, "maximum not implemented for complex tensors.")
    return Maximum.apply(input, other)


def minimum(input, other) -> Tensor:
    """Elementwise min(input, other) of two tensors, NaN propagating;  the gradient flows to the smaller input, split
    evenly on ties.
    """
    _tensors_only("minimum", input, other)
    for x in (input, other):
        reject_complex(x, "minimum not implemented for complex tensors.")
    return Minimum.apply(input, other)


def where(condition, input, other) -> Tensor:
    """out = input where condition else other;  the gradient goes to the chosen side. A uint8 condition is
    deprecated in PyTorch and accepted with its warning: nonzero is true."""
    if isinstance(condition, Tensor) and condition.dtype is D.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                      "a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = condition != 0
    if not isinstance(input, Tensor) and not isinstance(other, Tensor) and isinstance(condition, Tensor):
        input = condition.new_full((), input, dtype=D.result_type(input, other))
    return Where.apply(condition, input, other)


class Where(Function):
    """out = cond ? a : b;  d/da = cond, d/db = not cond."""

    _grad_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, a, b):
        if not isinstance(cond, Tensor) or cond.dtype is not D.bool_:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{getattr(cond, 'dtype', type(cond).__name__)}")
        ad, bd, be, _ = operands(a, b, "where")
        ctx.save_for_backward(cond)
        try:
            return Tensor._make(be.where(cond._data, ad, bd), be)
        except ValueError:
            broadcast_shapes(cond.shape, getattr(a, "shape", ()), getattr(b, "shape", ()), op="where")
            raise

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = g.new_zeros(())
        return None, where(cond, g, zero), where(cond, zero, g)


def _compare(name: str):
    ordered = name not in ("eq", "ne")

    def compare(input, other) -> Tensor:
        if ordered:  # complex numbers have no order
            for x in (input, other):
                reject_complex(x, f"\"{name}_cpu\" not implemented for '{{dtype}}'", NotImplementedError)
        out = _apply(name, input, other)
        record_untraced(name, (input, other), out)  # no Function: an exporter must still see it (ops/_trace.py)
        return out
    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name} comparison in the promoted dtype; a bool tensor, no gradient."
    return compare


eq, ne, lt, le, gt, ge = (_compare(n) for n in ("eq", "ne", "lt", "le", "gt", "ge"))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(name: str):
    def logical(input, other) -> Tensor:
        reject_complex32(D.result_type(input, other), f"{name}_cpu")
        return _apply(name, input, other, D.bool_)
    logical.__name__ = name
    logical.__doc__ = f"Elementwise {name} of the truth values of input and other (a bool tensor)."
    return logical


logical_and, logical_or, logical_xor = (_logical(n) for n in ("logical_and", "logical_or", "logical_xor"))


def _bitwise(name: str):
    def bitwise(input, other) -> Tensor:
        dt = D.result_type(input, other)
        if dt.is_floating_point:
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{dt.scalar_name}': {name} needs "
                                      "integer or bool tensors")
        return _apply(name, input, other)
    bitwise.__name__ = name
    bitwise.__doc__ = f"Elementwise {name} of integer or bool tensors."
    return bitwise


bitwise_and, bitwise_or, bitwise_xor = (_bitwise(n) for n in ("bitwise_and", "bitwise_or", "bitwise_xor"))


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    reject_complex32(D.result_type(input, other), "equal_cpu")
    return input.shape == other.shape and bool(eq(input, other).all())


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| (elementwise); bools compare as the integers 0 and 1."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) and input.dtype is D.bool_ \
            and other.dtype is D.bool_:
        input, other = input.to(D.int64), other.to(D.int64)
    close = (input - other).abs() <= atol + rtol * other.abs()
    close = close | eq(input, other)
    if equal_nan:
        close = close | (input.isnan() & other.isnan())
    return close


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when |input - other| <= atol + rtol * |other| holds everywhere (a Python bool, no gradient)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@opmath
def lerp(input, end, weight) -> Tensor:
    """input + weight * (end - input);  d/dinput = 1 - weight, d/dend = weight, d/dweight = end - input.

    Like PyTorch, weights >= 0.5 use the algebraically equal end - (end - input) * (1 - weight), which is
    exact at weight = 1 and rounds the same way as torch.
    """
    reject_complex32(input.dtype, "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar")
    diff = end - input
    if not isinstance(weight, Tensor):
        return input + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
    return where(weight.abs() < 0.5, input + weight * diff, end - diff * (1 - weight))


__all__ = ["add", "sub", "rsub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2", "arctan2",
           "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
           "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
           "bitwise_xor", "equal", "isclose", "allclose", "lerp"]
multiply, subtract, divide, true_divide = mul, sub, div, div
__all__ += ["multiply", "subtract", "divide", "true_divide"]


def _where_method(self: Tensor, condition, other) -> Tensor:
    """self where condition else other (Tensor.where puts the tensor first);  the gradient goes to the chosen
    side."""
    return where(condition, self, other)


def _reflected(f):
    def r(self, other):
        return f(other, self)
    return r


def rdiv(self: Tensor, other) -> Tensor:
    """other / self as PyTorch's ``Tensor.__rtruediv__`` computes it: self.reciprocal() * other (an integer self's
    reciprocal is in the default float dtype)."""
    return self.reciprocal() * other


def _not_implemented_for_others(f):
    # let Python try the other operand's reflected method for types we don't know
    def op(self, other):
        if not isinstance(other, (Tensor, *Number)):
            return NotImplemented
        return f(self, other)
    return op


METHODS = {
    "add": add, "sub": sub, "mul": mul, "div": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "atan2": atan2, "arctan2": atan2, "maximum": maximum, "minimum": minimum,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "greater_equal": ge,
    "less": lt, "less_equal": le, "not_equal": ne, "logical_and": logical_and, "logical_or": logical_or,
    "logical_xor": logical_xor, "bitwise_and": bitwise_and, "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor, "equal": equal, "isclose": isclose, "allclose": allclose, "lerp": lerp,
    "multiply": mul, "subtract": sub, "divide": div, "true_divide": div, "where": _where_method,
    "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
    "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div, "__rtruediv__": rdiv, "__rdiv__": rdiv,
    "__floordiv__": floor_divide, "__rfloordiv__": _reflected(floor_divide), "__mod__": remainder,
    "__rmod__": _reflected(remainder), "__pow__": pow, "__rpow__": _reflected(pow),
    "__and__": bitwise_and, "__rand__": _reflected(bitwise_and), "__or__": bitwise_or,
    "__ror__": _reflected(bitwise_or), "__xor__": bitwise_xor, "__rxor__": _reflected(bitwise_xor),
    "__eq__": _not_implemented_for_others(eq), "__ne__": _not_implemented_for_others(ne),
    "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
}
