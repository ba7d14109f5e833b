"""Connectionist Temporal Classification: the log-likelihood of a label sequence summed over every
alignment of it to the frames, by the forward-backward recursions of Graves et al. (2006).

Notation, for one sample n (every recursion below runs on the whole batch and all states at once):
y_t(c) = exp(lp[t, n, c]) are the frame posteriors, l = (l_1 .. l_S) the target and
l' = (blank, l_1, blank, l_2, ..., l_S, blank) the extended target of L = 2S + 1 states. An alignment
visits the states left to right, one per frame, moving 0 or 1 states on, or 2 when it skips a blank
between two different labels (`skip[s]`: l'_s != l'_{s-2}).

    alpha_0(0) = lp_0(blank),   alpha_0(1) = lp_0(l_1),   alpha_0(s > 1) = -inf
    alpha_t(s) = lp_t(l'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [skip_s] alpha_{t-1}(s-2))
    loss = -log p(l | x) = -logsumexp(alpha_{T-1}(L-1), alpha_{T-1}(L-2))

beta runs the same recursion from the last frame backwards; like alpha it includes frame t's own term:

    beta_{T-1}(L-1) = lp_{T-1}(blank),   beta_{T-1}(L-2) = lp_{T-1}(l_S),   others -inf
    beta_t(s) = lp_t(l'_s) + logsumexp(beta_{t+1}(s), beta_{t+1}(s+1), [skip_{s+2}] beta_{t+1}(s+2))

so alpha_t(s) + beta_t(s) - lp_t(l'_s) is the log-probability of the alignments through state s at
frame t, and its exponential over p(l | x) the state's occupancy gamma_t(s). The derivative PyTorch
returns, and this op too, is taken through the log-softmax that makes lp (the one it is meant for):

    dloss/dlp_t(c) = y_t(c) - sum_{s: l'_s = c} gamma_t(s)          for t < T, and 0 for later frames

It is the true derivative with respect to the logits; with respect to lp it differs by y_t(c), a term
that log_softmax's backward removes again. A sample with no alignment (too few frames for its labels)
has loss inf and a NaN gradient, or loss and gradient 0 under ``zero_infinity``.
Argument checking and the reductions live in `mytorch.nn.functional.ctc`.
"""
from __future__ import annotations

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function, once_differentiable
from .binary import maximum, where
from .creation import arange
from .joining import cat, pad, stack

__all__: list[str] = []
METHODS: dict = {}

_NEG_INF = float("-inf")


