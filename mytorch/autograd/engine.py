"""The backward engine: reverse-mode differentiation over the recorded graph.

1. Count, for every node reachable from the roots, how many edges point at it.
2. Run nodes whose count reached zero (every gradient for them has arrived):
   call the node's backward on its summed output gradients, fit each result
   to its input (un-broadcast by summing, cast to the input's dtype) and add
   it to the buffer of the next node.
The loop is iterative, so a 10,000-op chain needs no recursion. Leaf nodes
(`AccumulateGrad`) add into ``.grad``. `grad()` (and ``backward(inputs=...)``)
capture the gradients reaching the inputs instead, and run only the nodes
that lie on a path to them.
"""
from __future__ import annotations

import sys
from typing import Callable, Sequence

from .._tensor import Tensor
from .anomaly_mode import _AnomalyState
from .function import AccumulateGrad, Node, _refresh_view, accumulator
from .grad_mode import _GradState


def sum_to(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to `shape`: the one place un-broadcasting happens.

    If y = broadcast(x) then dL/dx = sum of dL/dy over the broadcast dims.
    """
    lead = g.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    if dims:
        g = g.sum(dims, keepdim=True)
    return g.reshape(shape) if lead or g.shape != shape else g


def _fit(g: Tensor, meta: tuple, node: Node, i: int) -> Tensor:
    """Gradient `g` for input `i` of `node`, summed to the input's shape and cast to its dtype."""
    shape, dt = meta
    gshape = g._data.shape
    if gshape != shape:
        # the input must broadcast to the gradient's shape (PyTorch's rule); then sum back over those dims
        lead = len(gshape) - len(shape)
        if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, gshape[lead:])):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                               f"{list(gshape)} but expected shape compatible with {list(shape)}")
        g = sum_to(g, shape)
    if g.dtype is not dt:
        # a real input of a complex op takes the real part (PyTorch's handle_r_to_c), not a warning cast
        g = (g.real if g.dtype.is_complex and not dt.is_complex else g).to(dt)
    return g


def _check_anomaly(node: Node, grads: tuple) -> None:
    for i, g in enumerate(grads):
        if isinstance(g, Tensor) and bool(g.detach().isnan().any()):
            trace = node._anomaly_trace or "(no forward trace: the node was made outside detect_anomaly)"
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                               f"Traceback of forward call that caused the error:\n{trace}")


def _call_hook(hook, g: Tensor) -> Tensor:
    r = hook(g)
    if r is None:
        return g
    if r.shape != g.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value: it returned "
                           f"shape {list(r.shape)} for a gradient of shape {list(g.shape)}")
    return r


def _leaf_hooks(var: Tensor, g: Tensor) -> Tensor:
    for hook in var._hooks:
        g = _call_hook(hook, g)
    return g


def _tensor_hooks(node: Node, grads: list) -> None:
    """Hooks registered on the node's output tensors, then their retain_grad hooks (PyTorch's order)."""
    if node._pre_hooks:
        for nr, hooks in node._pre_hooks.items():
            if grads[nr] is not None:
                for hook in list(hooks):
                    grads[nr] = _call_hook(hook, grads[nr])
    if node._retains:
        for nr, keep in node._retains.items():
            if grads[nr] is not None:
                keep(grads[nr])


def _accumulate(t: Tensor, g: Tensor, create_graph: bool, engine_refs: int = 0) -> None:
    """t.grad += g (a new tensor with create_graph, so the gradient's own graph is kept).

    The first gradient becomes ``.grad`` itself when nothing else can see its memory, as PyTorch's
    AccumulateGrad "steals" it: `engine_refs` is how many references the caller holds to g (0: never
    adopt). Otherwise it is copied, since it may be shared with another buffer, a hook, the user's
    gradient or a view of one. Later gradients add into ``.grad``'s memory.
    """
    grad = t.grad
    if grad is None:
        if create_graph:
            t.grad = g
        elif _adoptable(g, engine_refs):
            t.grad = g.detach() if g._requires_grad else g
        else:
            t.grad = g.detach().clone()
    elif create_graph:
        t.grad = _grad_sum(grad, g)
    elif g.layout != grad.layout:  # one sparse, one dense: the sum is dense, as PyTorch's AccumulateGrad
        t.grad = _grad_sum(grad, g.detach())
    elif grad.dtype is g.dtype and grad._data.shape == g._data.shape and grad._backend.is_contiguous(grad._data):
        grad._backend.add_(grad._data, g._data)  # straight to the kernel: this runs once per parameter per step
        grad._version_counter[0] += 1
    else:
        grad.add_(g.detach())


