"""Distinct slices along a dim (`unique(dim=)`) and runs of equal neighbours (`unique_consecutive`).

Both see the input as N rows, one per index along dim (the other dims flattened into each row). A run is a
maximal block of consecutive equal rows; `unique_consecutive` keeps the first row of each run. `unique` along
a dim first sorts the rows lexicographically (a stable sort by each column, last column first, so the first
column decides), after which equal rows are neighbours and its runs are the distinct rows:
    output = rows[first of each run],  inverse[i] = the run of row i,  counts[k] = length of run k.
No gradient (the results are selections and integers).
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ._util import reject_complex32
from ..autograd.grad_mode import no_grad
from .creation import arange, ones, zeros
from .joining import cat


def _rows(input: Tensor, dim: int, op: str) -> tuple[Tensor, int]:
    """(rows (N, M), dim wrapped): input with dim moved first and the other dims flattened."""
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = input._wrap_dim(dim, op)
    if input.numel() == 0 and input.shape[dim] != 0:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    moved = input.movedim(dim, 0)
    return moved.reshape(moved.shape[0], math.prod(moved.shape[1:])), dim


def _runs(rows: Tensor) -> tuple[Tensor, Tensor]:
    """(starts, run): starts[i] is true where row i differs from row i - 1 (always for row 0); run[i] is the
    index of the run row i belongs to."""
    n = rows.shape[0]
    if n == 0:
        return zeros(0, dtype=D.bool_, device=rows.device), zeros(0, dtype=D.int64, device=rows.device)
    differs = (rows[1:] != rows[:-1]).any(1) if rows.shape[1] else zeros(n - 1, dtype=D.bool_, device=rows.device)
    starts = cat([ones(1, dtype=D.bool_, device=rows.device), differs])
    return starts, starts.to(D.int64).cumsum(0) - 1


def _results(input: Tensor, rows: Tensor, dim: int | None, order: Tensor | None, inverse_shape: tuple,
             return_inverse: bool, return_counts: bool):
    """output (and inverse, counts) from rows already in run order; order[j] is the input row at position j
    (None: the identity)."""
    starts, run = _runs(rows)
    kept = rows[starts]
    if dim is None:
        output = kept.reshape(-1)
    else:
        other = tuple(input.movedim(dim, 0).shape[1:])
        output = kept.reshape((kept.shape[0],) + other).movedim(0, dim)
    if not (return_inverse or return_counts):
        return output
    result = [output]
    if return_inverse:
        inverse = run if order is None else zeros(run.shape[0], dtype=D.int64, device=run.device).index_put(
            (order,), run)
        result.append(inverse.reshape(inverse_shape))
    if return_counts:
        result.append(zeros(kept.shape[0], dtype=D.int64, device=run.device).index_add(
            0, run, ones(run.shape[0], dtype=D.int64, device=run.device)))
    return tuple(result)


def unique_dim(input: Tensor, dim: int, return_inverse: bool = False, return_counts: bool = False):
    """The distinct slices of input along dim, in lexicographic order (PyTorch sorts here whatever `sorted`
    says), with the inverse map (input = output.index_select(dim, inverse)) and counts when asked."""
    reject_complex32(input.dtype, "unique_dim")
    with no_grad():
        rows, dim = _rows(input, dim, "unique")
        order = arange(rows.shape[0], device=input.device)
        for col in range(rows.shape[1] - 1, -1, -1):
            order = order[rows[order, col].argsort(stable=True)]
        return _results(input, rows[order], dim, order, (rows.shape[0],), return_inverse, return_counts)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Input with each run of equal consecutive elements (or slices along dim) reduced to its first, with the
    inverse map (shape of input, or (size(dim),)) and the length of each run when asked."""
    reject_complex32(input.dtype, "unique" if dim is None else "unique_dim")
    with no_grad():
        if dim is None:
            return _results(input, input.reshape(-1, 1), None, None, tuple(input.shape), return_inverse,
                            return_counts)
        rows, dim = _rows(input, dim, "unique_consecutive")
        return _results(input, rows, dim, None, (rows.shape[0],), return_inverse, return_counts)


__all__ = ["unique_consecutive"]
METHODS = {"unique_consecutive": unique_consecutive}
