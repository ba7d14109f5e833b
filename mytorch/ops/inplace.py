"""In-place ops: compute out of place, then write the result into the tensor's storage.

PyTorch's rules, enforced here for every in-place op:
- a leaf that requires grad can't be modified in place while grad mode is on;
- the version counter (shared by a tensor and its views) is bumped, so a
  backward that saved the old value raises instead of using a wrong one;
- when the graph is being recorded, the tensor takes the new op as its
  ``grad_fn``; if it is a view, its base is rebased too (`CopySlices`), so a
  gradient through the base sees the write.
"""
from __future__ import annotations

from typing import Callable

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from .overlap import check_no_partial_overlap
from .views import ScatterIntoZeros, ViewScatter


def write_result(x: Tensor, result: Tensor, name: str) -> None:
    """Write `result` (x's shape, a dtype x's can hold) into x's memory; `name` prefixes the errors (``add_``,
    ``add()`` for out=)."""
    xd, rd = x.dtype, result.dtype
    if rd._category > xd._category:
        raise RuntimeError(f"{name}: result type {rd.scalar_name} can't be cast to the desired output "
                           f"type {xd.scalar_name}")
    if result._data.shape != x._data.shape:
        raise RuntimeError(f"{name}: output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(result.shape)}")
    try:
        x._backend.assign(x._data, result._data)
    except ValueError:
        raise RuntimeError(f"{name}: unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location (an expanded view). Please clone() the tensor "
                           "before performing the operation.") from None


def check_leaf(x: Tensor, name: str) -> None:
    """Raise PyTorch's RuntimeError when an in-place op would modify a leaf that requires grad while grad mode is on.
    """
    if not _GradState.enabled:
        return
    if x._requires_grad and x._grad_fn is None:
        raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place operation ({name}).")
    base = x._base
    if base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(f"a view of a leaf Variable that requires grad is being used in an in-place "
                           f"operation ({name}).")


def inplace(x: Tensor, fn: Callable[..., Tensor], *others, name: str = "inplace",
            check_overlap: bool = True) -> Tensor:
    """x <- fn(x, *others), in x's storage, with autograd history when recording. An input in `others` that
    partly overlaps x is refused, as PyTorch does, unless the caller checked what it writes itself
    (`check_overlap` False: ``x[1:4] = v`` writes only x[1:4])."""
    check_leaf(x, name)
    for other in others if check_overlap else ():
        check_no_partial_overlap(x, other)
    recording = _GradState.enabled and (
        x._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)
        or (x._base is not None and x._base._requires_grad))
    if not recording:
        prev = _GradState.enabled
        _GradState.enabled = False
        try:
            out = fn(x, *others)
        finally:
            _GradState.enabled = prev
        write_result(x, out, name)
        x._version_counter[0] += 1
        return x
    out = fn(x.clone(), *others)  # a clone: fn may save its input, which is about to be overwritten
    if out.dtype is not x.dtype:
        out = out.to(x.dtype)
    write_result(x, out, name)
    x._version_counter[0] += 1
    if x._base is not None:
        rebase_view(x, out)
    else:
        if x._requires_grad and (name in ("fill_", "copy_") or not out._requires_grad):
            out = Overwritten.apply(x, out, name)
        x._grad_fn, x._output_nr, x._requires_grad = out._grad_fn, out._output_nr, out._requires_grad
    return x


class Overwritten(Function):
    """x <- a value that does not depend on x (fill_, zero_, copy_): y = value;  d old = 0, d value = dy.

    The old x stays an input, so it gets a zero gradient rather than none, as in PyTorch, and x keeps
    requiring grad even when the value does not."""

    _grad_name = "FillBackward0"

    @staticmethod
    def forward(ctx, old, value, name):
        if name == "copy_":
            ctx._name = "CopyBackwards"
        return value.detach()

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape), g, None


class CopySlices(Function):
    """base' = base with view_fn(base') = v;  d base = g with the view zeroed, dv = view_fn(g)."""

    _grad_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, v, view_fn):
        ctx.meta = (base.shape, view_fn, v.shape)
        return base.detach()  # the write already happened in storage

    @staticmethod
    def backward(ctx, g):
        shape, view_fn, view_shape = ctx.meta
        covered = ScatterIntoZeros.apply(g.detach().new_ones(view_shape), shape, view_fn)
        return g * (1 - covered), ViewScatter.apply(g, view_fn, "AsStridedBackward0"), None


def _view_fn(x: Tensor) -> Callable[[Tensor], Tensor]:
    """The view x takes of its base's storage, as a function replaying it on any tensor shaped like the base."""
    base = x._base
    if not base._backend.is_contiguous(base._data):
        raise RuntimeError("in-place on a view of a non-contiguous tensor that takes part in autograd is not "
                           "supported; clone() the base first")
    shape, strides = x.shape, x.stride()
    offset = x.storage_offset() - base.storage_offset()

    def view_fn(t: Tensor) -> Tensor:
        return Tensor._make(t._backend.as_strided(t._data, shape, strides, offset), t._backend)
    return view_fn


def rebase_view(x: Tensor, out: Tensor) -> None:
    """View x was overwritten in place with `out` (which carries the new history): the base becomes
    `CopySlices` of its old self and out, and x a view of that new base."""
    base = x._base
    view_fn = _view_fn(x)
    new_base = CopySlices.apply(base, out, view_fn)
    base._grad_fn, base._output_nr, base._requires_grad = new_base._grad_fn, 0, True
    view = ViewScatter.apply(base, view_fn, "AsStridedBackward0")
    x._grad_fn, x._output_nr, x._requires_grad = view._grad_fn, 0, True


def refresh_view_history(x: Tensor) -> None:
    """Re-derive view x's grad_fn from its base's current history.

    An in-place op through the base or through a sibling view changes values x
    shows, so the node x was made by is stale; the engine calls this when it
    sees x's storage version moved past the one its node was recorded at.
    """
    if x._base._requires_grad:
        view = ViewScatter.apply(x._base, _view_fn(x), "AsStridedBackward0")
        x._grad_fn, x._output_nr = view._grad_fn, 0