def _grad_sum(a: Tensor, b: Tensor) -> Tensor:
    """a + b for two gradients of one tensor in any layouts: dense + sparse in either order is dense, as in
    PyTorch's engine (a sparse tensor's own add takes only a sparse tensor, as PyTorch's does)."""
    return b + a if a.layout != "strided" and b.layout == "strided" else a + b


def _adoptable(g: Tensor, engine_refs: int) -> bool:
    """Whether no one but the engine refers to g or its memory. getrefcount counts its own argument, and
    the references here: the caller's `engine_refs`, _accumulate's parameter and this one's."""
    return (sys.getrefcount(g) <= engine_refs + 3 and g._grad_fn is None and sys.getrefcount(g._data) == 2
            and g._backend.owns_memory(g._data))


def _discover(roots: Sequence[tuple[Node, int]], parents: dict | None) -> dict[Node, int]:
    """For every node reachable from the roots, how many edges point at it (and, if asked, its parents)."""
    deps: dict[Node, int] = {}
    stack = list(dict.fromkeys(n for n, _ in roots))  # a node reached by several roots counts its edges once
    seen = set(stack)
    while stack:
        n = stack.pop()
        for e in n._edges:
            if e is not None:
                m = e[0]
                deps[m] = deps.get(m, 0) + 1
                if parents is not None:
                    parents.setdefault(m, []).append(n)
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
    return deps


def _ancestors(targets: set, parents: dict) -> set:
    """Nodes with a path of at least one edge to a target: the only ones whose backward must run."""
    found: set = set()
    stack = list(targets)
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in found:
                found.add(p)
                stack.append(p)
    return found


# One list per backward pass in progress (a hook may start another): what runs when that pass ends.
_final_callbacks: list[list[Callable[[], None]]] = []


def queue_callback(callback: Callable[[], None]) -> None:
    """Run `callback()` when the backward pass now running has finished (every gradient accumulated):
    DistributedDataParallel waits for its all-reduces there."""
    if not _final_callbacks:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    _final_callbacks[-1].append(callback)


def _execute(roots: Sequence[tuple[Node, int]], root_grads: Sequence[Tensor], retain_graph: bool,
             create_graph: bool, capture: set | None = None) -> dict:
    """Run backward from `roots`. Without `capture`, every node runs and leaves accumulate into ``.grad``;
    with a set of (node, output_nr) keys, only the nodes leading to them run and their gradients are
    returned (after the tensors' hooks), keyed the same way."""
    parents: dict | None = None if capture is None else {}
    deps = _discover(roots, parents)
    run = None if capture is None else _ancestors({n for n, _ in capture}, parents)
    buffers: dict[Node, list] = {}
    for (n, nr), g in zip(roots, root_grads):
        _add(buffers, n, nr, g)
    ready = [n for n in dict.fromkeys(n for n, _ in roots) if deps.get(n, 0) == 0]
    captured: dict = {}
    prev_mode = _GradState.enabled
    _GradState.enabled = create_graph
    _final_callbacks.append([])
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is not None and (node._pre_hooks or node._retains):
                _tensor_hooks(node, grads)
            if type(node) is AccumulateGrad:
                g = None if grads is None else grads[0]
                grads = None  # then the local g is the engine's only reference to the gradient
                if g is not None:
                    var = node.variable
                    if var._hooks:
                        g = _leaf_hooks(var, g)
                    if capture is None:
                        _accumulate(var, g, create_graph, engine_refs=1)
                        post = var.__dict__.get("_post_accumulate_grad_hooks")
                        if post:
                            for hook in tuple(post):
                                hook(var)
                    elif (node, 0) in capture:
                        captured[node, 0] = g
                continue
            if capture is not None:
                if grads is not None:
                    for nr, g in enumerate(grads):
                        if g is not None and (node, nr) in capture:
                            captured[node, nr] = g
                if node not in run:
                    continue
            try:
                outs = _run_node(node, grads, retain_graph)
            except Exception as e:
                if node._anomaly_trace is not None:  # recorded under detect_anomaly: say where the node was made
                    e.add_note(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                               f"error:\n{node._anomaly_trace}")
                raise
            for i, (e, g, meta) in enumerate(zip(node._edges, outs, node._in_meta)):
                if e is None:
                    continue
                m, nr = e
                if g is not None:
                    if g._data.shape != meta[0] or g._backend.dtype_of(g._data) is not meta[1]:
                        g = _fit(g, meta, node, i)
                    _add(buffers, m, nr, g)
                deps[m] -= 1
                if deps[m] == 0:
                    ready.append(m)
            outs = g = None  # the gradients now live in the buffers alone
        callbacks = _final_callbacks[-1]
        while callbacks:  # a callback may queue another
            callbacks.pop(0)()
    finally:
        _GradState.enabled = prev_mode
        _final_callbacks.pop()
    return captured


