"""Connectionist Temporal Classification: the log-likelihood of a label sequence summed over every
alignment of it to the frames, by the forward-backward recursions of Graves et al. (2006).

Notation, for one sample n:
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
that log_softmax's backward removes again. PyTorch's kernel sums each class's occupancies in log space,
log sum_{s: l'_s = c} e^(alpha_t(s) + beta_t(s)), and adds the loss back before the exponential (the terms
are near e^-loss, which float32 cannot hold for long utterances); the backend primitives
(`Backend.ctc_loss`, `Backend.ctc_loss_backward`) take the same order, so float32 gradients round alike.
A sample with no alignment (too few frames for its labels) has loss inf and a NaN gradient, or loss and
gradient 0 under ``zero_infinity``. Argument checking and the reductions live in `mytorch.nn.functional.ctc`.
"""
from __future__ import annotations

from ..autograd.function import Function, once_differentiable
from ._tensor_backend import fused

__all__: list[str] = []
METHODS: dict = {}


class CTCLoss(Function):
    """Per-sample negative log-likelihood (N,) of targets under log_probs (T, N, C).

    Arguments: log_probs, targets (padded (N, S) or concatenated, int64), input_lengths and target_lengths
    (N,) int64 tensors, blank, zero_infinity (which only zeroes the gradient of infinite samples: the
    functional zeroes their loss). The forward keeps the backend's alpha (T, N, 2 S + 1) for the backward.
    """

    _grad_name = "CtcLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        nll, log_alpha = fused("ctc_loss", log_probs, targets, input_lengths, target_lengths, blank)
        ctx.meta = (blank, zero_infinity)
        ctx.save_for_backward(log_probs, targets, input_lengths, target_lengths, nll, log_alpha)
        return nll

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        blank, zero_infinity = ctx.meta
        grad = fused("ctc_loss_backward", g.contiguous(), *ctx.saved_tensors, blank, zero_infinity)
        return grad, None, None, None, None, None
