"""``torch.masked``: reductions and normalizations over the entries a boolean mask selects. The ops live in
mytorch/ops/masked.py (their math there); this package names them as PyTorch does."""
from __future__ import annotations

from ..ops.masked import (amax, amin, argmax, argmin, cumprod, cumsum, log_softmax, logaddexp, logsumexp, mean,
                          median, norm, normalize, prod, softmax, softmin, std, sum, var)

__all__ = ["amax", "amin", "argmax", "argmin", "cumprod", "cumsum", "log_softmax", "logaddexp", "logsumexp", "mean",
           "median", "norm", "normalize", "prod", "softmax", "softmin", "std", "sum", "var"]
