"""The ONNX graph being built from a trace: value names, nodes, initializers, and constant folding.

Every traced tensor gets one ONNX value name, keyed by the tensor's identity (the trace keeps each
tensor alive, so an id is never reused). A tensor is *dynamic* when it depends on the model's inputs;
any other tensor is a constant that mytorch has already computed while tracing, so an op whose inputs
are all constants needs no node: its output is written as an initializer when a dynamic op first uses
it. That is constant folding, with mytorch's own kernels as the evaluator. Parameters keep their
state_dict names.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import _dtype as D
from .._tensor import Tensor

ONNX_DTYPE = {D.float32: onnx.TensorProto.FLOAT, D.float64: onnx.TensorProto.DOUBLE,
              D.float16: onnx.TensorProto.FLOAT16, D.bfloat16: onnx.TensorProto.BFLOAT16,
              D.int64: onnx.TensorProto.INT64, D.int32: onnx.TensorProto.INT32, D.int16: onnx.TensorProto.INT16,
              D.int8: onnx.TensorProto.INT8, D.uint8: onnx.TensorProto.UINT8, D.bool_: onnx.TensorProto.BOOL}


class Graph:
    def __init__(self, param_names: dict[int, str], dynamic_sizes: dict[int, tuple[str, int]]) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.names: dict[Any, str] = {}  # id(tensor) -> value name (and derived constants' keys)
        self.dynamic: set[int] = set()  # ids of the tensors that depend on the inputs
        self.param_names = param_names
        # an example size -> (input value name, axis) of the dynamic axis that has it
        self.dynamic_sizes = dynamic_sizes
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"/{hint}_{self._count}"

    # ---- values ---------------------------------------------------------
    def is_dynamic(self, t: Any) -> bool:
        return isinstance(t, Tensor) and id(t) in self.dynamic

    def bind(self, t: Tensor, name: str) -> None:
        """Name the tensor an op (or the graph's input) produced; it depends on the inputs."""
        self.names[id(t)] = name
        self.dynamic.add(id(t))

    def value(self, t: Tensor) -> str:
        """t's value name; a constant becomes an initializer on first use."""
        name = self.names.get(id(t))
        if name is None:
            stored_transposed = self.names.get(("T", id(t)))
            if stored_transposed is not None:  # a tied weight (see transposed): one copy in the file
                name = self.op("Transpose", stored_transposed, perm=[1, 0])
            else:
                name = self.param_names.get(id(t)) or self.fresh("Constant")
                self.initializer(t.detach().contiguous().numpy(), name)
            self.names[id(t)] = name
        return name

    def transposed(self, w: Tensor) -> str:
        """A constant matrix's transpose as an initializer, named after the parameter (``<name>.T``).

        A weight the graph also reads as it is (a language model's output layer tied to its embedding) is stored
        once, and the other use reads it through a Transpose node: ONNX Runtime folds that node when it loads the
        model, and the file does not carry the matrix twice (Whisper tiny.en's 51864 x 384 embedding: 80 MB).
        """
        key = ("T", id(w))
        if key not in self.names:
            if id(w) in self.names:
                self.names[key] = self.op("Transpose", self.names[id(w)], perm=[1, 0])
            else:
                base = self.param_names.get(id(w))
                self.names[key] = self.initializer(w.detach().numpy().T, base and base + ".T")
        return self.names[key]

    def initializer(self, array: np.ndarray, name: str | None = None) -> str:
        name = name or self.fresh("Constant")
        self.initializers.append(numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def const(self, values: Any, dtype: Any = np.int64) -> str:
        """An initializer holding a small constant (shapes, axes, scalars)."""
        return self.initializer(np.asarray(values, dtype=dtype))

    def scalar_like(self, value: float, like: Tensor) -> str:
        return self.initializer(np.asarray(value, dtype=like.detach().numpy().dtype))

    # ---- nodes ----------------------------------------------------------
    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attrs: Any) -> Any:
        """Append one node; its output name (or names, for outputs > 1)."""
        outs = [self.fresh(op_type) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=outs[0].rsplit("_", 1)[0] + f"_n{self._count}",
                                           **attrs))
        return outs[0] if outputs == 1 else outs

    def prune(self, outputs: list[str]) -> None:
        """Drop the nodes no output needs (an op traced for its checks alone, such as an index bounds check)."""
        needed, kept = set(outputs), []
        for node in reversed(self.nodes):
            if needed.intersection(node.output):
                kept.append(node)
                needed.update(node.input)
        self.nodes = kept[::-1]
        self.initializers = [t for t in self.initializers if t.name in needed]

    # ---- sizes that may be dynamic --------------------------------------
    def size(self, n: int) -> str:
        """A 1-element int64 value holding the size n: read from the input's shape when n is the example
        size of a dynamic axis (the caveat of every tracer: choose example sizes no fixed dim shares)."""
        if n in self.dynamic_sizes:
            name, axis = self.dynamic_sizes[n]
            return self.op("Shape", name, start=axis, end=axis + 1)
        return self.const([n])

    def sizes(self, dims: list[int]) -> str:
        """A 1-D int64 value holding dims: a constant, unless one of them is a dynamic axis's size."""
        if not self.depends_on_size(*dims):
            return self.const(dims)
        return self.op("Concat", *(self.size(n) for n in dims), axis=0)

    def depends_on_size(self, *ints: Any) -> bool:
        return any(type(n) is int and n in self.dynamic_sizes for n in ints)

    def reshape(self, x: Tensor, shape: tuple[int, ...]) -> str:
        """Reshape x to `shape`, written so that it holds for other sizes of the dynamic axes: a dim that keeps
        its place and size is copied from x (0), and when one dim alone changes it is inferred (-1). When several
        change, the one that equals or is a multiple of a dynamic axis's example size, if only one does, is
        inferred: multi-head attention's (T N, E) -> (T, N, E) and (T, N, E) -> (T, N H, E / H) then hold for
        any batch N. Inferring a dim is right whenever the other changed dims are fixed, so a coincidence costs
        nothing."""
        in_shape = tuple(x.shape)
        target = [0 if i < len(in_shape) and n == in_shape[i] and n != 0 else n for i, n in enumerate(shape)]
        changed = [i for i, n in enumerate(target) if n != 0]
        sized = [i for i in changed if any(target[i] % n == 0 for n in self.dynamic_sizes if n > 1)]
        if len(changed) == 1 or len(sized) == 1:
            target[(changed if len(changed) == 1 else sized)[0]] = -1
        return self.op("Reshape", self.value(x), self.const(target))
