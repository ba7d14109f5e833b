"""PyTorch-style ``repr`` of tensors."""
from __future__ import annotations

from . import _dtype as D


def tensor_repr(t) -> str:
    host = t._backend.to_host(t._data)
    dt = t.dtype
    body = repr(host.tolist())
    suffix = []
    if dt not in (D.float32, D.int64, D.bool_) and dt is not D.get_default_dtype():
        suffix.append(f"dtype={dt}")
    if t._grad_fn is not None:
        suffix.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"
