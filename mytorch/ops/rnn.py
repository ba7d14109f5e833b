"""Recurrent layers as fused ops: a whole sequence of RNN, LSTM or GRU steps is one graph node.

The caller projects the input of every time step at once, ``gx = x W_ih^T + b`` (one matmul for the
sequence, shape (T, B, G)); the Functions here run the recurrence over time, one matmul per step for
the hidden projection h W_hh^T, and keep the gate activations. Backward first computes every step's
local derivatives at once over (T, B, .) tensors, then walks the steps in reverse with a handful of
tensor ops each; the weight gradient of the hidden projection is one matmul over all steps:
    dW_hh = sum_t dgates_t^T h_{t-1}.
Backward is written in tensor ops. When it runs with grad mode on (``create_graph=True``) it first
recomputes the forward's internals from the inputs, so they are part of the graph and second
derivatives are exact.

Shapes: T steps, B batch, H hidden size, P the size of h (H, or proj_size for a projected LSTM).
Gates in PyTorch's order: LSTM (i, f, g, o), GRU (r, z, n). `reverse` runs the sequence from its last
step to its first (the backward direction of a bidirectional layer); outputs stay in time order.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from .joining import cat, stack
from .linear import linear


def _order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _before(states: Tensor, first: Tensor, reverse: bool) -> Tensor:
    """The state each step started from, (T, B, X): the initial state, then each step's result."""
    if reverse:
        return cat([states[1:], first.unsqueeze(0)], 0)
    return cat([first.unsqueeze(0), states[:-1]], 0)


def _weight_grad(d: Tensor, x: Tensor) -> Tensor:
    """sum over steps and batch of d_t^T x_t: the gradient of W in y_t = x_t W^T, as one matmul."""
    return d.reshape(-1, d.shape[-1]).t().matmul(x.reshape(-1, x.shape[-1]))


def _check_steps(gx: Tensor) -> None:
    if gx.shape[0] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN (got an input of shape "
                           f"{list(gx.shape)})")


# ---- LSTM ---------------------------------------------------------------------------------------------

def _lstm_run(gx: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, w_hr: Tensor | None, reverse: bool) -> tuple:
    """(out (T,B,P), h_n, c_n, S = sigmoid of all gates (T,B,4H), G = tanh of g (T,B,H), C = cells (T,B,H))."""
    H = c0.shape[-1]
    w_t = w_hh.t()
    r_t = None if w_hr is None else w_hr.t()
    xs = gx.unbind(0)
    steps = len(xs)
    hs, cs, ss, gs = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    h, c = h0, c0
    for t in _order(steps, reverse):
        gates = xs[t] + h.matmul(w_t)
        s = gates.sigmoid()
        i, f, _, o = s.chunk(4, 1)
        g = gates.narrow(1, 2 * H, H).tanh()
        c = f * c + i * g
        h = o * c.tanh()
        if r_t is not None:
            h = h.matmul(r_t)
        hs[t], cs[t], ss[t], gs[t] = h, c, s, g
    return stack(hs), h, c, stack(ss), stack(gs), stack(cs)


class LSTMSequence(Function):
    """An LSTM layer over time, from gx_t = x_t W_ih^T + b_ih + b_hh:
        gates = gx_t + h_{t-1} W_hh^T;  i, f, o = sigmoid(gates_i,f,o), g = tanh(gates_g)
        c_t = f c_{t-1} + i g;  m_t = o tanh(c_t);  h_t = m_t W_hr^T (proj_size) or m_t.
    Backward, with dh_t = g_out_t + dh from step t+1 and dm = dh_t W_hr (or dh_t):
        dc_t = dc from t+1 + dm o (1 - tanh^2 c_t);  dc_{t-1} = dc_t f
        d gates = (dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2), dm tanh(c_t) o(1-o));  dgx_t = d gates
        dh_{t-1} = d gates W_hh;  dW_hh = sum_t d gates_t^T h_{t-1};  dW_hr = sum_t dh_t^T m_t.
    """

    _grad_name = "LSTMSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, c0, w_hh, w_hr, reverse):
        _check_steps(gx)
        out, h, c, S, G, C = _lstm_run(gx, h0, c0, w_hh, w_hr, reverse)
        ctx.reverse = reverse
        ctx.save_for_backward(gx, h0, c0, w_hh, w_hr, out, S, G, C)
        return out, h, c

    @staticmethod
    def backward(ctx, g_out, g_h, g_c):
        gx, h0, c0, w_hh, w_hr, out, S, G, C = ctx.saved_tensors
        reverse = ctx.reverse
        if is_grad_enabled():  # create_graph: the internals must be functions of the inputs
            out, _, _, S, G, C = _lstm_run(gx, h0, c0, w_hh, w_hr, reverse)
        i, f, _, o = S.chunk(4, 2)
        TC = C.tanh()
        J = cat([G * (i - i * i), _before(C, c0, reverse) * (f - f * f), i * (1 - G * G), TC * (o - o * o)], 2)
        K = o * (1 - TC * TC)
        gos, Js, Ks, fs = g_out.unbind(0), J.unbind(0), K.unbind(0), f.unbind(0)
        steps = len(gos)
        dgates, dhs = [None] * steps, [None] * steps
        dh, dc = g_h, g_c
        for t in reversed(_order(steps, reverse)):
            dh = dm = gos[t] + dh
            if w_hr is not None:
                dhs[t] = dh
                dm = dh.matmul(w_hr)
            dc = dc + dm * Ks[t]
            dg = cat([dc, dc, dc, dm], 1) * Js[t]
            dgates[t] = dg
            dc = dc * fs[t]
            dh = dg.matmul(w_hh)
        dG = stack(dgates)
        need = ctx.needs_input_grad
        dw_hh = _weight_grad(dG, _before(out, h0, reverse)) if need[3] else None
        dw_hr = _weight_grad(stack(dhs), o * TC) if need[4] else None
        return dG, dh, dc, dw_hh, dw_hr, None


