"""Recurrent layers as fused ops: a whole sequence of RNN, LSTM or GRU steps is one graph node.

The caller projects the input of every time step at once, ``gx = x W_ih^T + b`` (one matmul for the
sequence, shape (T, B, G)); the Functions here run the recurrence over time, one matmul per step for
the hidden projection h W_hh^T and one fused cell primitive (`Backend.lstm_cell`, `Backend.gru_cell`),
keeping each step's workspace of gate activations. Backward walks the steps in reverse with the cell's
backward primitive; the weight gradient of the hidden projection is one matmul over all steps:
    dW_hh = sum_t dgates_t^T h_{t-1}.
The loops run on backend arrays. When backward runs with grad mode on (``create_graph=True``) the same
loops run on Tensors (`TENSOR_BACKEND`): they first recompute the forward's internals from the inputs,
so those are part of the graph and second derivatives are exact.

Shapes: T steps, B batch, H hidden size, P the size of h (H, or proj_size for a projected LSTM).
Gates in PyTorch's order: LSTM (i, f, g, o), GRU (r, z, n). `reverse` runs the sequence from its last
step to its first (the backward direction of a bidirectional layer); outputs stay in time order.

Sequences of different lengths (a packed batch, padded for the loop) carry a `mask` (T, B, 1) of bool,
true where step t of sequence b exists. A step leaves the state of a finished (or, in reverse, not yet
started) sequence as it was:  h_t = where(mask_t, cell(h_{t-1}), h_{t-1}),  so each sequence's final
state is its state at its own last step, and in reverse every sequence starts from h0 at its own end.
Backward is the same rule transposed: the cell's backward sees dh_t masked to zero where the step does
not exist (its results, linear in dh, are zero there), and the state gradient passes those steps unchanged.
"""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _GradState
from ._autocast import FP32, LOWER_PRECISION_FP, run_with_policy
from ._autocast import state as autocast_state
from ._tensor_backend import TENSOR_BACKEND
from .linear import linear


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _check_steps(gx: Tensor) -> None:
    if gx.shape[0] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN (got an input of shape "
                           f"{list(gx.shape)})")


# ---- LSTM and GRU: loops over the backend's cell primitives ----------------------------------------------
# The loops below take a backend `be` and its arrays: the tensors' own backend on their arrays normally, or
# TENSOR_BACKEND on the Tensors themselves when backward runs under create_graph (`_kernels`), so the same
# code is the fast path and the differentiable one.

def _kernels(x: Tensor):
    """(be, unwrap, wrap): the backend the loops run on and the conversions of Tensors to its arrays and back."""
    if _GradState.enabled:
        return TENSOR_BACKEND, (lambda t: t), (lambda a: a)
    be = x._backend
    return be, (lambda t: None if t is None else t._data), (lambda a: None if a is None else Tensor._make(a, be))


def _stack(be, arrays: list) -> Any:
    return be.concatenate([be.view(a, (1,) + tuple(a.shape)) for a in arrays], 0)


def _step(be, a, t: int) -> Any:
    return be.basic_index(a, (t,))


def _starts(be, states, first, reverse: bool) -> Any:
    """The state each step started from, (T, B, X): the initial state, then each step's result."""
    steps = states.shape[0]
    first = be.view(first, (1,) + tuple(first.shape))
    if steps == 1:
        return first
    if reverse:
        return be.concatenate([be.basic_index(states, (slice(1, None),)), first], 0)
    return be.concatenate([first, be.basic_index(states, (slice(0, steps - 1),))], 0)


def _weight_grad(be, d, x) -> Any:
    """sum over steps and batch of d_t^T x_t: the gradient of W in y_t = x_t W^T, as one matmul."""
    d2 = be.view(d, (-1, d.shape[-1]))
    return be.matmul(be.permute(d2, (1, 0)), be.view(x, (-1, x.shape[-1])))


def _t(be, w):
    return None if w is None else be.permute(w, (1, 0))


def _keep(be, mask, t: int, new, old) -> Any:
    """new where step t exists, else old (the state carried past a missing step)."""
    return new if mask is None else be.where(_step(be, mask, t), new, old)


def _only(be, mask, t: int, a) -> Any:
    """a where step t exists, else zero (a gradient into a step that did not run)."""
    return a if mask is None else be.where(_step(be, mask, t), a, be.full((), 0, be.dtype_of(a)))


