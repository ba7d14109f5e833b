"""torch.hash_tensor: an xor of the elements' 64-bit patterns over the reduced dims.

    hash(x) = XOR_i bits64(x_i),  bits64(x) = the bits of float64(x) for a floating x, of int64(x) otherwise

(int8 -1 is 0xFFFF_FFFF_FFFF_FFFF, float32 1.5 is 0x3FF8_0000_0000_0000), as a uint64 tensor. Not
differentiable; complex and the limited-support dtypes (uint16/32/64, complex32) raise as PyTorch's CPU does.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ._util import wrap_dims
from .joining import cat


def _xor_last(x: Tensor) -> Tensor:
    """x's last dim xor-reduced, by halves: log2(n) elementwise xors (an odd length gets a zero, xor's identity)."""
    while x.shape[-1] > 1:
        if x.shape[-1] % 2:
            x = cat([x, x.new_zeros((*x.shape[:-1], 1))], -1)
        half = x.shape[-1] // 2
        x = x[..., :half] ^ x[..., half:]
    return x[..., 0]


def hash_tensor(input: Tensor, dim=(), *, keepdim: bool = False, mode: int = 0) -> Tensor:
    """The xor of the elements' 64-bit patterns (float64 bits for floating inputs, int64 bits otherwise) over `dim`
    (every dim when it is None or empty), a uint64 tensor."""
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    dt = input.dtype
    if dt.is_complex or dt in D.LIMITED:
        raise NotImplementedError(f"\"xor_sum_cpu\" not implemented for '{dt.scalar_name}'")
    every = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    axes = tuple(range(input.ndim)) if every else wrap_dims(dim, input.ndim, "hash_tensor")
    if input.ndim == 0:
        axes = ()
    if every and input.numel() == 0:
        raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. Specify the "
                           "reduction dim with the 'dim' argument.")
    for a in axes:
        if input.shape[a] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {a} to have non-zero size.")
    x = input.detach()
    bits = x.double().view(D.int64) if dt.is_floating_point else x.long()
    kept = [a for a in range(input.ndim) if a not in axes]
    rows = bits.permute(*kept, *axes).reshape(*[input.shape[a] for a in kept], -1)
    out = _xor_last(rows)
    if keepdim:
        out = out.reshape([1 if a in axes else n for a, n in enumerate(input.shape)])
    return out.view(D.uint64)


METHODS = {"hash_tensor": hash_tensor}
__all__ = ["hash_tensor"]