def _run_node(node: Node, grads: list | None, retain_graph: bool) -> tuple:
    n_in = len(node._edges)
    if grads is None:
        outs = (None,) * n_in
    else:
        if node._prehooks:
            for hook in node._prehooks:
                r = hook(tuple(grads))
                if r is not None:
                    grads = list(r)
        if len(grads) > 1 and node._materialize:  # a single-output node's buffer always holds its gradient
            like = next(g for g in grads if g is not None)
            for i, g in enumerate(grads):
                if g is None:
                    shape, dt = node._out_meta[i]
                    if shape is not None:
                        grads[i] = _full(like, shape, 0, dt)
        outs = node._apply(tuple(grads))
        if not isinstance(outs, tuple):
            outs = (outs,)
        if len(outs) != n_in:
            if len(outs) > n_in and all(o is None for o in outs[n_in:]):
                outs = outs[:n_in]
            else:
                raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(outs)})")
        if _AnomalyState.enabled and _AnomalyState.check_nan:
            _check_anomaly(node, outs)
        if node._hooks:
            for hook in node._hooks:
                r = hook(outs, tuple(grads))
                if r is not None:
                    outs = tuple(r)
    if not retain_graph:
        node._release()
    return outs


def _full(like: Tensor, shape: tuple, value: float, dt) -> Tensor:
    """A constant gradient (ones at the roots, zeros for unused outputs) on the backend of `like`."""
    be = like._backend
    return Tensor._make(be.full(shape, value, dt), be)


def _add(buffers: dict, node: Node, nr: int, g: Tensor) -> None:
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * len(node._out_meta)
    buf[nr] = g if buf[nr] is None else _grad_sum(buf[nr], g)


def _root_grads(tensors: Sequence[Tensor], grad_tensors, who: str) -> list[Tensor]:
    grads = []
    for i, t in enumerate(tensors):
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"({who} got an output of shape {list(t.shape)}; pass gradient=)")
            if t.dtype.is_complex:
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs ({who} got a "
                                   f"{t.dtype} output; pass gradient=)")
            g = _full(t, t._data.shape, 1, t.dtype)
        elif not isinstance(g, Tensor):
            from .. import tensor
            g = tensor(g, dtype=t.dtype)
        elif g.shape != t.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                               f"has a shape of {t.shape}.")
        grads.append(g)
    return grads


def _edge_of(t: Tensor) -> tuple[Node, int]:
    """(node, output_nr) where t's gradient enters the graph."""
    fn = t._grad_fn
    if fn is None:
        return accumulator(t), 0
    if t._base is not None and fn._view_version != t._version_counter[0]:
        fn = _refresh_view(t)
    return fn, t._output_nr


def _root_edges(tensors: Sequence[Tensor], who: str) -> list[tuple[Node, int]]:
    edges = []
    for i, t in enumerate(tensors):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn "
                               f"({who})")
        edges.append(_edge_of(t))
    return edges


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate gradients of `tensors` into ``.grad`` of the leaves, or only of `inputs` (leaves or not)
    when given (``mytorch.autograd.backward``)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    edges = _root_edges(tensors, "backward")
    grads = _root_grads(tensors, grad_tensors, "backward")
    if inputs is None:
        _execute(edges, grads, retain_graph, create_graph)
        return
    inputs = _as_tuple(inputs)
    keys = _input_keys(inputs, "backward")
    for t in inputs:
        if t._grad_fn is not None:  # a non-leaf input keeps its .grad from now on, as in PyTorch
            t.retain_grad()
    captured = _execute(edges, grads, retain_graph, create_graph, set(keys))
    for key, t in zip(keys, inputs):
        g = captured.get(key)
        if g is not None and t._grad_fn is None:
            _accumulate(t, g, create_graph)


def _input_keys(inputs: Sequence[Tensor], who: str) -> list[tuple[Node, int]]:
    if not inputs:
        raise RuntimeError(f"`inputs` argument to `{who}()` cannot be empty.")
    keys = []
    for i, t in enumerate(inputs):
        if not t._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i} of {who}) does not require grad")
        keys.append(_edge_of(t))
    return keys


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    """d(outputs)/d(inputs) * grad_outputs, returned instead of accumulated (``mytorch.autograd.grad``)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    edges = _root_edges(outputs, "grad")
    grads = _root_grads(outputs, grad_outputs, "grad")
    keys = _input_keys(inputs, "grad")
    captured = _execute(edges, grads, retain_graph, create_graph, set(keys))
    result = []
    for i, (key, t) in enumerate(zip(keys, inputs)):
        g = captured.get(key)
        if g is None:
            if materialize_grads:
                from .. import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not have been used "
                                   "in the graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)
