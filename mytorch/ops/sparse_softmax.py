"""``torch.sparse.softmax`` and ``torch.sparse.log_softmax`` of a COO tensor along one dim.

The entries a sparse tensor does not store count as -inf, not 0: along dim, each *line* (the stored entries
that agree on every other sparse dim, and each element of their dense blocks separately) is normalized over
its stored entries only,

    out_j = exp(v_j - m) / sum_{i in line(j)} exp(v_i - m)        (m = the line's largest value, for range)
    log_softmax: out_j = v_j - m - log sum_{i in line(j)} exp(v_i - m),

and the result is a coalesced sparse tensor on the input's coalesced pattern. Along a dense dim it is the
dense softmax of each stored block. Both are dense ops on the values (a per-line scatter of the maximum and an
index_add of the exponentials), so autograd gives PyTorch's gradient, out * (g - sum_line g out) for softmax
and g - exp(out) sum_line g for log_softmax, with g read at the output's pattern.
"""
from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .sorting import unique
from .sparse import FromValues, SparseCooTensor, SparseTensor, _linear, _unsupported, _values


def _sparse_input(input: Any) -> SparseCooTensor:
    """`input` when it is COO; otherwise PyTorch's error for the layout _sparse_softmax has no kernel for."""
    if isinstance(input, SparseCooTensor):
        return input
    if isinstance(input, SparseTensor):
        raise NotImplementedError(_unsupported("_sparse_softmax", input.layout) + " (mytorch.sparse.softmax takes "
                                  "a sparse COO tensor: call .to_sparse() first)")
    if isinstance(input, Tensor):
        raise NotImplementedError("Could not run 'aten::_sparse_softmax' with arguments from the 'CPU' backend: "
                                  "mytorch.sparse.softmax takes a sparse COO tensor, got a strided one (use "
                                  "mytorch.softmax for dense tensors)")
    raise TypeError(f"softmax(): argument 'input' must be Tensor, not {type(input).__name__}")


def _line_softmax(v: Tensor, line: Tensor, lines: int, log: bool) -> Tensor:
    """The (log-)softmax of the rows of `v` (nnz, *dense) within each group of rows sharing a `line` id."""
    at = line.reshape((-1,) + (1,) * (v.ndim - 1)).expand(v.shape)
    top = v.new_zeros((lines, *v.shape[1:])).scatter_reduce(0, at, v.detach(), "amax", include_self=False)
    shifted = v - top[line]
    total = v.new_zeros(top.shape).index_add(0, line, shifted.exp())[line]
    return shifted - total.log() if log else shifted.exp() / total


def _softmax(input: Any, dim: int, dtype: D.dtype | None, log: bool) -> SparseCooTensor:
    name = "log_softmax" if log else "softmax"
    s = _sparse_input(input)
    d = s._wrap_dim(dim, name)
    if dtype is not None:
        s = s.to(dtype)
    if not s.dtype.is_floating_point or s.dtype in (D.float16, D.bfloat16):
        raise NotImplementedError(f'"{name}" not implemented for \'{s.dtype.scalar_name}\' (mytorch.sparse.{name} '
                                  f"takes float32 or float64 values, or dtype= to convert them)")
    s = s.coalesce()
    v, k, size = _values(s), s.sparse_dim(), tuple(s.shape)
    if d >= k:  # a dense dim: each stored block is a whole line
        out = v.log_softmax(d - k + 1) if log else v.softmax(d - k + 1)
    elif s._nnz() == 0:
        out = v
    else:
        others = [i for i in range(k) if i != d]
        _, line = unique(_linear(s._indices_t[others], [size[i] for i in others]), sorted=True, return_inverse=True)
        out = _line_softmax(v, line, int(line.max()) + 1, log)
    return FromValues.apply(out, s._indices_t, size, True)


def softmax(input: Tensor, dim: int, dtype: D.dtype | None = None) -> SparseCooTensor:
    """The softmax of a sparse COO tensor along `dim` over its stored entries (see the module docstring),
    computed in `dtype` when given."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input: Tensor, dim: int, dtype: D.dtype | None = None) -> SparseCooTensor:
    """The log-softmax of a sparse COO tensor along `dim` over its stored entries (see the module docstring),
    computed in `dtype` when given."""
    return _softmax(input, dim, dtype, True)

