"""`Function`: an op with a forward and a backward, and `Node`, its place in the graph.

Each differentiable op is a subclass::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):          # y = e^x
            y = ...
            ctx.save_for_backward(y)
            return y
        @staticmethod
        def backward(ctx, g):         # dy/dx = e^x = y
            (y,) = ctx.saved_tensors
            return g * y

``Exp.apply(x)`` runs forward with grad mode off, and, when an input
requires grad, records a node (``ctx``, an instance of ``ExpBackward``) whose
``next_functions`` point at the nodes that made the inputs. Backward is
written in tensor ops, so running it with grad mode on (``create_graph``)
records the graph of the gradient itself: higher derivatives for free.
"""
from __future__ import annotations

import functools
import weakref
from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from .grad_mode import _GradState, no_grad
from . import anomaly_mode


class Node:
    """A node of the backward graph; it is also the ``ctx`` of its Function's forward."""

    _function: "type[Function]"
    # rarely used state lives on the class until set, to keep creating a node cheap
    _saved: tuple | None = None
    _to_save: tuple = ()
    _released = False
    _pre_hooks: dict | None = None  # output_nr -> hooks registered on that output tensor
    _retains: dict | None = None  # output_nr -> the retain_grad hook, which runs after the others
    _hooks: list | None = None
    _prehooks: list | None = None
    _dirty: tuple = ()
    _non_diff: tuple = ()
    _materialize = True
    _anomaly_trace: str | None = None
    _view_version = -1  # for a node that made a view: the storage version then (a later one means stale)
    _out_meta: tuple = ()
    _in_meta: tuple = ()
    _edges: tuple = ()  # one per forward argument: (node, output_nr), or None where no gradient flows
    _tensor_args: tuple = ()  # which forward arguments were tensors; empty when all were
    _args: tuple = ()  # the forward's arguments, kept only while nothing is recorded (see __getattr__)
    _name: str | None = None  # set by a forward whose variant PyTorch names differently (SumBackward0/1)
    _recording = False  # True while apply records this node: a forward saves tensors only then
    _opmath = False  # True for mytorch's own ops: a float16 / bfloat16 backward computes in float32 (see _apply)
    _widen = False  # True while such a backward runs: saved_tensors gives half tensors in float32

    def name(self) -> str:
        return self._name or type(self).__name__

    def __getattr__(self, name: str) -> Any:
        # needs_input_grad is set when the node is recorded; otherwise (no_grad, or no input requiring
        # grad) it is computed on demand, so the fast path of every op skips building it
        if name == "needs_input_grad":
            return tuple(isinstance(a, Tensor) and a._requires_grad for a in self._args)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the edges: one per tensor argument, ``(None, 0)`` where no gradient flows."""
        kinds = self._tensor_args or (True,) * len(self._edges)
        return tuple(e or (None, 0) for e, is_tensor in zip(self._edges, kinds) if is_tensor)

    # ---- the ctx API used by forward -------------------------------------
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        self._to_save = tensors

    def mark_dirty(self, *tensors: Tensor) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = value

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            if self._released:
                raise RuntimeError(
                    "Trying to backward through the graph a second time (or directly access saved tensors "
                    "after they have already been freed). Saved intermediate values of the graph are freed "
                    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
                    f"backward through the graph a second time (in {self.name()}).")
            return tuple(_widened(t) for t in self._to_save) if self._widen else self._to_save
        out = []
        for t, version, out_nr, creator in self._saved:
            if version is None:  # a non-tensor value (a Python number, None) saved as is
                out.append(t)
                continue
            if t._version_counter[0] != version:
                self._raise_modified(t, version, out_nr, creator)
            if out_nr is not None:  # re-link a saved output to this node only while it is used
                t = Tensor._make(t._data, t._backend, requires_grad=True)
                t._grad_fn = self
                t._output_nr = out_nr
            out.append(t)
        return tuple(_widened(t) for t in out) if self._widen else tuple(out)

    def _raise_modified(self, t: Tensor, version: int, out_nr: int | None, creator: tuple | None) -> None:
        if out_nr is not None:
            what = f", which is output {out_nr} of {self.name()},"
        elif creator is not None:
            what = f", which is output {creator[1]} of {creator[0].name()},"
        else:
            what = ", a leaf tensor,"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"[torch.{t.dtype.scalar_name}Tensor {list(t.shape)}]{what} is at version {t._version_counter[0]}; "
            f"expected version {version} instead. It was saved for the backward of {self.name()}; the in-place "
            "operation that modified it ran after the forward pass. Hint: use .clone() before modifying it, or "
            "enable anomaly detection to find the operation that failed to compute its gradient.")

    def _release(self) -> None:
        if self._saved is not None or self._to_save:
            self._released = True
        self._saved = None
        self._to_save = ()

    # ---- hooks -------------------------------------------------------------
    def _tensor_hooks(self, output_nr: int) -> list:
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(output_nr, [])

    def _retain_hook(self, output_nr: int, fn) -> None:
        if self._retains is None:
            self._retains = {}
        self._retains[output_nr] = fn

    def register_hook(self, fn) -> Any:
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward."""
        from .._tensor import _RemovableHandle
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn) -> Any:
        """``fn(grad_outputs)`` runs before this node's backward; it may return new grad_outputs."""
        from .._tensor import _RemovableHandle
        if self._prehooks is None:
            self._prehooks = []
        self._prehooks.append(fn)
        return _RemovableHandle(self._prehooks, fn)

    def _apply(self, grads: tuple) -> tuple:
        # PyTorch's half-precision kernels compute in float32 ("opmath") and round once: a built-in op's backward
        # given float16 / bfloat16 gradients runs on them and its saved tensors in float32; the engine rounds each
        # input's gradient to the input's dtype once, afterwards
        if self._opmath and any(isinstance(g, Tensor) and g.dtype in _HALF for g in grads):
            self._widen = True
            try:
                return self._function.backward(self, *(_widened(g) for g in grads))
            finally:
                del self._widen
        return self._function.backward(self, *grads)


