"""``torch.compile``: mytorch has no graph compiler, and compiling never changes what a model computes,
so `compile` returns the model (or function) itself, which then runs eagerly."""
from __future__ import annotations

import warnings
from typing import Any, Callable

__all__ = ["compile"]


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: str | Callable = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """`model` unchanged (with a one-line warning that it runs eagerly); used as ``@compile(...)`` with
    no model, a decorator that does the same."""
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable)
    if not callable(model):
        raise RuntimeError("torch.compile: the model must be callable")
    if not disable:
        warnings.warn("torch.compile: mytorch has no compiler; the model runs eagerly", stacklevel=2)
    return model