# ---- GRU ----------------------------------------------------------------------------------------------

def _gru_run(gx: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor | None, reverse: bool) -> tuple:
    """(out (T,B,H), h_n, RZ = (r, z) (T,B,2H), N = n (T,B,H), GHN = (h W_hh^T + b_hh)_n (T,B,H))."""
    H = h0.shape[-1]
    w_t = w_hh.t()
    xs = gx.unbind(0)
    steps = len(xs)
    hs, rzs, ns, ghns = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    h = h0
    for t in _order(steps, reverse):
        gh = h.matmul(w_t) if b_hh is None else h.matmul(w_t) + b_hh
        gi_rz, gi_n = xs[t].split([2 * H, H], 1)
        gh_rz, gh_n = gh.split([2 * H, H], 1)
        rz = (gi_rz + gh_rz).sigmoid()
        r, z = rz.chunk(2, 1)
        n = (gi_n + r * gh_n).tanh()
        h = n + z * (h - n)
        hs[t], rzs[t], ns[t], ghns[t] = h, rz, n, gh_n
    return stack(hs), h, stack(rzs), stack(ns), stack(ghns)


class GRUSequence(Function):
    """A GRU layer over time, from gx_t = x_t W_ih^T + b_ih and gh_t = h_{t-1} W_hh^T + b_hh:
        r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z), n = tanh(gx_n + r gh_n)
        h_t = (1 - z) n + z h_{t-1}.
    Backward, with dh_t = g_out_t + dh from step t+1 and dn' = dh_t (1-z)(1-n^2):
        dgx = (dn' gh_n r(1-r), dh_t (h_{t-1} - n) z(1-z), dn');  dgh = dgx with slot n times r
        dh_{t-1} = dh_t z + dgh W_hh;  dW_hh = sum_t dgh_t^T h_{t-1};  db_hh = sum_t dgh_t.
    """

    _grad_name = "GRUSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, w_hh, b_hh, reverse):
        _check_steps(gx)
        out, h, RZ, N, GHN = _gru_run(gx, h0, w_hh, b_hh, reverse)
        ctx.reverse = reverse
        ctx.save_for_backward(gx, h0, w_hh, b_hh, out, RZ, N, GHN)
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        gx, h0, w_hh, b_hh, out, RZ, N, GHN = ctx.saved_tensors
        reverse = ctx.reverse
        if is_grad_enabled():  # create_graph: the internals must be functions of the inputs
            out, _, RZ, N, GHN = _gru_run(gx, h0, w_hh, b_hh, reverse)
        r, z = RZ.chunk(2, 2)
        prev = _before(out, h0, reverse)
        Pn = (1 - z) * (1 - N * N)
        Pr = Pn * GHN * (r - r * r)
        Mh = cat([Pr, (prev - N) * (z - z * z), Pn * r], 2)
        gos, Mhs, zs = g_out.unbind(0), Mh.unbind(0), z.unbind(0)
        steps = len(gos)
        dghs, dhs = [None] * steps, [None] * steps
        dh = g_h
        for t in reversed(_order(steps, reverse)):
            dh = gos[t] + dh
            dgh = cat([dh, dh, dh], 1) * Mhs[t]
            dhs[t], dghs[t] = dh, dgh
            dh = dh * zs[t] + dgh.matmul(w_hh)
        dGH = stack(dghs)
        H = h0.shape[-1]
        dGX = cat([dGH.narrow(2, 0, 2 * H), stack(dhs) * Pn], 2)
        need = ctx.needs_input_grad
        dw_hh = _weight_grad(dGH, prev) if need[2] else None
        db_hh = dGH.sum((0, 1)) if need[3] else None
        return dGX, dh, dw_hh, db_hh, None


