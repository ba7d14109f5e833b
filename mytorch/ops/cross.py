"""The cross product of 3-vectors along a dim, composed from selects, products and a stack.

    c = a x b:  c0 = a1 b2 - a2 b1,  c1 = a2 b0 - a0 b2,  c2 = a0 b1 - a1 b0

a and b broadcast. Derivatives with G = dL/dc: dL/da = b x G, dL/db = G x a (autograd derives them
through the products and the stack).
"""
from __future__ import annotations

import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ._util import reject_complex32
from .joining import broadcast_tensors, stack


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product along dim, which both inputs must have of size 3; dim=None takes input's first dim
    of size 3 (deprecated, with PyTorch's warning)."""
    reject_complex32(D.result_type(input, other), "cross")
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
                      "agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = input._wrap_dim(dim, "linalg.cross")
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a, b = broadcast_tensors(input, other)
    (a0, a1, a2), (b0, b1, b2) = a.unbind(d), b.unbind(d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


__all__ = ["cross"]
METHODS = {"cross": cross}