def _lstm_forward(be, gx, h0, c0, w_hh, w_hr, mask, reverse: bool) -> tuple:
    """(out (T,B,P), h_n, c_n, cells (T,B,H), workspaces (T,B,4H), m (T,B,H) = the unprojected outputs, or
    None without projection)."""
    w_t, r_t = _t(be, w_hh), _t(be, w_hr)
    steps = gx.shape[0]
    hs, cs, ws, ms = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    h, c = h0, c0
    for t in _order(steps, reverse):
        m, c_new, ws[t] = be.lstm_cell(be.add(_step(be, gx, t), be.matmul(h, w_t)), c)
        h, c = _keep(be, mask, t, m if r_t is None else be.matmul(m, r_t), h), _keep(be, mask, t, c_new, c)
        hs[t], cs[t], ms[t] = h, c, m
    return _stack(be, hs), h, c, _stack(be, cs), _stack(be, ws), None if r_t is None else _stack(be, ms)


def _lstm_backward(be, g_out, g_h, g_c, c0, h0, w_hh, w_hr, out, cells, ws, ms, mask, reverse: bool,
                   need) -> tuple:
    steps = g_out.shape[0]
    prev_cells = _starts(be, cells, c0, reverse)
    dgates, dhs = [None] * steps, [None] * steps
    dh, dc = g_h, g_c
    for t in reversed(_order(steps, reverse)):
        dh = be.add(_step(be, g_out, t), dh)
        dhs[t] = _only(be, mask, t, dh)
        dm = dhs[t] if w_hr is None else be.matmul(dhs[t], w_hr)
        dgates[t], dc_prev = be.lstm_cell_backward(dm, _only(be, mask, t, dc), _step(be, prev_cells, t),
                                                   _step(be, cells, t), _step(be, ws, t))
        dh, dc = _keep(be, mask, t, be.matmul(dgates[t], w_hh), dh), _keep(be, mask, t, dc_prev, dc)
    dG = _stack(be, dgates)
    dw_hh = _weight_grad(be, dG, _starts(be, out, h0, reverse)) if need[3] else None
    dw_hr = _weight_grad(be, _stack(be, dhs), ms) if need[4] and w_hr is not None else None
    return dG, dh, dc, dw_hh, dw_hr


class LSTMSequence(Function):
    """An LSTM layer over time, from gx_t = x_t W_ih^T + b_ih + b_hh: each step is `Backend.lstm_cell` of
    gates = gx_t + h_{t-1} W_hh^T, then h_t = m_t W_hr^T (proj_size) or m_t. Backward walks the steps in
    reverse with `Backend.lstm_cell_backward` (dm = dh_t W_hr or dh_t; dh_{t-1} = dgates W_hh), then
    dW_hh = sum_t dgates_t^T h_{t-1},  dW_hr = sum_t dh_t^T m_t.
    """

    _grad_name = "LSTMSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, w_hr, mask, reverse):
        _check_steps(gx)
        be, unwrap, wrap = _kernels(gx)
        out, h, c, cells, ws, ms = _lstm_forward(be, *map(unwrap, (gx, h0, c0, w_hh, w_hr, mask)), reverse)
        out, h, c = wrap(out), wrap(h), wrap(c)
        ctx.reverse, ctx.mask = reverse, mask
        ctx.save_for_backward(gx, h0, c0, w_hh, w_hr, out, wrap(cells), wrap(ws), wrap(ms))
        return out, h, c

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        gx, h0, c0, w_hh, w_hr, out, cells, ws, ms = ctx.saved_tensors
        reverse, mask = ctx.reverse, ctx.mask
        be, unwrap, wrap = _kernels(gx)
        if _GradState.enabled:  # create_graph: the internals must be functions of the inputs
            out, _, _, cells, ws, ms = _lstm_forward(be, gx, h0, c0, w_hh, w_hr, mask, reverse)
        grads = _lstm_backward(be, *map(unwrap, (g_out, g_h, g_c, c0, h0, w_hh, w_hr, out, cells, ws, ms, mask)),
                               reverse, ctx.needs_input_grad)
        return tuple(map(wrap, grads)) + (None, None)


