"""``nn.LSTM`` as ONNX's ``LSTM`` operator, one node per layer (the exporter records the module as one call).

ONNX's LSTM computes, per step, the gates i, o, f and the cell candidate c from X W^T + H R^T + Wb + Rb, with
its weights stacked in the gate order (i, o, f, c); PyTorch stacks (i, f, g, o). The weights are re-stacked
here, once, as initializers. ONNX runs time-major ``(seq, batch, input)``; ``batch_first`` is transposed.
"""
from __future__ import annotations

import numpy as np

from ..ops._trace import OpCall
from ._graph import Graph
from ._registry import symbolic

_ONNX_GATES = (0, 3, 1, 2)  # PyTorch's (i, f, g, o) chunks taken in ONNX's order (i, o, f, c)


def _gates(w: np.ndarray) -> np.ndarray:
    return np.concatenate([np.split(w, 4)[k] for k in _ONNX_GATES])


@symbolic("nn.LSTM")
def lstm(g: Graph, call: OpCall) -> list:
    """ONNX translation of mytorch's nn.LSTM: one ONNX LSTM node per layer, weights re-stacked into ONNX's gate order.
    """
    m, x = call.args[:2]
    hx = call.args[2] if len(call.args) > 2 else None
    if m.proj_size:
        raise NotImplementedError("mytorch.onnx: nn.LSTM with proj_size has no ONNX LSTM translation")
    dirs = ("", "_reverse") if m.bidirectional else ("",)
    H = m.hidden_size
    seq = g.op("Transpose", g.value(x), perm=[1, 0, 2]) if m.batch_first else g.value(x)
    h_n, c_n = [], []
    for layer in range(m.num_layers):
        def stacked(kind: str) -> np.ndarray:
            return np.stack([_gates(getattr(m, f"{kind}_l{layer}{d}").detach().numpy()) for d in dirs])
        bias = (np.concatenate([stacked("bias_ih"), stacked("bias_hh")], axis=1) if m.bias
                else np.zeros((len(dirs), 8 * H), dtype=stacked("weight_ih").dtype))
        states = []
        if hx is not None:
            lo, hi = layer * len(dirs), (layer + 1) * len(dirs)
            states = [g.op("Slice", g.value(s), g.const([lo]), g.const([hi]), g.const([0])) for s in hx]
        y, yh, yc = g.op("LSTM", seq, g.initializer(stacked("weight_ih")), g.initializer(stacked("weight_hh")),
                         g.initializer(bias), "", *states, outputs=3, hidden_size=H,
                         direction="bidirectional" if m.bidirectional else "forward")
        # Y (seq, dirs, batch, H) -> (seq, batch, dirs * H), the next layer's input
        seq = g.op("Reshape", g.op("Transpose", y, perm=[0, 2, 1, 3]), g.const([0, 0, -1]))
        h_n.append(yh)
        c_n.append(yc)
    out = g.op("Transpose", seq, perm=[1, 0, 2]) if m.batch_first else seq
    return [out, g.op("Concat", *h_n, axis=0), g.op("Concat", *c_n, axis=0)]
