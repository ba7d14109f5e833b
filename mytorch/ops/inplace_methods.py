"""The ``op_`` in-place forms of the out-of-place ops, all built by one wrapper (`ops.inplace.inplace`)."""
from __future__ import annotations

from .._tensor import Tensor
from . import binary, special, unary
from .inplace import inplace


def _inplace_method(name: str, fn):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]  # clamp_(min=t) reads t too
        return inplace(self, lambda x, *ts: fn(x, *args, **kwargs), *tensors, name=name + "_")
    method.__name__ = name + "_"
    method.__doc__ = f"In-place {name}: writes the result into self's storage and returns self."
    return method


_OUT_OF_PLACE = {name: getattr(binary, name) for name in (
    "add", "sub", "mul", "div", "pow", "remainder", "fmod", "floor_divide", "atan2", "maximum", "minimum",
    "lerp", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "eq",
    "ne", "lt", "le", "gt", "ge", "multiply", "subtract", "divide", "true_divide")}
_OUT_OF_PLACE.update({name: getattr(unary, name) for name in (
    "neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin",
    "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid",
    "erf", "reciprocal", "floor", "ceil", "trunc", "round", "frac", "square", "clamp", "clip", "clamp_min",
    "clamp_max", "nan_to_num", "logical_not", "bitwise_not", "negative", "absolute", "fix")})
_OUT_OF_PLACE.update(special.METHODS)  # Tensor.polygamma_(n) takes the method's argument order

METHODS = {name + "_": _inplace_method(name, fn) for name, fn in _OUT_OF_PLACE.items()}
METHODS.update({
    "__iadd__": METHODS["add_"], "__isub__": METHODS["sub_"], "__imul__": METHODS["mul_"],
    "__itruediv__": METHODS["div_"], "__ipow__": METHODS["pow_"], "__imod__": METHODS["remainder_"],
    "__ifloordiv__": METHODS["floor_divide_"], "__iand__": METHODS["bitwise_and_"],
    "__ior__": METHODS["bitwise_or_"], "__ixor__": METHODS["bitwise_xor_"],
})


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy src (broadcast, converted to self's dtype) into self; the gradient flows to src."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    return inplace(self, lambda x, s: s.to(x.dtype).expand(x.shape), src, name="copy_")


def fill_(self: Tensor, value) -> Tensor:
    """Set every element to value (a number or a 0-dim tensor)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        return copy_(self, value)
    return inplace(self, lambda x: x.new_full(x.shape, value), name="fill_")


def zero_(self: Tensor) -> Tensor:
    """Fill the tensor with 0 in place and return it (recorded by autograd: the gradient before it is 0)."""
    return fill_(self, 0)


METHODS.update({"copy_": copy_, "fill_": fill_, "zero_": zero_})
