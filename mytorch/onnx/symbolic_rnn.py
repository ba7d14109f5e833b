"""``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` as ONNX's ``LSTM``, ``GRU`` and ``RNN`` operators, one node per layer
(the exporter records each such module as one call).

ONNX computes the same recurrences from X W^T + H R^T + Wb + Rb, with its weights stacked per direction in
its own gate order; the weights are re-stacked here, once, as initializers:

- LSTM: PyTorch stacks (i, f, g, o), ONNX (i, o, f, c).
- GRU: PyTorch stacks (r, z, n), ONNX (z, r, h). PyTorch applies the reset gate after the hidden projection,
  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), which is ONNX's ``linear_before_reset=1``.
- RNN: one gate; the activation is ONNX's ``Tanh`` or ``Relu`` per direction.

ONNX runs time-major ``(seq, batch, input)``; ``batch_first`` is transposed, and an unbatched ``(seq, input)``
input runs as a batch of one. A PackedSequence has no translation and raises.

ONNX's LSTM has no output projection, so an LSTM with ``proj_size`` = P is written out (`projected_lstm`):
per layer and direction, the input projection of every step is one MatMul,

    gx_t = x_t W_ih^T + b_ih + b_hh,

and an ONNX ``Scan`` runs the recurrence over the time axis (backwards for the reverse direction), its body
one step in PyTorch's gate order (i, f, g, o):

    i, f, g, o = split(gx_t + h_{t-1} W_hh^T);  c_t = s(f) c_{t-1} + s(i) tanh(g);
    h_t = (s(o) tanh(c_t)) W_hr^T        (s: the logistic sigmoid; h_t has P features, c_t has H)
"""
from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from .._tensor import Tensor
from ..ops._trace import OpCall
from ._graph import Graph
from ._registry import symbolic

# PyTorch's gate chunks taken in ONNX's order, per mode
_ONNX_GATES = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2), "RNN_TANH": (0,), "RNN_RELU": (0,)}
_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}
_ACTIVATION = {"RNN_TANH": "Tanh", "RNN_RELU": "Relu"}


