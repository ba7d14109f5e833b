"""``mytorch.utils.checkpoint``: activation checkpointing, trading a second forward for memory.

``checkpoint(fn, *args)`` runs ``fn`` without recording a graph, so none of the activations inside it are
kept: only its inputs (and the random state, so that dropout draws the same numbers twice). When the
gradient reaches its outputs, backward runs ``fn`` again, this time recording, and backpropagates the
incoming gradients through that fresh graph: parameters used inside ``fn`` accumulate their gradients
there, and the inputs' gradients are handed on. The result equals backpropagation without
checkpointing; what a block of L layers keeps drops from its L activations to its one input.

``use_reentrant=False`` records the checkpoint even when no input requires grad, so parameters inside
``fn`` still get gradients (PyTorch's non-reentrant form); ``True`` (and PyTorch's default, ``None``)
records it only when an input requires grad, as PyTorch's reentrant form does.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from ..autograd.engine import backward as _backward
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..ops.creation import zeros
from ..ops.random import get_rng_state, set_rng_state

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    """y = fn(*args) without a graph; backward re-runs fn with one and backpropagates through it."""

    _grad_name = "CheckpointFunctionBackward"

    @staticmethod
    def forward(ctx, run_fn, preserve_rng_state, kwargs, anchor, *args):
        ctx.run_fn, ctx.kwargs = run_fn, kwargs
        ctx.rng_state = get_rng_state() if preserve_rng_state else None
        ctx.slots = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.others = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.slots])
        with no_grad():
            return run_fn(*args, **kwargs)

    @staticmethod
    def backward(ctx, *grads):
        args = list(ctx.others)
        for i, t in zip(ctx.slots, ctx.saved_tensors):
            args[i] = t.detach().requires_grad_(t.requires_grad)
        saved_rng = None
        if ctx.rng_state is not None:  # replay the forward's random numbers, then continue the stream
            saved_rng = get_rng_state()
            set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_fn(*args, **ctx.kwargs)
        finally:
            if saved_rng is not None:
                set_rng_state(saved_rng)
        outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        arg_grads = tuple(a.grad if isinstance(a, Tensor) and a.requires_grad else None for a in args)
        return (None, None, None, None) + arg_grads


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None, context_fn: Any = None,
               determinism_check: str = "default", debug: bool = False, preserve_rng_state: bool = True,
               **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its activations recomputed in backward instead of kept (see the
    module docstring). ``context_fn`` (selective checkpointing) is not supported."""
    if context_fn is not None:
        raise NotImplementedError("checkpoint(): context_fn (selective activation checkpointing) is not "
                                  "supported by mytorch")
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    anchor = zeros((), requires_grad=True) if use_reentrant is False else None
    return _Checkpoint.apply(function, preserve_rng_state, kwargs, anchor, *args)


def checkpoint_sequential(functions: Iterable[Callable] | Any, segments: int, input: Tensor,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Tensor:
    """Run a sequence of modules (or an nn.Sequential) in `segments` checkpointed chunks; the last chunk
    runs normally, since its activations are needed at once for the backward that follows."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = len(functions) // segments

    def run(start: int, end: int) -> Callable[[Tensor], Tensor]:
        def forward(x: Tensor) -> Tensor:
            for f in functions[start:end]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end + 1), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions))(input)
