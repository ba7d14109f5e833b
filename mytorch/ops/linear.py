"""Affine maps with learned weights: ``linear`` (one fused op) and ``bilinear``.

For y = x W^T + b with x of shape (*, in), W (out, in), b (out):
    dL/dx = g W,   dL/dW = g^T x (summed over the batch dims *),   dL/db = g (summed by the engine).
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._autocast import LOWER_PRECISION_FP, autocast_policy
from ._util import conj


class Linear(Function):
    """y = x W^T + b;  dx = g W, dW = g^T x over all batch rows, db = g (complex: conj(W), conj(x))."""

    _grad_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias):
        be = x._backend
        if bias is None:
            ctx._name = "MmBackward0"
            y = be.matmul(x._data, be.permute(weight._data, (1, 0)))
        elif x.dtype in (D.bfloat16, D.float16):
            # PyTorch's half-precision addmm adds the bias to the float32 product and rounds once (the float32
            # product of half values is what the half matmul computes before rounding)
            f32 = (lambda a: be.cast(a, D.float32))
            y = be.cast(be.matmul_add(f32(x._data), be.permute(f32(weight._data), (1, 0)), f32(bias._data)), x.dtype)
        else:
            y = be.matmul_add(x._data, be.permute(weight._data, (1, 0)), bias._data)
        ctx.save_for_backward(x if ctx._recording and ctx.needs_input_grad[1] else None, weight)
        return Tensor._make(y, be)

    @staticmethod
    def backward(ctx, g):
        x, weight = (conj(t) for t in ctx.saved_tensors)
        need_x, need_w, need_b = ctx.needs_input_grad
        dx = g.matmul(weight) if need_x else None
        dw = g.reshape(-1, g.shape[-1]).t().matmul(x.reshape(-1, x.shape[-1])) if need_w else None
        return dx, dw, g if need_b else None


def _check_linear(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    for t, name in ((input, "input"), (weight, "weight")):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear(): argument '{name}' must be Tensor, not {type(t).__name__}")
    x_shape, w_shape = input._data.shape, weight._data.shape  # plain tuples: this check runs on every call
    if not x_shape or len(w_shape) != 2:
        raise RuntimeError(f"linear(): expected an input of at least 1 dimension and a 2D weight, got input of "
                           f"shape {list(x_shape)} and weight of shape {list(w_shape)}")
    if x_shape[-1] != w_shape[1]:
        rows = input.numel() // x_shape[-1] if x_shape[-1] else 0
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x_shape[-1]} and "
                           f"{w_shape[1]}x{w_shape[0]})")
    if input.dtype is not weight.dtype or (bias is not None and bias.dtype is not input.dtype):
        other = weight if input.dtype is not weight.dtype else bias
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {input.dtype.scalar_name.lower()} "
                           f"!= {other.dtype.scalar_name.lower()}")
    if bias is not None and tuple(bias._data.shape) not in ((w_shape[0],), (), (1,)):
        raise RuntimeError(f"linear(): bias of shape {list(bias.shape)} does not match the {w_shape[0]} "
                           "output features")


@autocast_policy(LOWER_PRECISION_FP)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight^T + bias, over any leading batch dims."""
    _check_linear(input, weight, bias)
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1^T A_k x2 + b_k for x1 (*, in1), x2 (*, in2), A (out, in1, in2);  derivatives via einsum."""
    from .einsum import einsum
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): weight of shape {list(weight.shape)} does not match input1 "
                           f"{list(input1.shape)} and input2 {list(input2.shape)} (expected (out, "
                           f"{input1.shape[-1]}, {input2.shape[-1]}))")
    y = einsum("...i,kij,...j->...k", input1, weight, input2)
    return y if bias is None else y + bias


__all__ = ["bilinear"]
METHODS: dict = {}