# ---- Elman RNN ----------------------------------------------------------------------------------------

def _rnn_run(gx: Tensor, h0: Tensor, w_hh: Tensor, relu: bool, reverse: bool) -> tuple:
    """(out (T,B,H), h_n)."""
    w_t = w_hh.t()
    xs = gx.unbind(0)
    steps = len(xs)
    hs = [None] * steps
    h = h0
    for t in _order(steps, reverse):
        pre = xs[t] + h.matmul(w_t)
        h = pre.relu() if relu else pre.tanh()
        hs[t] = h
    return stack(hs), h


class RNNSequence(Function):
    """An Elman RNN layer over time, from gx_t = x_t W_ih^T + b_ih + b_hh:
        h_t = act(gx_t + h_{t-1} W_hh^T), act = tanh or relu.
    Backward, with dh_t = g_out_t + dh from step t+1:
        dgx_t = dh_t act'  (1 - h_t^2 for tanh, [h_t > 0] for relu);  dh_{t-1} = dgx_t W_hh;
        dW_hh = sum_t dgx_t^T h_{t-1}.
    """

    _grad_name = "RNNSequenceBackward0"

    @staticmethod
    def forward(ctx, gx, h0, w_hh, relu, reverse):
        _check_steps(gx)
        out, h = _rnn_run(gx, h0, w_hh, relu, reverse)
        ctx.relu, ctx.reverse = relu, reverse
        ctx.save_for_backward(gx, h0, w_hh, out)
        return out, h

    @staticmethod
    def backward(ctx, g_out, g_h):
        gx, h0, w_hh, out = ctx.saved_tensors
        reverse = ctx.reverse
        if is_grad_enabled():  # create_graph: the output must be a function of the inputs
            out, _ = _rnn_run(gx, h0, w_hh, ctx.relu, reverse)
        slope = (out > 0).to(out.dtype) if ctx.relu else 1 - out * out
        gos, slopes = g_out.unbind(0), slope.unbind(0)
        steps = len(gos)
        dpre = [None] * steps
        dh = g_h
        for t in reversed(_order(steps, reverse)):
            d = (gos[t] + dh) * slopes[t]
            dpre[t] = d
            dh = d.matmul(w_hh)
        dGX = stack(dpre)
        dw_hh = _weight_grad(dGX, _before(out, h0, reverse)) if ctx.needs_input_grad[2] else None
        return dGX, dh, dw_hh, None, None


# ---- layers and cells ---------------------------------------------------------------------------------

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


def _bias_sum(b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    if b_ih is None or b_hh is None:
        return b_ih if b_hh is None else b_hh
    return b_ih + b_hh


def rnn_layer(mode: str, input: Tensor, hx: tuple[Tensor, ...], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None, w_hr: Tensor | None = None,
              reverse: bool = False) -> tuple[Tensor, tuple[Tensor, ...]]:
    """One recurrent layer in one direction over input (T, B, I) from the state hx ((h0,) or (h0, c0) for
    an LSTM, each (B, .)): returns (output (T, B, P), final state tuple). mode is one of `MODES`."""
    if mode not in MODES:
        raise ValueError(f"rnn_layer(): unknown mode {mode!r}; expected one of {MODES}")
    if mode == "GRU":  # b_hh sits inside r * (h W_hh^T + b_hh): it cannot join the input projection
        out, h = GRUSequence.apply(linear(input, w_ih, b_ih), hx[0], w_hh, b_hh, reverse)
        return out, (h,)
    gx = linear(input, w_ih, _bias_sum(b_ih, b_hh))
    if mode == "LSTM":
        out, h, c = LSTMSequence.apply(gx, hx[0], hx[1], w_hh, w_hr, reverse)
        return out, (h, c)
    out, h = RNNSequence.apply(gx, hx[0], w_hh, mode == "RNN_RELU", reverse)
    return out, (h,)


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step on a batch: input (B, I), hx = (h, c) each (B, H); returns (h', c')."""
    return rnn_layer("LSTM", input.unsqueeze(0), tuple(hx), w_ih, w_hh, b_ih, b_hh)[1]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step on a batch: input (B, I), hx (B, H); returns h'."""
    return rnn_layer("GRU", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh)[1][0]


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_layer("RNN_TANH", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh)[1][0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One step h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return rnn_layer("RNN_RELU", input.unsqueeze(0), (hx,), w_ih, w_hh, b_ih, b_hh)[1][0]


__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]
METHODS: dict = {}