def _gru_forward(be, gx, h0, w_hh, b_hh, mask, reverse: bool) -> tuple:
    """(out (T,B,H), h_n, workspaces (T,B,4H))."""
    w_t = _t(be, w_hh)
    steps = gx.shape[0]
    hs, ws = [None] * steps, [None] * steps
    h = h0
    for t in _order(steps, reverse):
        gh = be.matmul(h, w_t)
        h_new, ws[t] = be.gru_cell(_step(be, gx, t), gh if b_hh is None else be.add(gh, b_hh), h)
        h = hs[t] = _keep(be, mask, t, h_new, h)
    return _stack(be, hs), h, _stack(be, ws)


def _gru_backward(be, g_out, g_h, h0, w_hh, out, ws, mask, reverse: bool, need) -> tuple:
    steps = g_out.shape[0]
    prev = _starts(be, out, h0, reverse)
    dgxs, dghs = [None] * steps, [None] * steps
    dh = g_h
    for t in reversed(_order(steps, reverse)):
        dh = be.add(_step(be, g_out, t), dh)
        dgxs[t], dghs[t], direct = be.gru_cell_backward(_only(be, mask, t, dh), _step(be, prev, t), _step(be, ws, t))
        dh = _keep(be, mask, t, be.add(direct, be.matmul(dghs[t], w_hh)), dh)
    dGH = _stack(be, dghs)
    dw_hh = _weight_grad(be, dGH, prev) if need[2] else None
    db_hh = be.sum(dGH, (0, 1), False) if need[3] else None
    return _stack(be, dgxs), dh, dw_hh, db_hh


class GRUSequence(Function):
    """A GRU layer over time, from gx_t = x_t W_ih^T + b_ih: each step is `Backend.gru_cell` of gx_t and
    gh_t = h_{t-1} W_hh^T + b_hh. Backward walks the steps in reverse with `Backend.gru_cell_backward`
    (dh_{t-1} = its direct part + dgh_t W_hh), then dW_hh = sum_t dgh_t^T h_{t-1},  db_hh = sum_t dgh_t.
    """

    _grad_name = "GRUSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, w_hh, b_hh, mask, reverse):
        _check_steps(gx)
        be, unwrap, wrap = _kernels(gx)
        out, h, ws = _gru_forward(be, *map(unwrap, (gx, h0, w_hh, b_hh, mask)), reverse)
        out, h = wrap(out), wrap(h)
        ctx.reverse, ctx.mask = reverse, mask
        ctx.save_for_backward(gx, h0, w_hh, b_hh, out, wrap(ws))
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        gx, h0, w_hh, b_hh, out, ws = ctx.saved_tensors
        reverse, mask = ctx.reverse, ctx.mask
        be, unwrap, wrap = _kernels(gx)
        if _GradState.enabled:  # create_graph: the internals must be functions of the inputs
            out, _, ws = _gru_forward(be, gx, h0, w_hh, b_hh, mask, reverse)
        grads = _gru_backward(be, *map(unwrap, (g_out, g_h, h0, w_hh, out, ws, mask)), reverse,
                              ctx.needs_input_grad)
        return tuple(map(wrap, grads)) + (None, None)


# ---- Elman RNN ----------------------------------------------------------------------------------------

def _rnn_forward(be, gx, h0, w_hh, mask, relu: bool, reverse: bool) -> tuple:
    """(out (T,B,H), h_n)."""
    w_t = _t(be, w_hh)
    steps = gx.shape[0]
    hs = [None] * steps
    h = h0
    for t in _order(steps, reverse):
        pre = be.add(_step(be, gx, t), be.matmul(h, w_t))
        h_new = be.maximum(pre, be.full((), 0, be.dtype_of(pre))) if relu else be.tanh(pre)
        h = hs[t] = _keep(be, mask, t, h_new, h)
    return _stack(be, hs), h


def _rnn_backward(be, g_out, g_h, h0, w_hh, out, mask, relu: bool, reverse: bool, need) -> tuple:
    one = be.full((), 1, be.dtype_of(out))
    slope = be.cast(be.gt(out, 0), be.dtype_of(out)) if relu else be.sub(one, be.mul(out, out))
    steps = g_out.shape[0]
    dpre = [None] * steps
    dh = g_h
    for t in reversed(_order(steps, reverse)):
        dh = be.add(_step(be, g_out, t), dh)
        dpre[t] = be.mul(_only(be, mask, t, dh), _step(be, slope, t))
        dh = _keep(be, mask, t, be.matmul(dpre[t], w_hh), dh)
    dGX = _stack(be, dpre)
    dw_hh = _weight_grad(be, dGX, _starts(be, out, h0, reverse)) if need[2] else None
    return dGX, dh, dw_hh


