"""``torch.sparse``: the ops on sparse tensors (`mytorch/ops/sparse.py` and `sparse_compressed.py` hold the
layouts, the neighbouring `sparse_*.py` modules the ops)."""
from __future__ import annotations

from ..ops.blas import addmm  # beta mat + alpha mat1 @ mat2 with a sparse mat1: mm dispatches on the layout
from ..ops.sparse import mm, sparse_sum as sum  # noqa: A004  (PyTorch's name)
from ..ops.sparse_sampled_addmm import sampled_addmm
from ..ops.sparse_softmax import log_softmax, softmax

__all__ = ["addmm", "log_softmax", "mm", "sum", "sampled_addmm", "softmax"]
