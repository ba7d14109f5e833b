"""Fused-looking pointwise ops of PyTorch, composed from existing ones (autograd follows from the parts).

addcmul(input, t1, t2, value) = input + value * t1 * t2
    d/dinput = 1, d/dt1 = value * t2, d/dt2 = value * t1
addcdiv(input, t1, t2, value) = input + value * t1 / t2
    d/dinput = 1, d/dt1 = value / t2, d/dt2 = -value * t1 / t2^2
"""
from __future__ import annotations

from .._tensor import Tensor
from ._opmath import opmath
from .inplace import inplace


@opmath
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """input + value * tensor1 * tensor2 (multiplied in that order, as PyTorch's kernel)."""
    return input + (tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2)


@opmath
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """input + value * tensor1 / tensor2; integral (integer or bool) tensor1 and tensor2 are an error, as in
    PyTorch (complex ones divide)."""
    if all(not (t.dtype.is_floating_point or t.dtype.is_complex) for t in (tensor1, tensor2)):  # both integral
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), "
                           f"for all dtypes (got tensor1 {tensor1.dtype} and tensor2 {tensor2.dtype}).")
    return input + (tensor1 if value == 1 else value * tensor1) / tensor2  # value * t1 first, as PyTorch


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """In-place addcmul: self += value * tensor1 * tensor2."""
    return inplace(self, lambda x, a, b: addcmul(x, a, b, value=value), tensor1, tensor2, name="addcmul_")


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: float = 1) -> Tensor:
    """In-place addcdiv: self += value * tensor1 / tensor2."""
    return inplace(self, lambda x, a, b: addcdiv(x, a, b, value=value), tensor1, tensor2, name="addcdiv_")


__all__ = ["addcmul", "addcdiv"]
METHODS = {"addcmul": addcmul, "addcdiv": addcdiv, "addcmul_": addcmul_, "addcdiv_": addcdiv_}