def _logsumexp3(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
    """log(e^a + e^b + e^c), shifted by the largest term; -inf (not NaN) where all three are -inf."""
    m = maximum(maximum(a, b), c)
    m = where(m == _NEG_INF, 0.0, m)
    return ((a - m).exp() + (b - m).exp() + (c - m).exp()).log() + m


def _from_left(x: Tensor, k: int) -> Tensor:
    """x[:, s - k], -inf where s < k: the states k to the left (the alpha recursion's predecessors)."""
    return pad(x, (k, -k), value=_NEG_INF) if x.shape[1] > k else x.new_full(x.shape, _NEG_INF)


def _from_right(x: Tensor, k: int) -> Tensor:
    """x[:, s + k], -inf past the end: the states k to the right (the beta recursion's successors)."""
    return pad(x, (-k, k), value=_NEG_INF) if x.shape[1] > k else x.new_full(x.shape, _NEG_INF)


def _extended_targets(targets: Tensor, target_lengths: Tensor, blank: int) -> Tensor:
    """l' of each sample (N, 2 S_max + 1) from padded targets (N, S_max): blanks around and between the
    labels, and blanks in the states past 2 S_n (whatever the padding held)."""
    n, s_max = targets.shape
    real = arange(s_max, device=targets.device).unsqueeze(0) < target_lengths.unsqueeze(1)
    labels = where(real, targets, blank)
    blanks = labels.new_full((n, s_max), blank)
    return cat([stack([blanks, labels], 2).reshape(n, 2 * s_max), labels.new_full((n, 1), blank)], 1)


class CTCLoss(Function):
    """Per-sample negative log-likelihood (N,) of padded targets under log_probs (T, N, C).

    Arguments: log_probs, targets (N, S) int64, input_lengths and target_lengths (N,) int64 tensors,
    blank, zero_infinity (which only zeroes the gradient of infinite samples: the functional zeroes
    their loss). The forward keeps alpha and beta (T, N, L) for the backward's occupancies.
    """

    _grad_name = "CtcLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        ext = _extended_targets(targets, target_lengths, blank)
        n_frames, batch, _ = log_probs.shape
        states = ext.shape[1]
        lp_ext = log_probs.gather(2, ext.unsqueeze(0).expand(n_frames, batch, states))  # lp_t(l'_s)
        skip = cat([ext.new_full((batch, min(2, states)), False, dtype=D.bool_), ext[:, 2:] != ext[:, :-2]], 1)
        alpha = _alpha(lp_ext, skip)
        beta = _beta(lp_ext, skip, input_lengths, target_lengths)
        nll = -_final_log_likelihood(alpha, input_lengths, target_lengths)
        ctx.meta = zero_infinity
        ctx.save_for_backward(log_probs, ext, lp_ext, input_lengths, alpha, beta, nll)
        return nll

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        log_probs, ext, lp_ext, input_lengths, alpha, beta, nll = ctx.saved_tensors
        n_frames, batch, _ = log_probs.shape
        occupancy = (alpha + beta - lp_ext + nll.reshape(1, batch, 1)).exp()  # gamma_t(s)
        index = ext.unsqueeze(0).expand(alpha.shape)
        per_class = log_probs.new_zeros(log_probs.shape).scatter_add(2, index, occupancy)
        grad = log_probs.exp() - per_class
        feasible = (nll != float("inf")).reshape(1, batch, 1)
        grad = where(feasible, grad, 0.0 if ctx.meta else float("nan"))  # zero_infinity, or PyTorch's NaN
        in_input = arange(n_frames, device=log_probs.device).reshape(-1, 1, 1) < input_lengths.reshape(1, -1, 1)
        grad = where(in_input, grad, 0.0) * g.reshape(1, batch, 1)
        return grad, None, None, None, None, None


def _alpha(lp_ext: Tensor, skip: Tensor) -> Tensor:
    """alpha_t(s) for every frame (T, N, L); frames past a sample's input length are computed but never read."""
    first_two = arange(lp_ext.shape[2], device=lp_ext.device) < 2
    alphas = [where(first_two, lp_ext[0], _NEG_INF)]
    for t in range(1, lp_ext.shape[0]):
        prev = alphas[-1]
        skipped = where(skip, _from_left(prev, 2), _NEG_INF)
        alphas.append(lp_ext[t] + _logsumexp3(prev, _from_left(prev, 1), skipped))
    return stack(alphas)


def _beta(lp_ext: Tensor, skip: Tensor, input_lengths: Tensor, target_lengths: Tensor) -> Tensor:
    """beta_t(s) (T, N, L), each sample starting at its own last frame T_n - 1; -inf at later frames."""
    n_frames, batch, states = lp_ext.shape
    s = arange(states, device=lp_ext.device).unsqueeze(0)
    last = 2 * target_lengths.unsqueeze(1)
    final_states = (s == last) | (s == last - 1)
    skip_next = _from_right(skip.to(lp_ext.dtype), 2) > 0  # the step s -> s + 2 is allowed
    last_frame = input_lengths.unsqueeze(1) - 1
    nxt = lp_ext.new_full((batch, states), _NEG_INF)
    betas = []
    for t in range(n_frames - 1, -1, -1):
        skipped = where(skip_next, _from_right(nxt, 2), _NEG_INF)
        recursed = lp_ext[t] + _logsumexp3(nxt, _from_right(nxt, 1), skipped)
        started = where(final_states, lp_ext[t], _NEG_INF)
        nxt = where(last_frame > t, recursed, where(last_frame == t, started, _NEG_INF))
        betas.append(nxt)
    return stack(betas[::-1])


def _final_log_likelihood(alpha: Tensor, input_lengths: Tensor, target_lengths: Tensor) -> Tensor:
    """log p(l | x) = logsumexp(alpha_{T_n-1}(2 S_n), alpha_{T_n-1}(2 S_n - 1)); with no frames it is
    0 for an empty target and -inf otherwise (PyTorch's convention)."""
    _, batch, states = alpha.shape
    frame = (input_lengths - 1).clamp_min(0).reshape(1, batch, 1).expand(1, batch, states)
    at_end = alpha.gather(0, frame).squeeze(0)
    last = 2 * target_lengths.unsqueeze(1)
    blank_end = at_end.gather(1, last).squeeze(1)
    label_end = where(target_lengths > 0, at_end.gather(1, (last - 1).clamp_min(0)).squeeze(1), _NEG_INF)
    ll = stack([blank_end, label_end]).logsumexp(0)
    empty = where(target_lengths == 0, 0.0, _NEG_INF).to(ll.dtype)
    return where(input_lengths == 0, empty, ll)
