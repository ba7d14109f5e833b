"""`mytorch.onnx.export`: run the model once under an op trace, translate each traced op, write the model.

1. Trace (`mytorch.ops._trace`): the inputs are given ``requires_grad`` aliases so every op that touches
   them goes through ``Function.apply`` and is recorded, with the module that ran it (forward hooks keep
   a scope stack). The recurrent layers record their forward as one call (``nn.LSTM`` -> ONNX ``LSTM``,
   likewise ``nn.GRU`` and ``nn.RNN``; their subclasses too).
2. Translate (`_graph.Graph`): calls whose tensors are all constants are folded away; every other call is
   handed to its ``symbolic_*.py`` function, which appends ONNX nodes. A call without one raises
   `UnsupportedOperatorError` naming the op and the module.
3. Write: inputs and outputs with their dtypes and shapes, the axes named in ``dynamic_axes`` as symbolic
   dims, checked by ``onnx.checker``.
"""
from __future__ import annotations

import io
import os
from typing import Any, Mapping, Sequence

import onnx
from onnx import helper

from .. import nn
from .._tensor import Tensor
from ..ops._trace import OpTrace, flatten_tensors
from . import symbolic_nn, symbolic_ops, symbolic_rnn  # noqa: F401  (they fill the registry)
from ._graph import ONNX_DTYPE, Graph
from ._registry import SYMBOLICS
from .errors import UnsupportedOperatorError

DEFAULT_OPSET = 18  # the first opset where every Reduce* takes its axes as an input


def export(model: nn.Module, args: Any, f: Any, *, export_params: bool = True, verbose: bool = False,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           opset_version: int | None = None, dynamic_axes: Mapping[str, Any] | None = None,
           do_constant_folding: bool = True, **unused: Any) -> None:
    """Write `model`'s forward on `args` to `f` (a path or a binary file) as an ONNX model.

    ``args`` is a tensor or a tuple of them, optionally ending in a dict of keyword arguments, as in
    PyTorch. ``dynamic_axes`` maps an input or output name to ``{axis: "name"}`` or a list of axes. Constants
    are always folded (mytorch computed them while tracing)."""
    opset = opset_version or DEFAULT_OPSET
    if opset < DEFAULT_OPSET:
        raise ValueError(f"mytorch.onnx.export: opset_version {opset} is not supported; use {DEFAULT_OPSET} or later")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    kwargs = args[-1] if args and isinstance(args[-1], dict) else {}
    positional = args[:-1] if kwargs else args
    inputs = [a for a in (*positional, *kwargs.values()) if isinstance(a, Tensor)]
    input_names = list(input_names or [])
    input_names += [f"input_{i}" for i in range(len(input_names), len(inputs))]
    dynamic_axes = {k: (dict(v) if isinstance(v, Mapping) else {a: f"{k}_dim_{a}" for a in v})
                    for k, v in (dynamic_axes or {}).items()}

    # the inputs as requires-grad aliases of the same memory: every op on them is then recorded
    alias = {id(t): Tensor._make(t._data, t._backend, requires_grad=True) for t in inputs}
    swap = (lambda a: alias.get(id(a), a))
    was_training = model.training
    model.eval()  # PyTorch exports in eval mode (dropout off, batch norm on its running statistics)
    try:
        with _ScopedTrace(model) as trace:
            out = model(*map(swap, positional), **{k: swap(v) for k, v in kwargs.items()})
    finally:
        model.train(was_training)
    outputs = flatten_tensors(out)
    output_names = list(output_names or [])
    output_names += [f"output_{i}" for i in range(len(output_names), len(outputs))]

    dynamic_sizes = {}  # example size -> (input, axis); sizes_named: example size -> the axis's dim name
    sizes_named = {}
    for t, name in zip(inputs, input_names):
        for axis, dim in dynamic_axes.get(name, {}).items():
            if t.shape[axis] > 1:  # sizes 0 and 1 are everywhere (and PyTorch specializes them too)
                dynamic_sizes.setdefault(t.shape[axis], (name, axis))
                sizes_named.setdefault(t.shape[axis], dim)
    params = {id(p): n for n, p in model.state_dict(keep_vars=True).items()}
    g = Graph(params, dynamic_sizes)
    for t, name in zip(inputs, input_names):
        g.bind(alias[id(t)], name)
    modules = dict(model.named_modules())
    for call in trace.calls:
        tensors = flatten_tensors([*call.args, *call.kwargs.values()])  # incl. those in tuples: (h0, c0), packed
        if not any(map(g.is_dynamic, tensors)) and not g.depends_on_size(*call.args):
            continue  # constant folding: the outputs already hold their values
        fn = SYMBOLICS.get(call.name)
        if fn is None:
            raise UnsupportedOperatorError(call.name, call.scope, type(modules[call.scope]).__name__)
        for t, name in zip(call.outputs, fn(g, call)):
            g.bind(t, name)

    graph_outputs = []
    for t, name in zip(outputs, output_names):
        g.nodes.append(helper.make_node("Identity", [g.value(t)], [name], name=f"/output/{name}"))
        # an output's axes not named in dynamic_axes are dynamic where their size is a dynamic input size
        named = {i: sizes_named[n] for i, n in enumerate(t.shape) if n in sizes_named}
        graph_outputs.append(_value_info(name, t, {**named, **dynamic_axes.get(name, {})}))
    g.prune(output_names)
    graph = helper.make_graph(g.nodes, type(model).__name__,
                              [_value_info(n, t, dynamic_axes.get(n, {})) for n, t in zip(input_names, inputs)],
                              graph_outputs, g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="mytorch")
    onnx.checker.check_model(proto, full_check=True)
    if verbose:
        print(helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    elif isinstance(f, io.IOBase) or hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"mytorch.onnx.export: f must be a path or a binary file, got {type(f).__name__}")


def _value_info(name: str, t: Tensor, axes: Mapping[int, str]) -> onnx.ValueInfoProto:
    dims = [axes.get(i, axes.get(i - t.ndim)) or n for i, n in enumerate(t.shape)]
    return helper.make_tensor_value_info(name, ONNX_DTYPE[t.dtype], dims)


class _ScopedTrace(OpTrace):
    """An op trace that knows which module runs: forward hooks on every submodule push and pop its name."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model, self.handles = model, []

    def __enter__(self) -> "_ScopedTrace":
        super().__enter__()
        for name, m in self.model.named_modules():
            self.handles.append(m.register_forward_pre_hook(self._enter(name)))
            self.handles.append(m.register_forward_hook(self._exit))
        return self

    def _enter(self, name: str):
        def hook(module, inputs):
            self.scope.append(name)
        return hook

    def _exit(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self.scope.pop()

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        for h in self.handles:
            h.remove()
