"""ONNX translations of the tensor ops: elementwise math, comparisons, where, floor division, casts, views and
shapes, basic indexing, arange."""
from __future__ import annotations

import numpy as np
from onnx import helper

from .. import _dtype as D
from .._tensor import Tensor
from ..ops._trace import OpCall
from ._graph import ONNX_DTYPE, Graph
from ._registry import symbolic

_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow", "Maximum": "Max", "Minimum": "Min"}
_INT64_MAX = np.iinfo(np.int64).max
_UNARY = {"Neg": "Neg", "Abs": "Abs", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Tanh": "Tanh", "Sin": "Sin",
          "Cos": "Cos", "Relu": "Relu", "Sigmoid": "Sigmoid", "Erf": "Erf"}


def operand(g: Graph, x, like: Tensor) -> str:
    """x's value; a Python number becomes a constant of `like`'s dtype (ONNX does not promote)."""
    if isinstance(x, Tensor):
        return g.value(x)
    return g.initializer(np.asarray(x, dtype=helper.tensor_dtype_to_np_dtype(ONNX_DTYPE[like.dtype])))


@symbolic(*_BINARY)
def binary(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's elementwise binary ops: the ONNX node of the same op, numbers made constants of
    the output's dtype.
    """
    a, b = call.args[:2]
    out = call.outputs[0]
    return [g.op(_BINARY[call.name], operand(g, a, out), operand(g, b, out))]


_COMPARISONS = {"eq": "Equal", "ne": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater",
                "ge": "GreaterOrEqual"}


def _promoted(g: Graph, x, dtype: D.dtype) -> str:
    """x's value in `dtype` (a Cast where its dtype differs; numbers become constants of it)."""
    if not isinstance(x, Tensor):
        return g.initializer(np.asarray(x, dtype=helper.tensor_dtype_to_np_dtype(ONNX_DTYPE[dtype])))
    return g.value(x) if x.dtype is dtype else g.op("Cast", g.value(x), to=ONNX_DTYPE[dtype])


@symbolic(*_COMPARISONS)
def comparison(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's comparisons, both sides in their promoted dtype: Equal, Less, LessOrEqual,
    Greater, GreaterOrEqual; ne is Not(Equal)."""
    a, b = call.args
    dtype = D.result_type(a, b)
    out = g.op(_COMPARISONS[call.name], _promoted(g, a, dtype), _promoted(g, b, dtype))
    return [g.op("Not", out) if call.name == "ne" else out]


@symbolic("Where")
def where(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's where (and masked_fill): one Where node, both sides in the output's dtype."""
    cond, a, b = call.args
    dtype = call.outputs[0].dtype
    return [g.op("Where", g.value(cond), _promoted(g, a, dtype), _promoted(g, b, dtype))]


@symbolic("FloorDivide")
def floor_divide(g: Graph, call: OpCall) -> list:
    """floor(a / b): Floor(Div) for floats; for integers ONNX's Div truncates toward zero, so q = Div(a, b) is
    lowered by one where the remainder r = a - q b is nonzero with the sign opposite to b's (r b < 0)."""
    a, b = call.args
    dtype = call.outputs[0].dtype
    x, y = _promoted(g, a, dtype), _promoted(g, b, dtype)
    if dtype.is_floating_point:
        return [g.op("Floor", g.op("Div", x, y))]
    q = g.op("Div", x, y)
    zero = g.initializer(np.zeros((), dtype=helper.tensor_dtype_to_np_dtype(ONNX_DTYPE[dtype])))
    below = g.op("Less", g.op("Mul", g.op("Sub", x, g.op("Mul", q, y)), y), zero)
    return [g.op("Sub", q, g.op("Cast", below, to=ONNX_DTYPE[dtype]))]


@symbolic(*_UNARY)
def unary(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's elementwise unary ops: the ONNX node of the same op."""
    return [g.op(_UNARY[call.name], g.value(call.args[0]))]


@symbolic("Rsqrt")
def rsqrt(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's rsqrt: Reciprocal(Sqrt(x))."""
    return [g.op("Reciprocal", g.op("Sqrt", g.value(call.args[0])))]


@symbolic("ToCopy")
def to_copy(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's dtype casts: one Cast node."""
    return [g.op("Cast", g.value(call.args[0]), to=ONNX_DTYPE[call.args[1]])]


@symbolic("View", "Reshape")
def reshape(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's reshapes and views: one Reshape node to the recorded output shape."""
    return [g.reshape(call.args[0], tuple(call.outputs[0].shape))]


@symbolic("Permute")
def permute(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's permute: one Transpose node."""
    return [g.op("Transpose", g.value(call.args[0]), perm=list(call.args[1]))]


@symbolic("Expand")
def expand(g: Graph, call: OpCall) -> list:
    """Broadcast to the output's shape; a dim the input already has is given as 1 (Expand keeps the input's
    own size there, whatever it is at run time), only the new sizes are spelled out."""
    x, out_shape = call.args[0], tuple(call.outputs[0].shape)
    in_shape = (None,) * (len(out_shape) - x.ndim) + tuple(x.shape)
    return [g.op("Expand", g.value(x), g.sizes([1 if i == n else n for i, n in zip(in_shape, out_shape)]))]


@symbolic("Cat")
def cat(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's cat: one Concat node, the inputs cast to the output's dtype first (ONNX does
    not promote); legacy empty (0,) inputs, which cat skips, are left out."""
    dim, *xs = call.args
    out = call.outputs[0]
    kept = [x for x in xs if tuple(x.shape) != (0,) or x.ndim == out.ndim]
    values = [g.value(x) if x.dtype is out.dtype else g.op("Cast", g.value(x), to=ONNX_DTYPE[out.dtype]) for x in kept]
    return [g.op("Concat", *values, axis=dim % out.ndim)]


@symbolic("SplitViews")
def split_views(g: Graph, call: OpCall) -> list:
    """Pieces (start, length) along dim, each squeezed away when ``squeeze`` (unbind)."""
    x, dim, pieces, squeeze = call.args
    dim = dim % x.ndim
    outs = []
    for start, length in pieces:
        piece = g.op("Slice", g.value(x), g.const([start]), g.const([start + length]), g.const([dim]))
        outs.append(g.op("Squeeze", piece, g.const([dim])) if squeeze else piece)
    return outs


@symbolic("getitem")
def getitem(g: Graph, call: OpCall) -> list:
    """Basic indexing, item by item: None -> Unsqueeze, a slice -> Slice (ONNX reads negative bounds as
    PyTorch does), an integer -> Gather of a scalar index, which drops the dim."""
    x, key = call.args
    if Ellipsis in key:
        i = key.index(Ellipsis)
        rest = x.ndim - sum(k is not None and k is not Ellipsis for k in key)
        key = key[:i] + (slice(None),) * rest + key[i + 1:]
    v, axis = g.value(x), 0  # axis: where the next key item acts in the value built so far
    for k in key:
        if k is None:
            v = g.op("Unsqueeze", v, g.const([axis]))
            axis += 1
        elif isinstance(k, slice):
            if k != slice(None):
                stop = g.const([_INT64_MAX]) if k.stop is None else g.size(k.stop) if k.stop > 0 else g.const([k.stop])
                v = g.op("Slice", v, g.const([k.start or 0]), stop, g.const([axis]), g.const([k.step or 1]))
            axis += 1
        else:
            v = g.op("Gather", v, g.const(k), axis=axis)
    return [v]


@symbolic("arange")
def arange(g: Graph, call: OpCall) -> list:
    """Range(start, end, step); a bound that is a dynamic axis's size is read from the input's shape."""
    start, end, step, _ = call.args
    dtype = ONNX_DTYPE[call.outputs[0].dtype]

    def scalar(n):
        if g.depends_on_size(n):
            return g.op("Cast", g.op("Squeeze", g.size(n)), to=dtype)
        return g.initializer(np.asarray(n, dtype=helper.tensor_dtype_to_np_dtype(dtype)))
    return [g.op("Range", scalar(start), scalar(end), scalar(step))]


@symbolic("Extreme")
def extreme(g: Graph, call: OpCall) -> list:
    """amax/amin (min/max over all dims when axes is None)."""
    x, axes, keepdim, name = call.args
    op = "ReduceMax" if name in ("max", "amax") else "ReduceMin"
    inputs = [g.value(x)] + ([] if axes is None else [g.const(list(axes))])
    return [g.op(op, *inputs, keepdims=int(bool(keepdim)))]


@symbolic("full_like")
def full_like(g: Graph, call: OpCall) -> list:
    """A tensor of input's shape filled with one value (zeros_like, ones_like, full_like); None for empty_like."""
    x, value = call.args
    out = call.outputs[0]
    fill = helper.make_tensor("value", ONNX_DTYPE[out.dtype], [1], [0 if value is None else value])
    return [g.op("ConstantOfShape", g.op("Shape", g.value(x)), value=fill)]


def _axes(g: Graph, x: Tensor, axes) -> list:
    """The axes input of a Reduce* node (none: every axis)."""
    return [] if axes is None else [g.const([a % max(x.ndim, 1) for a in axes])]


@symbolic("Sum")
def reduce_sum(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's sum: ReduceSum over the axes (after a Cast when a dtype is given)."""
    x, axes, keepdim, dt = call.args
    v = g.value(x) if dt is None or dt is x.dtype else g.op("Cast", g.value(x), to=ONNX_DTYPE[dt])
    return [g.op("ReduceSum", v, *_axes(g, x, axes), keepdims=int(bool(keepdim)))]


@symbolic("VectorNorm")
def vector_norm(g: Graph, call: OpCall) -> list:
    """||x||_2 (ReduceL2) and ||x||_1 (ReduceL1)."""
    x, p, axes, keepdim = call.args
    if p not in (1.0, 2.0):
        raise NotImplementedError(f"mytorch.onnx: vector_norm with p={p} is not translated (p = 1 or 2 are)")
    return [g.op("ReduceL2" if p == 2.0 else "ReduceL1", g.value(x), *_axes(g, x, axes), keepdims=int(bool(keepdim)))]


@symbolic("Clamp")
def clamp(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's clamp: one Clip node with the bounds as inputs."""
    x, lo, hi = call.args
    out = call.outputs[0]
    bound = (lambda b: "" if b is None else operand(g, b, out))
    return [g.op("Clip", g.value(x), bound(lo), bound(hi))]
