"""F.embedding_bag and nn.EmbeddingBag vs PyTorch: sum, mean and max bags from 2-D inputs and from 1-D inputs
with offsets (empty bags, include_last_offset), padding_idx, per_sample_weights; values and the weight's
gradient; repr, from_pretrained, errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, raises_like

R = np.random.default_rng(0)
WEIGHT = R.standard_normal((10, 3))
BAGS = [
    {"input": np.array([[1, 2, 4], [4, 3, 0]])},
    {"input": np.array([1, 2, 4, 5, 4, 3, 2, 9]), "offsets": np.array([0, 4, 4, 6])},
    {"input": np.array([1, 2, 4, 5, 4, 3, 2, 9]), "offsets": np.array([0, 3, 8]), "include_last_offset": True},
]


def _call(T, weight, bags: dict, **kwargs):
    args = {k: T.tensor(v) if isinstance(v, np.ndarray) else v for k, v in bags.items()}
    return T.nn.functional.embedding_bag(weight=weight, **args, **kwargs)


@pytest.mark.parametrize("bags", BAGS)
@pytest.mark.parametrize("mode", ("sum", "mean", "max"))
@pytest.mark.parametrize("padding_idx", (None, 4))
def test_embedding_bag(bags, mode, padding_idx):
    check(lambda T, w: _call(T, w, bags, mode=mode, padding_idx=padding_idx), WEIGHT)


@pytest.mark.parametrize("bags", BAGS)
def test_per_sample_weights(bags):
    weights = R.standard_normal(bags["input"].shape)
    check(lambda T, w, s: _call(T, w, bags, mode="sum", per_sample_weights=s), WEIGHT, weights)


def test_deprecated_argument_order():
    """embedding_bag(weight, input, ...), PyTorch's order before 0.4: swapped back, with PyTorch's warning."""
    bags = BAGS[1]
    weights = R.standard_normal(bags["input"].shape)
    for T in (mytorch, torch):
        with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag was changed"):
            T.nn.functional.embedding_bag(T.tensor(WEIGHT), T.tensor(bags["input"]), T.tensor(bags["offsets"]))
    with pytest.warns(UserWarning):
        check(lambda T, w, s: T.nn.functional.embedding_bag(w, T.tensor(bags["input"]), T.tensor(bags["offsets"]),
                                                            mode="sum", per_sample_weights=s), WEIGHT, weights)


def test_module():
    for kwargs in ({}, {"mode": "max", "padding_idx": -2, "max_norm": 1.0, "norm_type": 3.0}):
        m, t = mytorch.nn.EmbeddingBag(10, 3, **kwargs), torch.nn.EmbeddingBag(10, 3, **kwargs)
        assert repr(m) == repr(t)
        with mytorch.no_grad():
            m.weight.copy_(mytorch.tensor(t.weight.detach().numpy()))
        x, offsets = np.array([1, 2, 8, 5, 8]), np.array([0, 2])
        check(lambda T, _: (m if T is mytorch else t)(T.tensor(x), T.tensor(offsets)), np.zeros(1), grad=False)
    bag = mytorch.nn.EmbeddingBag.from_pretrained(mytorch.tensor(WEIGHT), mode="sum")
    assert not bag.weight.requires_grad and bag.mode == "sum"


@pytest.mark.parametrize("kwargs,match", [
    ({"offsets": np.array([0, 1])}, "offsets has to be None"),
    ({"mode": "mean", "per_sample_weights": np.ones((2, 3))}, "only supported for mode='sum'"),
    ({"mode": "median"}, "mode has to be one of sum, mean or max"),
])
def test_errors(kwargs, match):
    raises_like(lambda T, w: _call(T, w, {"input": np.array([[1, 2, 4], [4, 3, 0]]), **kwargs}), WEIGHT,
                match=[match])


def test_weight_not_2d():
    raises_like(lambda T, w: T.nn.functional.embedding_bag(T.tensor([[1, 2]]), w), np.ones(3),
                match=["weight has to be a 2D Tensor"])