class RNNSequence(Function):
    """An Elman RNN layer over time, from gx_t = x_t W_ih^T + b_ih + b_hh:
        h_t = act(gx_t + h_{t-1} W_hh^T), act = tanh or relu.
    Backward, with dh_t = g_out_t + dh from step t+1:
        dgx_t = dh_t act'  (1 - h_t^2 for tanh, [h_t > 0] for relu);  dh_{t-1} = dgx_t W_hh;
        dW_hh = sum_t dgx_t^T h_{t-1}.
    """

    _grad_name = "RNNSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, w_hh, mask, relu, reverse):
        _check_steps(gx)
        be, unwrap, wrap = _kernels(gx)
        out, h = map(wrap, _rnn_forward(be, *map(unwrap, (gx, h0, w_hh, mask)), relu, reverse))
        ctx.relu, ctx.reverse, ctx.mask = relu, reverse, mask
        ctx.save_for_backward(gx, h0, w_hh, out)
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        gx, h0, w_hh, out = ctx.saved_tensors
        be, unwrap, wrap = _kernels(gx)
        if _GradState.enabled:  # create_graph: the output must be a function of the inputs
            out, _ = _rnn_forward(be, gx, h0, w_hh, ctx.mask, ctx.relu, ctx.reverse)
        grads = _rnn_backward(be, *map(unwrap, (g_out, g_h, h0, w_hh, out, ctx.mask)), ctx.relu, ctx.reverse,
                              ctx.needs_input_grad)
        return tuple(map(wrap, grads)) + (None, None, None)


# ---- layers and cells ---------------------------------------------------------------------------------

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def _bias_sum(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    if b_ih is None or b_hh is None:
        return b_ih if b_hh is None else b_hh
    return b_ih + b_hh


def rnn_layer(mode: str, input: Tensor, hx: tuple[Tensor, ...], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None, w_hr: Tensor | None = None,
              reverse: bool = False, mask: Tensor | None = None, cell: bool = False
              ) -> tuple[Tensor, tuple[Tensor, ...]]:
    """One recurrent layer in one direction over input (T, B, I) from the state hx ((h0,) or (h0, c0) for
    an LSTM, each (B, .)): returns (output (T, B, P), final state tuple). mode is one of `MODES`. mask
    (T, B, 1) bool marks the steps that exist when sequences differ in length (module docstring); cell
    says this is one step of an RNNCell/LSTMCell/GRUCell, which only autocast treats differently."""
    if mode not in MODES:
        raise ValueError(f"rnn_layer(): unknown mode {mode!r}; expected one of {MODES}")
    if autocast_state.enabled:
        # as PyTorch's CPU kernels come out under autocast: Elman layers and cells, and LSTM layers over
        # padded input, run in the lower precision (their steps are linear ops, or mkldnn_rnn_layer);
        # GRUs, LSTM cells and LSTMs over packed batches run in float32
        policy = FP32 if mode == "GRU" or (mode == "LSTM" and (cell or mask is not None)) else LOWER_PRECISION_FP
        return run_with_policy(policy, rnn_layer, mode, input, hx, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, mask, cell)
    if mode == "GRU":  # b_hh sits inside r * (h W_hh^T + b_hh): it cannot join the input projection
        out, h = GRUSequence.apply(linear(input, w_ih, b_ih), hx[0], w_hh, b_hh, mask, reverse)
        return out, (h,)
    gx = linear(input, w_ih, _bias_sum(b_ih, b_hh))
    if mode == "LSTM":
        out, h, c = LSTMSequence.apply(gx, hx[0], hx[1], w_hh, w_hr, mask, reverse)
        return out, (h, c)
    out, h = RNNSequence.apply(gx, hx[0], w_hh, mask, mode == "RNN_RELU", reverse)
    return out, (h,)


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step on a batch: input (B, I), hx = (h, c) each (B, H); returns (h', c')."""
    return rnn_layer("LSTM", input.unsqueeze(0), tuple(hx), w_ih, w_hh, b_ih, b_hh, cell=True)[1]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step on a batch: input (B, I), hx (B, H); returns h'."""
    return rnn_layer("GRU", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh, cell=True)[1][0]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_layer("RNN_TANH", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh, cell=True)[1][0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_layer("RNN_RELU", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh, cell=True)[1][0]


__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]
METHODS: dict = {}
