"""ONNX translations of the neural-network ops: linear, convolution, pooling, normalization, embedding,
activations, softmax and scaled-dot-product attention."""
from __future__ import annotations

import math

import numpy as np
from onnx import TensorProto, helper

from ..ops._trace import OpCall
from ._graph import Graph
from ._registry import symbolic


@symbolic("Linear")
def linear(g: Graph, call: OpCall) -> list:
    """y = x W^T + b: ONNX's Gemm for a matrix x; otherwise MatMul with W^T folded into an initializer."""
    x, w, b = call.args[:3]
    if x.ndim == 2:
        return [g.op("Gemm", g.value(x), g.value(w), *([] if b is None else [g.value(b)]), transB=1)]
    wt = g.op("Transpose", g.value(w), perm=[1, 0]) if g.is_dynamic(w) else g.transposed(w)
    y = g.op("MatMul", g.value(x), wt)
    return [y if b is None else g.op("Add", y, g.value(b))]


@symbolic("MatMul")
def matmul(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's matmul: one MatMul node."""
    return [g.op("MatMul", g.value(call.args[0]), g.value(call.args[1]))]


@symbolic("Convolution")
def convolution(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's convolution: one Conv node, or one ConvTranspose node when transposed.

    A transposed convolution's output size per spatial dim is (n - 1) s - 2 p + d (k - 1) + 1 + e, where e is
    PyTorch's ``output_padding``; the traced op carries the output size, so e is recovered from it. ONNX's
    ConvTranspose takes the weight in PyTorch's layout (C_in, C_out / groups, *kernel).

    When e >= s (PyTorch allows e below the dilation too) the traced end padding is p - s * (e // s), possibly
    negative (ops/conv.py, ``_adjoint_pads``), and the e recovered is e % s. ONNX wants pads >= 0 and ONNX Runtime
    output_padding < s, so such a dim is computed with end pad 0 and the outputs past the last one any input
    reaches (zeros) are appended by a Pad node; the bias is then added after it."""
    x, w, b, stride, padding, dilation, groups, transposed, spatial = call.args
    pads = [p[0] for p in padding] + [p[1] for p in padding]  # ONNX: all begins, then all ends
    inputs = [g.value(x), g.value(w)] + ([] if b is None else [g.value(b)])
    geometry = dict(strides=list(stride), pads=pads, dilations=list(dilation), group=groups)
    if not transposed:
        return [g.op("Conv", *inputs, **geometry)]
    extra = [out - ((n - 1) * s - p0 - p1 + d * (k - 1) + 1)
             for out, n, s, (p0, p1), d, k in zip(spatial, x.shape[2:], stride, padding, dilation, w.shape[2:])]
    cropped = [p1 < 0 for _, p1 in padding]
    if not any(cropped):
        return [g.op("ConvTranspose", *inputs, output_padding=extra, **geometry)]
    nd = len(spatial)
    appended = [e - p1 if c else 0 for e, (_, p1), c in zip(extra, padding, cropped)]
    geometry["pads"] = pads[:nd] + [0 if c else p1 for (_, p1), c in zip(padding, cropped)]
    y = g.op("ConvTranspose", *inputs[:2], output_padding=[0 if c else e for e, c in zip(extra, cropped)], **geometry)
    y = g.op("Pad", y, g.const([0] * (nd + 2) + [0, 0] + appended))
    return [y if b is None else g.op("Add", y, g.op("Reshape", g.value(b), g.const([-1] + [1] * nd)))]


@symbolic("MaxPool")
def max_pool(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's max pooling: one MaxPool node with its kernel, strides, pads and dilations."""
    x, kernel, stride, padding, dilation = call.args
    pads = [p[0] for p in padding] + [p[1] for p in padding]
    return [g.op("MaxPool", g.value(x), kernel_shape=list(kernel), strides=list(stride), pads=pads,
                 dilations=list(dilation))]


@symbolic("LayerNorm")
def layer_norm(g: Graph, call: OpCall) -> list:
    """(x - mean) / sqrt(var + eps) * w + b over the last `normalized_ndim` dims."""
    x, w, b, ndim, eps = call.args
    inputs = [g.value(x), g.value(w)] + ([] if b is None else [g.value(b)])
    return [g.op("LayerNormalization", *inputs, axis=-ndim, epsilon=float(eps))]


@symbolic("Embedding")
def embedding(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's embedding: a Gather of the weight's rows along axis 0."""
    weight, indices = call.args[:2]
    return [g.op("Gather", g.value(weight), g.value(indices), axis=0)]


@symbolic("Gelu")
def gelu(g: Graph, call: OpCall) -> list:
    """Exact: x/2 (1 + erf(x/sqrt 2)); tanh: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x, approximate = call.args[:2]
    xv = g.value(x)
    c = (lambda v: g.scalar_like(v, x))
    if approximate == "tanh":
        inner = g.op("Mul", g.op("Add", xv, g.op("Mul", g.op("Mul", g.op("Mul", xv, xv), xv), c(0.044715))),
                     c(math.sqrt(2.0 / math.pi)))
        core = g.op("Tanh", inner)
    else:
        core = g.op("Erf", g.op("Mul", xv, c(1.0 / math.sqrt(2.0))))
    return [g.op("Mul", g.op("Mul", xv, c(0.5)), g.op("Add", core, c(1.0)))]


@symbolic("Softmax")
def softmax(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's softmax / log_softmax: one Softmax or LogSoftmax node along `dim`."""
    x, dim, log = call.args[:3]
    return [g.op("LogSoftmax" if log else "Softmax", g.value(x), axis=dim)]


@symbolic("ScaledDotProductAttention")
def attention(g: Graph, call: OpCall) -> list:
    """softmax(Q K^T * scale + M) V: M a float bias, or from a bool mask (True = attend) 0 / -inf; causal
    attention masks the keys after each query."""
    q, k, v, mask, keep, scale, is_causal = call.args[:7]
    scores = g.op("Mul", g.op("MatMul", g.value(q), g.op("Transpose", g.value(k), perm=[0, 1, 3, 2])),
                  g.scalar_like(scale, q))
    neg_inf = g.scalar_like(-np.inf, q)
    if mask is not None:
        m = g.value(mask)
        scores = g.op("Where", m, scores, neg_inf) if not mask.dtype.is_floating_point else g.op("Add", scores, m)
    if is_causal:
        square = g.op("Shape", scores, start=-2)  # (L, S)
        ones = g.op("ConstantOfShape", square, value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0]))
        lower = g.op("Cast", g.op("Trilu", ones, upper=0), to=TensorProto.BOOL)
        scores = g.op("Where", lower, scores, neg_inf)
    return [g.op("MatMul", g.op("Softmax", scores, axis=-1), g.value(v))]

