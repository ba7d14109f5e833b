"""Op tracing: a context that records every op a forward actually runs, with its inputs and outputs.

Every differentiable op is a `Function`; while an `OpTrace` is active, ``Function.apply`` is swapped for a
wrapper that runs the op as usual and appends an `OpCall` (the Function's name, its arguments, its
outputs, the module that ran it) to ``trace.calls``. Only the outermost op is recorded: the ops a
Function's forward runs inside it are its implementation (``depth`` counts the nesting). `traced` records a
larger piece as one call the same way (the recurrent layers' forward: ``nn.LSTM``, for `mytorch.onnx`).

Ops skip ``Function.apply`` when nothing requires grad, so a consumer that wants every op on a tensor
gives that tensor ``requires_grad`` (`mytorch.onnx` does so for the model's inputs). view and reshape take
``Function.apply`` whenever a trace is active: an input's int or bool descendants (lengths, a padding mask)
never require grad, yet their reshapes must be seen. Ops that are no
Function report themselves through `record_untraced`: the tensor factory whose result may depend on an
input's size (``arange``, ``full_like``) and the comparisons (bool results, no gradient), so that a consumer
never mistakes their results for constants.

Nothing is swapped outside the context: the ops' hot path pays nothing for tracing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import set_grad_enabled, is_grad_enabled


@dataclass
class OpCall:
    name: str  # the Function's class name ("Linear", "Permute"), a factory's name ("arange") or a module's
    args: tuple
    kwargs: dict
    outputs: tuple  # the output tensors, flattened
    scope: str  # the qualified name of the module whose forward ran the op ("" for the model itself)


@dataclass
class OpTrace:
    calls: list[OpCall] = field(default_factory=list)
    scope: list[str] = field(default_factory=lambda: [""])
    depth: int = 0

    def record(self, name: str, args: tuple, kwargs: dict, out: Any) -> None:
        if self.depth == 0:
            self.calls.append(OpCall(name, args, kwargs, tuple(flatten_tensors(out)), self.scope[-1]))

    def __enter__(self) -> "OpTrace":
        global current
        if current is not None:
            raise RuntimeError("an op trace is already active (tracing does not nest)")
        current = self
        self._grad = is_grad_enabled()
        set_grad_enabled(True)
        Function.apply = classmethod(_traced_apply)
        return self

    def __exit__(self, *exc: Any) -> None:
        global current
        Function.apply = _untraced_apply
        set_grad_enabled(self._grad)
        current = None


def flatten_tensors(x: Any) -> list[Tensor]:
    """The tensors in a (nested) tuple/list output, in order."""
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for y in x for t in flatten_tensors(y)]
    return []


current: OpTrace | None = None
_untraced_apply = Function.__dict__["apply"]


def _traced_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    trace = current
    trace.depth += 1
    try:
        out = _untraced_apply.__func__(cls, *args, **kwargs)
    finally:
        trace.depth -= 1
    trace.record(cls.__name__, args, kwargs, out)
    return out


def record_untraced(name: str, args: tuple, out: Tensor) -> None:
    """An op that is no Function (a factory, a comparison) reports its call (only while tracing)."""
    if current is not None:
        current.record(name, args, {}, out)


def traced(name: str, args: tuple, run: Any) -> Any:
    """``run()``, recorded as one call `name(*args)` while tracing (for ops whose Function takes a closure, and
    modules exported as one operator)."""
    if current is None:
        return run()
    current.depth += 1
    try:
        out = run()
    finally:
        current.depth -= 1
    current.record(name, args, {}, out)
    return out
