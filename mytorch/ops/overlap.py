"""PyTorch's refusal of in-place writes whose input partly shares the written-to memory (``x[1:] = x[:-1]``).

Written element by element, such a write would read inputs it has already overwritten, so PyTorch checks each
input against the written-to tensor by their memory ranges [data_ptr, data_ptr + numel * itemsize):
- full overlap, the same tensor or the same range with the same strides (each element reads itself): allowed;
- partial overlap, ranges that intersect otherwise (``x[1:]`` and ``x[:-1]``, ``m`` and ``m.t()``): refused;
- none, disjoint ranges or an empty tensor: allowed.
A tensor whose elements do not tile their range (``x[::2]``, an expanded view) is too hard to judge and PyTorch
lets the write go ahead, as does mytorch (whose writes read every input before writing). A 0-d input is a
scalar to PyTorch's kernels and is not checked (``x[1:].mul_(x[1])``).
Some out= arguments are checked more strictly (`check_no_overlap`): cat's inputs, index_select's, gather's input,
a scatter's src may not share any memory with out, the same tensor included (PyTorch's message is the same).
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor

PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location. Please clone() the tensor before performing the operation.")


def _dense(t: Tensor) -> bool:
    """Whether t's elements fill their memory range exactly: its dims of size > 1, by increasing stride, have
    strides 1, size_0, size_0 * size_1, ..."""
    expected = 1
    for stride, size in sorted((st, s) for s, st in zip(t.shape, t.stride()) if s != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _span(t: Tensor) -> tuple[int, int]:
    start = t.data_ptr()
    return start, start + t.numel() * t.itemsize


def _overlaps(written: Tensor, input: Any, full_allowed: bool) -> bool:
    if not isinstance(input, Tensor) or not input.numel() or not written.numel() \
            or input._backend is not written._backend:
        return False
    if input is written:
        return not full_allowed
    if not (_dense(written) and _dense(input)):
        return False
    (a0, a1), (b0, b1) = _span(written), _span(input)
    if (a0, a1) == (b0, b1) and tuple(written.stride()) == tuple(input.stride()):
        return not full_allowed
    return a0 < b1 and b0 < a1


def check_no_partial_overlap(written: Tensor, input: Any) -> None:
    """Raise PyTorch's RuntimeError when `input` partly overlaps the memory an in-place op writes (`written`)."""
    if not (isinstance(input, Tensor) and input.ndim == 0) and _overlaps(written, input, full_allowed=True):
        raise RuntimeError(PARTIAL_OVERLAP)


def check_no_overlap(written: Tensor, input: Any) -> None:
    """Raise PyTorch's RuntimeError when `input` shares any memory with `written`, the same tensor included."""
    if _overlaps(written, input, full_allowed=False):
        raise RuntimeError(PARTIAL_OVERLAP)
