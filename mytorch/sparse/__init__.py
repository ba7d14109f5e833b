"""``torch.sparse``: the ops on sparse COO tensors (`mytorch/ops/sparse.py` holds the layout and the ops)."""
from __future__ import annotations

from ..ops.sparse import mm, sampled_addmm, sparse_sum as sum  # noqa: A004  (PyTorch's name)

__all__ = ["mm", "sum", "sampled_addmm"]