def _gates(w: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    return np.concatenate([np.split(w, len(order))[k] for k in order])


@symbolic("nn.LSTM", "nn.GRU", "nn.RNN")
def recurrent(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's nn.LSTM / nn.GRU / nn.RNN: the input made time-major ``(seq, batch, input)``
    (an unbatched ``(seq, input)`` input and its states get a batch axis of 1, removed again from the results),
    then the layers (`stacked_layers`, or `projected_lstm` with proj_size)."""
    m, x = call.args[:2]
    hx = call.args[2] if len(call.args) > 2 else None
    if not isinstance(x, Tensor) or x.ndim not in (2, 3):
        got = f"a {x.ndim}-D tensor" if isinstance(x, Tensor) else f"a {type(x).__name__}"
        raise NotImplementedError(f"mytorch.onnx: {call.name} is translated for a 3-D (batched) or 2-D (unbatched) "
                                  f"tensor input only, not {got}")
    states = [] if hx is None else [g.value(s) for s in (tuple(hx) if m.mode == "LSTM" else (hx,))]
    batched = x.ndim == 3
    if batched:
        seq = g.op("Transpose", g.value(x), perm=[1, 0, 2]) if m.batch_first else g.value(x)
    else:
        seq, *states = [g.op("Unsqueeze", v, g.const([1])) for v in (g.value(x), *states)]
    out, *finals = (projected_lstm if m.proj_size else stacked_layers)(g, m, seq, states)
    if not batched:
        return [g.op("Squeeze", v, g.const([1])) for v in (out, *finals)]
    return [g.op("Transpose", out, perm=[1, 0, 2]) if m.batch_first else out, *finals]


def stacked_layers(g: Graph, m, seq: str, hx: list[str]) -> list:
    """One ONNX LSTM / GRU / RNN node per layer on the time-major `seq`, weights re-stacked into ONNX's gate order,
    the layers chained through (seq, batch, dirs * H); returns the last layer's output and the final states
    (h, and c for an LSTM), stacked over layers and directions as mytorch returns them. `hx`: the initial states'
    values, or none (zeros)."""
    lstm = m.mode == "LSTM"
    order = _ONNX_GATES[m.mode]
    dirs = ("", "_reverse") if m.bidirectional else ("",)
    H = m.hidden_size
    attrs = dict(hidden_size=H, direction="bidirectional" if m.bidirectional else "forward")
    if m.mode == "GRU":
        attrs["linear_before_reset"] = 1
    elif not lstm:
        attrs["activations"] = [_ACTIVATION[m.mode]] * len(dirs)
    finals: list[list[str]] = [[] for _ in range(2 if lstm else 1)]  # h_n (and c_n) per layer
    for layer in range(m.num_layers):
        def stacked(kind: str) -> np.ndarray:
            return np.stack([_gates(getattr(m, f"{kind}_l{layer}{d}").detach().numpy(), order) for d in dirs])
        bias = (np.concatenate([stacked("bias_ih"), stacked("bias_hh")], axis=1) if m.bias
                else np.zeros((len(dirs), 2 * len(order) * H), dtype=stacked("weight_ih").dtype))
        lo, hi = layer * len(dirs), (layer + 1) * len(dirs)
        states = [g.op("Slice", s, g.const([lo]), g.const([hi]), g.const([0])) for s in hx]
        y, *last = g.op(_ONNX_OP[m.mode], seq, g.initializer(stacked("weight_ih")),
                        g.initializer(stacked("weight_hh")), g.initializer(bias), "", *states,
                        outputs=1 + len(finals), **attrs)
        # Y (seq, dirs, batch, H) -> (seq, batch, dirs * H), the next layer's input
        seq = g.op("Reshape", g.op("Transpose", y, perm=[0, 2, 1, 3]), g.const([0, 0, -1]))
        for per_layer, state in zip(finals, last):
            per_layer.append(state)
    return [seq, *(g.op("Concat", *per_layer, axis=0) for per_layer in finals)]


def projected_lstm(g: Graph, m, seq: str, hx: list[str]) -> list:
    """An LSTM with proj_size as MatMuls and one ``Scan`` per layer and direction (module docstring) on the
    time-major `seq`; returns the output and the final (h, c), stacked over layers and directions as mytorch
    returns them. `hx`: the values of (h0, c0), or none (zeros)."""
    dirs = 2 if m.bidirectional else 1
    dtype = m.weight_ih_l0.detach().numpy().dtype
    finals: tuple[list, list] = ([], [])
    for layer in range(m.num_layers):
        outputs = []
        for d in range(dirs):
            k, suffix = layer * dirs + d, "_reverse" * d

            def weight(name: str) -> np.ndarray:
                return getattr(m, f"{name}_l{layer}{suffix}").detach().numpy()

            gx = g.op("MatMul", seq, g.initializer(weight("weight_ih").T))
            if m.bias:
                gx = g.op("Add", gx, g.initializer(weight("bias_ih") + weight("bias_hh")))
            if hx:  # this layer and direction's (B, size) slice of h0 / c0
                states = [g.op("Gather", s, g.const(k), axis=0) for s in hx]
            else:
                states = [_zeros(g, seq, size, dtype) for size in (m.proj_size, m.hidden_size)]
            h, c, out = g.op("Scan", *states, gx, outputs=3, num_scan_inputs=1, scan_input_directions=[d],
                             scan_output_directions=[d],
                             body=_lstm_step(weight("weight_hh").T, weight("weight_hr").T))
            outputs.append(out)
            for per_layer, state in zip(finals, (h, c)):
                per_layer.append(g.op("Unsqueeze", state, g.const([0])))
        seq = outputs[0] if dirs == 1 else g.op("Concat", *outputs, axis=2)
    return [seq, *(g.op("Concat", *per_layer, axis=0) for per_layer in finals)]


def _zeros(g: Graph, seq: str, size: int, dtype: np.dtype) -> str:
    """A zero state (B, size), B read from the time-major input's shape (the batch axis may be dynamic)."""
    shape = g.op("Concat", g.op("Shape", seq, start=1, end=2), g.const([size]), axis=0)
    return g.op("ConstantOfShape", shape, value=numpy_helper.from_array(np.zeros(1, dtype)))


def _lstm_step(w_hh_t: np.ndarray, w_hr_t: np.ndarray):
    """The Scan body of a projected LSTM: (h_{t-1}, c_{t-1}, gx_t) -> (h_t, c_t, h_t) (module docstring)."""
    kind = helper.np_dtype_to_tensor_dtype(w_hh_t.dtype)
    nodes = [helper.make_node("MatMul", ["h", "w_hh_t"], ["hw"]), helper.make_node("Add", ["gx", "hw"], ["gates"]),
             helper.make_node("Split", ["gates"], ["i", "f", "g", "o"], axis=1, num_outputs=4),
             *(helper.make_node("Sigmoid", [z], [f"s{z}"]) for z in "ifo"),
             helper.make_node("Tanh", ["g"], ["tg"]),
             helper.make_node("Mul", ["sf", "c"], ["kept"]), helper.make_node("Mul", ["si", "tg"], ["written"]),
             helper.make_node("Add", ["kept", "written"], ["c_t"]), helper.make_node("Tanh", ["c_t"], ["tc"]),
             helper.make_node("Mul", ["so", "tc"], ["m"]), helper.make_node("MatMul", ["m", "w_hr_t"], ["h_t"]),
             helper.make_node("Identity", ["h_t"], ["y_t"])]
    P, H4 = w_hh_t.shape
    inputs = [helper.make_tensor_value_info(n, kind, ["batch", size]) for n, size in
              (("h", P), ("c", H4 // 4), ("gx", H4))]
    outputs = [helper.make_tensor_value_info(n, kind, ["batch", size]) for n, size in
               (("h_t", P), ("c_t", H4 // 4), ("y_t", P))]
    weights = [numpy_helper.from_array(np.ascontiguousarray(w), n) for n, w in (("w_hh_t", w_hh_t), ("w_hr_t", w_hr_t))]
    return helper.make_graph(nodes, "lstm_projected_step", inputs, outputs, weights)
