"""What a side-by-side workload is: one step written against PyTorch's API, built for either framework.

A workload module defines ``build(torch, framework) -> Workload``. `torch` is the framework's top-level
module (``torch`` itself, or ``mytorch`` standing in for it); `framework` names it, for the few workloads
whose model comes from each framework's own model zoo. The same seed is set on both sides before
``build``, so a training workload starts from the same weights and data in both, and its first loss is a
check that the two compute the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional


@dataclass
class Workload:
    """One measured step and what it produces.

    ``step()`` runs one step and returns its loss (training) or a checksum of its output (inference), or
    None; ``items`` is how many units (samples, tokens, ops, FLOPs) one step processes, in ``unit``.
    """
    step: Callable[[], Optional[float]]
    items: float
    unit: str
    training: bool = True