_HALF = (D.float16, D.bfloat16)


def _widened(t: Any) -> Any:
    """t in float32 when it is a float16 / bfloat16 tensor, else t."""
    return t.float() if isinstance(t, Tensor) and t.dtype in _HALF else t


class AccumulateGrad(Node):
    """The node of a leaf tensor: the engine adds the incoming gradient to ``variable.grad``."""

    _out_meta = ((None, None),)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable


def accumulator(leaf: Tensor) -> AccumulateGrad:
    """The AccumulateGrad node of a leaf, kept weakly by the leaf: the graph owns it, and while a graph
    holds it every use of the leaf shares it."""
    ref = leaf._acc_ref
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._acc_ref = weakref.ref(node)
    return node


class Function:
    """Base class of differentiable ops, built-in and user-defined (``mytorch.autograd.Function``)."""

    _backward_cls: type[Node]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("_grad_name") or cls.__name__ + "Backward"
        cls._backward_cls = type(name, (Node,), {"_function": cls, "__module__": cls.__module__,
                                                 "_opmath": cls.__module__.startswith("mytorch.")})
        if cls.setup_context is Function.setup_context:
            cls._forward = cls.forward
        else:  # PyTorch 2's style: forward(*args) without ctx, then setup_context(ctx, inputs, output)
            cls._forward = staticmethod(_forward_then_setup(cls.forward, cls.setup_context))

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Node, inputs: tuple, output: Any) -> None:
        """Override (with a ctx-less ``forward(*args)``) to fill ctx from the inputs and the output."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Node, *grads: Tensor) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        # the hot path of every op: keep it to a few attribute reads when nothing requires grad
        ctx = cls._backward_cls()
        if not _GradState.enabled:
            ctx._args = args
            out = cls._forward(ctx, *args, **kwargs)
        else:
            requires = False
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    requires = True
                    break
            if requires:
                ctx._recording = True
                ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            else:
                ctx._args = args
            _GradState.enabled = False  # forward's inner tensor ops must not record
            try:
                out = cls._forward(ctx, *args, **kwargs)
            finally:
                _GradState.enabled = True
            if requires:
                return _link(ctx, args, out)
        for t in ctx._dirty:
            t._version_counter[0] += 1
        return out


def _forward_then_setup(forward, setup_context):
    def run(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        out = forward(*args, **kwargs)
        setup_context(ctx, args, out)
        return out
    return run


def once_differentiable(backward):
    """Decorate a backward that is not written in differentiable ops: it runs under no_grad, and a
    second derivative through it raises instead of being silently wrong."""
    @functools.wraps(backward)
    def wrapper(ctx: Node, *grads: Any) -> Any:
        with no_grad():
            outs = backward(ctx, *grads)
        tracked = [g for g in grads if isinstance(g, Tensor) and g._requires_grad]
        if not (_GradState.enabled and tracked):
            return outs
        single = not isinstance(outs, tuple)
        wrapped = tuple(_DelayedError.apply(o, *tracked) if isinstance(o, Tensor) else o
                        for o in ((outs,) if single else outs))
        return wrapped[0] if single else wrapped
    return wrapper


def _holds(items: tuple, t: Tensor) -> bool:
    """Whether `t` itself (not an equal tensor) is one of `items`."""
    for x in items:
        if x is t:
            return True
    return False


def _refresh_view(view: Tensor) -> Node:
    """The grad_fn of a view whose storage was modified in place since its node was recorded."""
    from ..ops.inplace import refresh_view_history
    refresh_view_history(view)
    return view._grad_fn


def _link(ctx: Node, args: tuple, out: Any) -> Any:
    """Connect ctx into the graph: edges to the inputs' nodes, outputs pointing at ctx."""
    edges = []
    in_meta = []
    all_tensors = True
    for a, need in zip(args, ctx.needs_input_grad):
        if need:
            fn = a._grad_fn
            if fn is None:
                edges.append((accumulator(a), 0))
            else:
                if a._base is not None and fn._view_version != a._version_counter[0]:
                    fn = _refresh_view(a)
                edges.append((fn, a._output_nr))
            in_meta.append((a._data.shape, a._backend.dtype_of(a._data)))
        else:
            edges.append(None)
            in_meta.append(None)
            if all_tensors and not isinstance(a, Tensor):
                all_tensors = False
    ctx._edges = tuple(edges)
    ctx._in_meta = tuple(in_meta)
    if not all_tensors:
        ctx._tensor_args = tuple([isinstance(a, Tensor) for a in args])
    if anomaly_mode._AnomalyState.enabled:
        ctx._anomaly_trace = anomaly_mode.current_stack()

    if type(out) is Tensor and not ctx._dirty and not ctx._non_diff and not _holds(args, out):
        # the common case, inline: one fresh output tensor (its _output_nr is already 0)
        data = out._data
        dt = out._backend.dtype_of(data)
        if dt._differentiable:
            out._grad_fn = ctx
            out._requires_grad = True
            if out._base is not None:
                ctx._view_version = out._version_counter[0]
        ctx._out_meta = ((data.shape, dt),)
        result = out
        linked = (out,)
    elif isinstance(out, tuple):
        linked, out_meta = [], []
        for i, o in enumerate(out):
            o, meta = _link_output(ctx, o, i, args)
            linked.append(o)
            out_meta.append(meta)
        ctx._out_meta = tuple(out_meta)
        result = tuple(linked)
    else:
        result, meta = _link_output(ctx, out, 0, args)
        linked = (result,)
        ctx._out_meta = (meta,)

    if ctx._to_save:
        saved = []
        for t in ctx._to_save:
            if not isinstance(t, Tensor):
                saved.append((t, None, None, None))
                continue
            nr = None
            if t._grad_fn is ctx:  # only outputs point at ctx: inputs skip the search
                for i, o in enumerate(linked):
                    if o is t:
                        nr = i
                        break
            if nr is not None:
                # store outputs without their grad_fn: no ctx -> output -> ctx cycle
                saved.append((t.detach(), t._version_counter[0], nr, None))
            else:  # an input, or a non-differentiable output: saved as is
                creator = (t._grad_fn, t._output_nr) if t._grad_fn is not None else None
                saved.append((t, t._version_counter[0], None, creator))
        ctx._saved = tuple(saved)
        ctx._to_save = ()
    return result


