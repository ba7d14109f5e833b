"""The table from traced op names to their ONNX translations (the ``symbolic_*.py`` files fill it).

A symbolic function takes the graph and one `OpCall` and returns the ONNX value names of the call's output
tensors, in order.
"""
from __future__ import annotations

from typing import Callable

from ..ops._trace import OpCall
from ._graph import Graph

Symbolic = Callable[[Graph, OpCall], list]
SYMBOLICS: dict[str, Symbolic] = {}


def symbolic(*names: str) -> Callable[[Symbolic], Symbolic]:
    """Register the decorated function as the ONNX translation of the ops called `names`."""
    def register(fn: Symbolic) -> Symbolic:
        for name in names:
            SYMBOLICS[name] = fn
        return fn
    return register
