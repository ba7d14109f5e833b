"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's parameters.

A layer runs, for each of num_layers layers and each direction, one fused op over the whole sequence
(`mytorch.ops.rnn`): the input projection of all time steps is one matmul, then the recurrence runs
step by step. Parameter names, shapes, gate order and init are PyTorch's, so a torch state_dict loads
unchanged:
    weight_ih_l{k}[_reverse] (G*H, in), weight_hh_l{k}[_reverse] (G*H, P), bias_ih / bias_hh (G*H),
    weight_hr_l{k}[_reverse] (P, H) for an LSTM with proj_size = P,
with G = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o); every weight starts U(-1/sqrt(H), 1/sqrt(H)).
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops.creation import empty, tensor, zeros
from ...ops.joining import cat, stack
from ...ops._trace import traced
from ...ops.rnn import rnn_layer
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, packed_rows, padded_rows

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
# what an op trace records a layer's forward as (mytorch.onnx writes it as ONNX's LSTM / GRU / RNN)
_TRACE_NAMES = {"RNN_TANH": "nn.RNN", "RNN_RELU": "nn.RNN", "LSTM": "nn.LSTM", "GRU": "nn.GRU"}


def _check_size(value: Any, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrence shared by RNN, LSTM and GRU.

    forward(input, hx=None) -> (output, h_n), or (output, (h_n, c_n)) for an LSTM:
        input (T, B, in), or (B, T, in) with batch_first, or (T, in) unbatched, or a PackedSequence (then
        output is one too, and hx, h_n follow the caller's batch order, not the packed sorted one);
        hx: h0 (num_layers * D, B, P) (and c0 (num_layers * D, B, H)), zeros when omitted;
        output (T, B, D * P): the last layer's h_t, both directions concatenated (D = 2 if bidirectional);
        h_n (and c_n): the final state of every layer and direction, layer-major.
    Dropout (training mode only) is applied to the output of every layer but the last.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        _check_size(hidden_size, "hidden_size")
        _check_size(num_layers, "num_layers")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers="
                          f"{num_layers}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._all_weights: list[list[str]] = []
        self._layer_weights: list[tuple] = []  # per layer and direction: (w_ih, w_hh, b_ih, b_hh, w_hr) names
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
                    setattr(self, name + suffix, Parameter(empty(shape, device=device, dtype=dtype)))
                self._all_weights.append([name + suffix for name in shapes])
                self._layer_weights.append(tuple(name + suffix if name in shapes else None for name in
                                                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights_names(self) -> list[str]:
        return [name for names in self._all_weights for name in names]

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs cuDNN weights here; ours are used as they are."""

    def _state_sizes(self) -> tuple[int, ...]:
        out_size = self.proj_size or self.hidden_size
        return (out_size, self.hidden_size) if self.mode == "LSTM" else (out_size,)

    def forward(self, input: Tensor | PackedSequence, hx: Any = None) -> tuple[Tensor | PackedSequence, Any]:
        # one call in an op trace, named by the mode, so a subclass (with its own forward around this one or not)
        # is exported like the layer it extends
        return traced(_TRACE_NAMES[self.mode], (self, input, hx), lambda: self._forward(input, hx))

    def _forward(self, input: Tensor | PackedSequence, hx: Any) -> tuple[Tensor | PackedSequence, Any]:
        lstm = self.mode == "LSTM"
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        states = None if hx is None else (tuple(hx) if lstm else (hx,))
        if states is not None:
            _check_state_dims(states, batched, lstm)
        if not batched:
            input = input.unsqueeze(1)
            states = None if states is None else tuple(s.unsqueeze(1) for s in states)
        elif self.batch_first:
            input = input.transpose(0, 1)
        self._check_input(input)
        states = self._initial_states(input, states)
        output, final = self._run(input, states)
        if not batched:
            output, final = output.squeeze(1), tuple(s.squeeze(1) for s in final)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (final if lstm else final[0])

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """The recurrence over a packed batch: its data padded to (T, B, in) in sorted order, run with the mask
        of existing steps (`mytorch.ops.rnn`), the output packed again. hx and the final states are in the
        caller's order: they are permuted by sorted_indices on the way in and unsorted_indices on the way out."""
        lstm = self.mode == "LSTM"
        data, sizes = packed.data, [int(b) for b in packed.batch_sizes.tolist()]
        steps, batch = len(sizes), sizes[0]
        states = None if hx is None else (tuple(hx) if lstm else (hx,))
        if states is not None:
            _check_state_dims(states, True, lstm)
            if packed.sorted_indices is not None:
                states = tuple(s.index_select(1, packed.sorted_indices) for s in states)
        rows = padded_rows(sizes, list(range(batch)), steps, False)
        filler = zeros((1,) + tuple(data.shape[1:]), dtype=data.dtype, device=data.device)
        x = cat([data, filler])[tensor(rows, dtype=D.int64, device=data.device)].reshape(steps, batch, -1)
        mask = tensor([[[i < b] for i in range(batch)] for b in sizes], dtype=D.bool_, device=data.device)
        self._check_input(x)
        output, final = self._run(x, self._initial_states(x, states), mask)
        keep = tensor(packed_rows(sizes, batch, False), dtype=D.int64, device=data.device)
        output = PackedSequence(output.reshape(steps * batch, -1)[keep], packed.batch_sizes, packed.sorted_indices,
                                packed.unsorted_indices)
        if packed.unsorted_indices is not None:
            final = tuple(s.index_select(1, packed.unsorted_indices) for s in final)
        return output, (final if lstm else final[0])

    def _check_input(self, input: Tensor) -> None:
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                             f"Convert input: input.to({weight.dtype}), or convert model: "
                             f"model.to({input.dtype})")

    def _initial_states(self, input: Tensor, states: tuple | None) -> tuple[Tensor, ...]:
        """(h0,) or (h0, c0), each (num_layers * D, B, size): the given ones checked, or zeros."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        expected = [(count, input.shape[1], size) for size in self._state_sizes()]
        if states is None:
            return tuple(zeros(shape, dtype=input.dtype, device=input.device) for shape in expected)
        for i, (state, shape) in enumerate(zip(states, expected)):
            if tuple(state.shape) != shape:
                which = f"hidden[{i}]" if len(states) > 1 else "hidden"
                raise RuntimeError(f"Expected {which} size {shape}, got {list(state.shape)}")
        return states

    def _run(self, x: Tensor, states: tuple[Tensor, ...], mask: Tensor | None = None
             ) -> tuple[Tensor, tuple[Tensor, ...]]:
        directions = 2 if self.bidirectional else 1
        initial = [s.unbind(0) for s in states]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                weights = [None if name is None else getattr(self, name) for name in self._layer_weights[k]]
                out, final = rnn_layer(self.mode, x, tuple(s[k] for s in initial), *weights,
                                       reverse=direction == 1, mask=mask)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, tuple(stack([f[i] for f in finals]) for i in range(len(states)))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _check_state_dims(states: tuple[Tensor, ...], batched: bool, lstm: bool) -> None:
    want = 3 if batched else 2
    if all(s.ndim == want for s in states):
        return
    kind = "batched 3-D" if batched else "unbatched 2-D"
    if lstm:
        got = ", ".join(f"{s.ndim}-D" for s in states)
        raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got ({got}) tensors")
    raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {states[0].ndim}-D tensor")


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None, proj_size: int = 0) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, proj_size, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM: i, f, o = sigmoid(.), g = tanh(.) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh (gate order i, f, g, o);
    c_t = f c_{t-1} + i g;  h_t = o tanh(c_t), projected by W_hr (h_t W_hr^T) when proj_size > 0."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """GRU: r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr), z likewise, n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),
    h_t = (1 - z) n + z h_{t-1}  (gate order r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, proj_size: int = 0) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


# ---- cells ----------------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """One time step: weight_ih (G*H, in), weight_hh (G*H, H), bias_ih, bias_hh (G*H), U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
                                    if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input: Tensor, hx: tuple[Tensor, ...] | None, count: int) -> tuple[Tensor, tuple, bool]:
        """(input (B, in), states each (B, H), batched): 1-D inputs get a batch dim; missing states are zeros."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for i, h in enumerate(hx or ()):
            if h.ndim not in (1, 2):
                which = f"hx[{i}]" if count > 1 else "hidden"
                raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {h.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            hx = None if hx is None else tuple(h.unsqueeze(0) for h in hx)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        if hx is None:
            zero = zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)
            return input, (zero,) * count, batched
        for i, h in enumerate(hx):
            if h.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                                   f"{h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {h.shape[1]}, expected "
                                   f"{self.hidden_size}")
        return input, tuple(hx), batched

    def _step(self, mode: str, input: Tensor, hx: tuple[Tensor, ...] | None, count: int) -> tuple[Tensor, ...]:
        x, states, batched = self._prepare(input, hx, count)
        _, new = rnn_layer(mode, x.unsqueeze(0), states, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                           cell=True)
        return new if batched else tuple(s.squeeze(0) for s in new)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if self.nonlinearity not in modes:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step(modes[self.nonlinearity], input, None if hx is None else (hx,), 1)[0]


class LSTMCell(RNNCellBase):
    """(h', c') from (h, c): gates i, f, g, o as in LSTM;  c' = f c + i g,  h' = o tanh(c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        return self._step("LSTM", input, None if hx is None else tuple(hx), 2)


class GRUCell(RNNCellBase):
    """h' = (1 - z) n + z h with r, z, n as in GRU."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step("GRU", input, None if hx is None else (hx,), 1)[0]
