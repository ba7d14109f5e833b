"""``torch.signal.windows``: SciPy's window functions. They live in mytorch/ops/windows.py (their formulas in
its module docstring); this package names them as PyTorch does."""
from __future__ import annotations

from ...ops.windows import (bartlett, blackman, cosine, exponential, gaussian, general_cosine, general_hamming,
                            hamming, hann, kaiser, nuttall)

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]
