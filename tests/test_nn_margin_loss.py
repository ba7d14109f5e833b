"""The margin, embedding and likelihood losses (margin_ranking, hinge_embedding, soft_margin, cosine_embedding,
multilabel_soft_margin, multi_margin, multilabel_margin, triplet_margin (with distance), poisson_nll,
gaussian_nll) and their modules vs PyTorch: values and gradients of every float input for each reduction,
reprs, and errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck, raises_like

R = np.random.default_rng(0)
REDUCTIONS = ("none", "mean", "sum")


def randn(*shape):
    return R.standard_normal(shape)


def signs(*shape):
    return np.where(R.random(shape) < 0.5, -1.0, 1.0)


def F(T):
    return T.nn.functional


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pairwise_margin_losses(reduction):
    check(lambda T, a, b, y: F(T).margin_ranking_loss(a, b, y, margin=0.3, reduction=reduction),
          randn(6), randn(6), signs(6))
    check(lambda T, x, y: F(T).hinge_embedding_loss(x, y, margin=0.5, reduction=reduction), randn(4, 3), signs(4, 3))
    y = signs(4, 3)
    check(lambda T, x: F(T).soft_margin_loss(x, T.tensor(y), reduction=reduction), randn(4, 3))
    check(lambda T, a, b, y: F(T).cosine_embedding_loss(a, b, y, margin=0.2, reduction=reduction),
          randn(5, 4), randn(5, 4), signs(5))
    check(lambda T, a, b, y: F(T).cosine_embedding_loss(a, b, y, reduction=reduction), randn(4), randn(4),
          np.array(-1.0))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_class_margin_losses(reduction):
    x, t = randn(4, 5), np.array([0, 3, 4, 1])
    weight = np.abs(randn(5))
    onehot = (t[:, None] == np.arange(5)).astype(np.float64)
    check(lambda T, x, y, w: F(T).multilabel_soft_margin_loss(x, y, weight=w, reduction=reduction), x, onehot,
          weight)
    for p in (1, 2):
        check(lambda T, x, t: F(T).multi_margin_loss(x, t, p=p, margin=0.7, weight=T.tensor(weight),
                                                     reduction=reduction), x, t)
    check(lambda T, x, t: F(T).multi_margin_loss(x, t, reduction=reduction), randn(5), np.array([2]))
    labels = np.array([[3, 0, -1, 1, 2], [1, 1, 4, 2, 0], [-1, 2, 0, 0, 0], [4, 3, 2, 1, 0]])
    check(lambda T, x, t: F(T).multilabel_margin_loss(x, t, reduction=reduction), x, labels)
    check(lambda T, x, t: F(T).multilabel_margin_loss(x, t, reduction=reduction), randn(5), labels[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", (False, True))
def test_triplet_losses(reduction, swap):
    a, p, n = randn(5, 4), randn(5, 4), randn(5, 4)
    check(lambda T, a, p, n: F(T).triplet_margin_loss(a, p, n, margin=0.8, p=1.5, swap=swap, reduction=reduction),
          a, p, n)
    check(lambda T, a, p, n: F(T).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda x, y: 1 - F(T).cosine_similarity(x, y), swap=swap, reduction=reduction),
        a, p, n)
    check(lambda T, a, p, n: T.nn.TripletMarginWithDistanceLoss(swap=swap, reduction=reduction)(a, p, n), a, p, n)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_likelihood_losses(reduction):
    rates, counts = randn(3, 4), np.floor(np.abs(randn(3, 4)) * 3)
    for log_input in (True, False):
        for full in (False, True):
            x = rates if log_input else np.abs(rates) + 0.1
            check(lambda T, x: F(T).poisson_nll_loss(x, T.tensor(counts), log_input, full, reduction=reduction), x)
    x, y = randn(3, 4), randn(3, 4)
    for var in (np.abs(randn(3, 4)), np.abs(randn(3, 1)), np.abs(randn(3)) * 1e-7):
        check(lambda T, x, y, v: F(T).gaussian_nll_loss(x, y, v, full=True, eps=1e-4, reduction=reduction), x, y, var)
    check(lambda T, x, y: F(T).gaussian_nll_loss(x, y, 0.5, reduction=reduction), x, y)


def test_gradcheck():
    gradcheck(lambda T, a, b: F(T).cosine_embedding_loss(a, b, T.tensor([1.0, -1.0, -1.0]), margin=-0.5),
              randn(3, 4), randn(3, 4))
    gradcheck(lambda T, x: F(T).multi_margin_loss(x, T.tensor([1, 0, 2]), p=2, margin=2.0), randn(3, 4))
    gradcheck(lambda T, x: F(T).multilabel_margin_loss(x, T.tensor([[2, 0, -1, 1], [3, -1, 0, 0]]), reduction="sum"),
              randn(2, 4))
    gradcheck(lambda T, a, p, n: F(T).triplet_margin_loss(a, p, n, margin=2.0, swap=True), randn(3, 2), randn(3, 2),
              randn(3, 2))


MODULES = [
    lambda nn: nn.MarginRankingLoss(0.5), lambda nn: nn.HingeEmbeddingLoss(2.0, reduction="sum"),
    lambda nn: nn.SoftMarginLoss(), lambda nn: nn.CosineEmbeddingLoss(0.1), lambda nn: nn.MultiLabelSoftMarginLoss(),
    lambda nn: nn.MultiMarginLoss(2, 0.5), lambda nn: nn.MultiLabelMarginLoss(), lambda nn: nn.TripletMarginLoss(p=1.0),
    lambda nn: nn.TripletMarginWithDistanceLoss(margin=2.0), lambda nn: nn.PoissonNLLLoss(False, True),
    lambda nn: nn.GaussianNLLLoss(full=True, eps=1e-3),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_reprs_and_state(make):
    m, t = make(mytorch.nn), make(torch.nn)
    assert repr(m) == repr(t)
    assert m.reduction == t.reduction and list(m.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("fn,arrays,match", [
    (lambda T, a, b, y: F(T).margin_ranking_loss(a, b, y), (randn(3), randn(3), signs(3, 1)),
     ["All input tensors should have same dimension"]),
    (lambda T, a, b, y: F(T).cosine_embedding_loss(a, b, y), (randn(3, 2), randn(3, 2), signs(3, 1)),
     ["0D or 1D target tensor expected"]),
    (lambda T, x: F(T).multi_margin_loss(x, T.tensor([0, 1]), p=3), (randn(2, 3),), ["only p == 1 and p == 2"]),
    (lambda T, x, v: F(T).gaussian_nll_loss(x, x, v), (randn(3, 4), np.abs(randn(2, 4))), ["var is of incorrect"]),
    (lambda T, x, y: F(T).soft_margin_loss(x, y.requires_grad_()), (randn(3), signs(3)), ["not differentiable"]),
    (lambda T, x, w: F(T).multi_margin_loss(x, T.tensor([0, 1]), weight=w.requires_grad_()), (randn(2, 3), randn(3)),
     ["not differentiable"]),
    (lambda T, x, v: F(T).gaussian_nll_loss(x, x, -v), (randn(3, 4), np.abs(randn(3, 4))), ["negative entry"]),
    (lambda T, a: F(T).triplet_margin_loss(a, a, a[0]), (randn(3, 2),), ["same number of dimensions"]),
    (lambda T, a: F(T).triplet_margin_with_distance_loss(a, a, a, margin=0.0), (randn(3, 2),),
     ["expected margin to be greater than 0"]),
])
def test_errors(fn, arrays, match):
    raises_like(fn, *arrays, match=match)