def _link_output(ctx: Node, o: Any, i: int, args: tuple) -> tuple[Any, tuple]:
    """Make output `i` of ctx's forward point at ctx; returns it (a new alias if it was an input) and its
    (shape, dtype)."""
    if not isinstance(o, Tensor):
        return o, (None, None)
    dirty = ctx._dirty and _holds(ctx._dirty, o)
    if dirty:
        _check_dirty(ctx, o)
        o._version_counter[0] += 1
    elif _holds(args, o):
        o = o.detach()  # forward returned an input: the output is a new tensor on the same data
    dt = o._backend.dtype_of(o._data)
    if dt._differentiable and not (ctx._non_diff and _holds(ctx._non_diff, o)):
        if dirty and o._base is not None:
            _rebase_dirty_view(ctx, o, i)
        else:
            o._grad_fn = ctx
            o._output_nr = i
            o._requires_grad = True
            if o._base is not None:
                ctx._view_version = o._version_counter[0]
    return o, (o._data.shape, dt)


def _check_dirty(ctx: Node, t: Tensor) -> None:
    """A tensor marked dirty follows the in-place rules: not a leaf that requires grad, nor a view of one."""
    from ..ops.inplace import check_leaf
    check_leaf(t, ctx.name())


def _rebase_dirty_view(ctx: Node, view: Tensor, i: int) -> None:
    """A view modified in place by ctx's forward: its base's history must see the write too."""
    from ..ops.inplace import rebase_view
    written = Tensor._make(view._data, view._backend, requires_grad=True)
    written._grad_fn, written._output_nr = ctx, i
    rebase_view(view, written)


class _DelayedError(Function):
    """Passes a value through; its backward raises (a once_differentiable backward differentiated twice)."""

    @staticmethod
    def forward(ctx: Node, value: Tensor, *grads: Tensor) -> Tensor:
        return value.detach()

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Any:
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
