"""``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` as ONNX's ``LSTM``, ``GRU`` and ``RNN`` operators, one node per layer
(the exporter records each such module as one call).

ONNX computes the same recurrences from X W^T + H R^T + Wb + Rb, with its weights stacked per direction in
its own gate order; the weights are re-stacked here, once, as initializers:

- LSTM: PyTorch stacks (i, f, g, o), ONNX (i, o, f, c).
- GRU: PyTorch stacks (r, z, n), ONNX (z, r, h). PyTorch applies the reset gate after the hidden projection,
  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), which is ONNX's ``linear_before_reset=1``.
- RNN: one gate; the activation is ONNX's ``Tanh`` or ``Relu`` per direction.

ONNX runs time-major ``(seq, batch, input)``; ``batch_first`` is transposed. An LSTM with ``proj_size``,
an unbatched (2-D) input and a PackedSequence have no translation and raise.
"""
from __future__ import annotations

import numpy as np

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
    """ONNX translation of mytorch's nn.LSTM / nn.GRU / nn.RNN: one ONNX LSTM / GRU / RNN node per layer,
    weights re-stacked into ONNX's gate order, the layers chained through (seq, batch, dirs * H)."""
    m, x = call.args[:2]
    hx = call.args[2] if len(call.args) > 2 else None
    name = type(m).__name__
    if getattr(m, "proj_size", 0):
        raise NotImplementedError(f"mytorch.onnx: nn.{name} with proj_size={m.proj_size} has no translation: "
                                  "ONNX's LSTM operator has no output projection (use proj_size=0)")
    if not isinstance(x, Tensor) or x.ndim != 3:
        got = f"a {x.ndim}-D tensor" if isinstance(x, Tensor) else f"a {type(x).__name__}"
        raise NotImplementedError(f"mytorch.onnx: nn.{name} is translated for a batched 3-D tensor input only, "
                                  f"not {got}")
    lstm = m.mode == "LSTM"
    hx = None if hx is None else (tuple(hx) if lstm else (hx,))
    order = _ONNX_GATES[m.mode]
    dirs = ("", "_reverse") if m.bidirectional else ("",)
    H = m.hidden_size
    attrs = dict(hidden_size=H, direction="bidirectional" if m.bidirectional else "forward")
    if m.mode == "GRU":
        attrs["linear_before_reset"] = 1
    elif not lstm:
        attrs["activations"] = [_ACTIVATION[m.mode]] * len(dirs)
    seq = g.op("Transpose", g.value(x), perm=[1, 0, 2]) if m.batch_first else g.value(x)
    finals: list[list[str]] = [[] for _ in range(2 if lstm else 1)]  # h_n (and c_n) per layer
    for layer in range(m.num_layers):
        def stacked(kind: str) -> np.ndarray:
            return np.stack([_gates(getattr(m, f"{kind}_l{layer}{d}").detach().numpy(), order) for d in dirs])
        bias = (np.concatenate([stacked("bias_ih"), stacked("bias_hh")], axis=1) if m.bias
                else np.zeros((len(dirs), 2 * len(order) * H), dtype=stacked("weight_ih").dtype))
        states = []
        if hx is not None:
            lo, hi = layer * len(dirs), (layer + 1) * len(dirs)
            states = [g.op("Slice", g.value(s), g.const([lo]), g.const([hi]), g.const([0])) for s in hx]
        y, *last = g.op(_ONNX_OP[m.mode], seq, g.initializer(stacked("weight_ih")),
                        g.initializer(stacked("weight_hh")), g.initializer(bias), "", *states,
                        outputs=1 + len(finals), **attrs)
        # Y (seq, dirs, batch, H) -> (seq, batch, dirs * H), the next layer's input
        seq = g.op("Reshape", g.op("Transpose", y, perm=[0, 2, 1, 3]), g.const([0, 0, -1]))
        for per_layer, state in zip(finals, last):
            per_layer.append(state)
    out = g.op("Transpose", seq, perm=[1, 0, 2]) if m.batch_first else seq
    return [out, *(g.op("Concat", *per_layer, axis=0) for per_layer in finals)]
