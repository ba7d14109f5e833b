"""Fused optimizer steps: one backend kernel per parameter updates it and its state buffers in place.

An optimizer step written in tensor ops costs a temporary and a copy-back per
in-place op (``ops.inplace``); a backend kernel (math in
`backends.base.Backend.adam_update` & co.) writes straight into the storage.
These steps are not differentiable: optimizers run them under ``no_grad``.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._util import backend_of
from .inplace import check_leaf

__all__: list[str] = []
METHODS: dict = {}


def fused_update(kernel: str, param: Tensor, grad: Tensor, *state: Tensor | None, **hyper) -> None:
    """Run backend kernel ``kernel`` (e.g. ``"adam_update"``) on param, grad and param's state tensors
    (None for an absent buffer), then bump the version counter of every tensor it wrote."""
    check_leaf(param, kernel)
    if grad._data.shape != param._data.shape or grad.dtype is not param.dtype:
        raise RuntimeError(f"{kernel}: the gradient ({grad.dtype}, shape {list(grad.shape)}) must match its "
                           f"parameter ({param.dtype}, shape {list(param.shape)})")
    be = backend_of(param, grad, *state)
    getattr(be, kernel)(param._data, grad._data, *(None if s is None else s._data for s in state), **hyper)
    param._version_counter[0] += 1
    for s in state:
        if s is not None:
            s._version_counter[0] += 1
