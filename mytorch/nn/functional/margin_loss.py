"""Margin and embedding losses with PyTorch's signatures: each is a short composition of tensor ops, so its
derivative is the chain rule through them (a hinge max(0, m - s) passes the gradient -ds where m - s > 0).

    margin_ranking_loss   max(0, -y (x1 - x2) + margin)                                y in {1, -1}
    hinge_embedding_loss  x where y = 1, max(0, margin - x) where y = -1
    soft_margin_loss      log(1 + exp(-y x))
    cosine_embedding_loss 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1
    multilabel_soft_margin_loss  -mean_c w_c (y_c log s(x_c) + (1 - y_c) log s(-x_c)),  s = sigmoid
    multi_margin_loss     sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C
    multilabel_margin_loss  sum_{j in targets} sum_{k not in targets} max(0, 1 - (x_j - x_k)) / C
    triplet_margin_loss   max(0, margin + d(a, p) - d(a, n)),  d the p-norm distance (swap: d(a, n) becomes
                          min(d(a, n), d(p, n)))

The per-sample losses are reduced by ``reduction`` as in `loss.py`.
"""
from __future__ import annotations

from typing import Callable

from ... import _dtype as D
from ..._tensor import Tensor
from .activation import logsigmoid
from ...ops.binary import minimum, where
from ...ops.creation import arange
from ...ops.distance import pairwise_distance
from .loss import _no_grad_arg, _reduce, _reduction

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "cosine_embedding_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """l = max(0, -y (x1 - x2) + margin): x1 should rank above x2 by the margin where y = 1, below where -1."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """l = x where y = 1, max(0, margin - x) where y = -1 (x a distance: small for similar pairs); a target
    other than 1 and -1 adds both terms."""
    reduction = _reduction(size_average, reduce, reduction)
    zero = input.new_zeros(())
    return _reduce(where(target != 1, (margin - input).clamp_min(0), zero) + where(target != -1, input, zero),
                       reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """l = log(1 + exp(-y x)) (the logistic loss of labels y in {1, -1});  dl/dx = -y sigmoid(-y x)."""
    reduction = _reduction(size_average, reduce, reduction)
    _no_grad_arg("soft_margin_loss", "target", target)
    return _reduce((-input * target).exp().log1p(), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """l = 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, with
    cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) over the last dim of (N, D) or (D,) inputs."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target.ndim == 1 and not input1.ndim == input2.ndim == 2:
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if target.ndim == 0 and not input1.ndim == input2.ndim == 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    d = target.ndim
    eps = 1e-12
    cos = (input1 * input2).sum(d) / (((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)).sqrt()
    zero = cos.new_zeros(())
    return _reduce(where(target == 1, 1 - cos, zero) + where(target == -1, (cos - margin).clamp_min(0), zero),
                       reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Binary logistic loss of each class of (N, C) or (C,), averaged over the C classes:
    l = -mean_c w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c))."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.sum(input.ndim - 1) / input.shape[-1], reduction)


def _class_targets(op: str, input: Tensor, target: Tensor, same_shape: bool) -> tuple[Tensor, Tensor]:
    """input as (N, C) and target as (N,) (or (N, C) when `same_shape`), after PyTorch's shape checks."""
    if input.ndim > 2 or input.numel() == 0 and input.ndim != 2:
        raise RuntimeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    if target.dtype is not D.int64:
        raise RuntimeError(f"{op}: expected target of dtype int64 (Long), but got {target.dtype}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    expected = tuple(x.shape) if same_shape else x.shape[:1]
    if target.numel() != x.numel() // x.shape[1] * (x.shape[1] if same_shape else 1) or \
            (same_shape and target.ndim > 2) or (not same_shape and target.ndim > 1):
        raise RuntimeError(f"{op}: inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    return x, target.reshape(expected)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss of class indices y under scores x (N, C) or (C,):
    l = sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C  (p = 1 or 2)."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x, t = _class_targets("multi_margin_loss", input, target, False)
    c = x.shape[1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != c):
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    _no_grad_arg("multi_margin_loss", "weight", weight)
    terms = (margin - x.gather(1, t.unsqueeze(1)) + x).clamp_min(0)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * weight[t].unsqueeze(1)
    loss = where(arange(c).unsqueeze(0) != t.unsqueeze(1), terms, terms.new_zeros(())).sum(1) / c
    return _reduce(loss.reshape(target.shape) if input.ndim < 2 else loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss of scores x (N, C) or (C,): target holds each sample's class indices, ended by
    the first -1; every target class j should score above every other class k by 1:
    l = sum_{j in targets} sum_{k not in targets} max(0, 1 - (x_j - x_k)) / C."""
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _class_targets("multilabel_margin_loss", input, target, True)
    c = x.shape[1]
    listed = (t >= 0).to(D.int64).cumprod(1) > 0  # entries before the first -1
    classes = arange(c)
    is_target = ((t.unsqueeze(2) == classes) & listed.unsqueeze(2)).any(1)  # (N, C)
    scores = x.gather(1, t.clamp_min(0))  # x_j of each listed target j (N, J)
    hinge = (1 - scores.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)  # (N, J, K)
    counted = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = where(counted, hinge, hinge.new_zeros(())).sum((1, 2)) / c
    return _reduce(loss.reshape(()) if input.ndim < 2 else loss, reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")


def _triplet(anchor: Tensor, positive: Tensor, negative: Tensor, distance: Callable, margin: float, swap: bool,
             reduction: str) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), with d(a, n) replaced by min(d(a, n), d(p, n)) when swapping."""
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance(positive, negative))
    return _reduce((margin + distance(anchor, positive) - d_neg).clamp_min(0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """l = max(0, margin + |a - p + eps|_p - |a - n + eps|_p) over the last dim (pairwise_distance)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    return _triplet(anchor, positive, negative, lambda x, y: pairwise_distance(x, y, p, eps), margin, swap,
                    reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """l = max(0, margin + d(a, p) - d(a, n)) for any distance d (pairwise_distance by default)."""
    reduction = _reduction(None, None, reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                         f"instead")
    _check_triplet_dims(anchor, positive, negative)
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction)
