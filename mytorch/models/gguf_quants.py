"""GGUF block quantization formats, dequantized to float32 with mytorch ops on the raw bytes.

A quantized GGUF tensor is stored row by row; each row is a run of blocks of 32 weights, and each
block carries its own scale (and offset) as IEEE half-precision numbers followed by small integers:

    Q4_0  (18 bytes): d (f16), 16 bytes of 4-bit q               w = d * (q - 8)
    Q4_1  (20 bytes): d (f16), m (f16), 16 bytes of 4-bit q      w = d * q + m
    Q8_0  (34 bytes): d (f16), 32 signed bytes q                 w = d * q

In the 4-bit formats byte j of a block holds weight j in its low nibble and weight j + 16 in its
high nibble. Everything is little-endian. (ggml's block layouts, as documented in the gguf package.)
"""
from __future__ import annotations

from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.binary import where
from ..ops.creation import empty
from ..ops.joining import cat

BLOCK = 32  # weights per block in every format here
# Blocks decoded at a time: a decoder's temporaries (nibbles, scales, products) are several times the size of its
# output, so a large matrix (SmolLM2's 49152 x 576 embedding) is decoded in slices of 2M weights into one result.
_CHUNK_BLOCKS = 1 << 16

__all__ = ["BLOCK_BYTES", "dequantize", "half_from_bytes"]


def half_from_bytes(lo: Tensor, hi: Tensor) -> Tensor:
    """IEEE binary16 values from their little-endian bytes, as float32 (exact: every half fits).

    With bits = 256 hi + lo: sign s = bit 15, exponent e = bits 10-14, fraction f = bits 0-9, and
        value = (-1)^s 2^(e - 15) (1 + f / 1024)   for 0 < e < 31
        value = (-1)^s 2^(-14) f / 1024             for e = 0 (zero and subnormals).
    e = 31 (inf, nan) is not a valid block scale and is not special-cased.
    """
    hi, lo = hi.to(D.int32), lo.to(D.int32)
    sign = 1 - 2 * (hi // 128)
    e = (hi % 128) // 4
    f = ((hi % 4) * 256 + lo).to(D.float32) / 1024
    normal = 2.0 ** (e - 15).to(D.float32) * (1 + f)
    subnormal = f * 2.0 ** -14
    return sign * where(e > 0, normal, subnormal)


def _nibbles(q: Tensor) -> Tensor:
    """(..., 16) bytes -> (..., 32) 4-bit values: the low nibbles, then the high ones."""
    q = q.to(D.int32)
    return cat([q % 16, q // 16], -1)


def _q4_0(b: Tensor) -> Tensor:
    d = half_from_bytes(b[..., 0], b[..., 1]).unsqueeze(-1)
    return d * (_nibbles(b[..., 2:]) - 8)


def _q4_1(b: Tensor) -> Tensor:
    d = half_from_bytes(b[..., 0], b[..., 1]).unsqueeze(-1)
    m = half_from_bytes(b[..., 2], b[..., 3]).unsqueeze(-1)
    return d * _nibbles(b[..., 4:]) + m


def _q8_0(b: Tensor) -> Tensor:
    d = half_from_bytes(b[..., 0], b[..., 1]).unsqueeze(-1)
    q = b[..., 2:].to(D.int32)
    return d * where(q >= 128, q - 256, q)  # two's complement int8


_FORMATS: dict[str, tuple[int, Callable[[Tensor], Tensor]]] = {
    "Q4_0": (18, _q4_0), "Q4_1": (20, _q4_1), "Q8_0": (34, _q8_0)}
BLOCK_BYTES = {name: size for name, (size, _) in _FORMATS.items()}


def dequantize(raw: Tensor, kind: str, shape: tuple[int, ...]) -> Tensor:
    """The float32 tensor of `shape` stored in `raw` (uint8, the rows' bytes) in block format `kind`."""
    if kind not in _FORMATS:
        raise NotImplementedError(f"GGUF tensor type {kind} is not supported; supported quantized types: "
                                  f"{', '.join(_FORMATS)} (and F32, F16)")
    size, decode = _FORMATS[kind]
    if raw.numel() * BLOCK != size * _numel(shape):
        raise ValueError(f"GGUF {kind} tensor of shape {list(shape)} needs {_numel(shape) // BLOCK * size} bytes, "
                         f"got {raw.numel()}")
    blocks = raw.reshape(-1, size)
    if blocks.shape[0] <= _CHUNK_BLOCKS:
        return decode(blocks).reshape(shape)
    out = empty((blocks.shape[0], BLOCK), dtype=D.float32)
    for start in range(0, blocks.shape[0], _CHUNK_BLOCKS):
        out[start:start + _CHUNK_BLOCKS] = decode(blocks[start:start + _CHUNK_BLOCKS])
    return out.reshape(shape)


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
