"""``torch.sparse``: the ops on sparse tensors (`mytorch/ops/sparse.py` and `sparse_compressed.py` hold the
layouts, the neighbouring `sparse_*.py` modules the ops)."""
from __future__ import annotations

from .._tensor import Tensor
from ..ops.blas import _scaled_sum
from ..ops.sparse import mm, sparse_sum as sum  # noqa: A004  (PyTorch's name)
from ..ops.sparse_sampled_addmm import sampled_addmm
from ..ops.sparse_invariants import check_sparse_tensor_invariants
from ..ops.sparse_softmax import log_softmax, softmax
from ..ops.sparse_spdiags import spdiags


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta input + alpha mat1 @ mat2 for a sparse mat1, differentiated as `mm` (``torch.sparse.mm``): mat1's
    gradient alpha G mat2^T masked to mat1's pattern, in its layout (``torch.addmm``'s is dense)."""
    return _scaled_sum(input, beta, mm(mat1, mat2), alpha)


__all__ = ["addmm", "check_sparse_tensor_invariants", "log_softmax", "mm", "sum", "sampled_addmm", "softmax", "spdiags"]
