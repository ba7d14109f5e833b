"""cdist, pairwise_distance, cosine_similarity and their modules vs torch (values, gradients, broadcasting)."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(17)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, 0.0, float("inf")])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_cdist(p, layout):
    check(lambda T, a, b: T.cdist(a, b, p=p), rand(4, 3), rand(5, 3), layout=layout, atol=1e-4)
    check(lambda T, a, b: T.cdist(a, b, p), rand(2, 1, 4, 3), rand(3, 5, 3), layout=layout, atol=1e-4)


def test_cdist_large_uses_same_values_and_zero_distance_gradient():
    check(lambda T, a, b: T.cdist(a, b), rand(30, 8), rand(27, 8), atol=1e-4)  # torch's matmul path
    a = rand(3, 4)
    check(lambda T, a, b: T.cdist(a, b), a, a.copy())  # zero distances: gradient 0 there, as torch
    gradcheck(lambda T, a, b: T.cdist(a, b, p=3), rand(3, 2), rand(4, 2))
    gradcheck(lambda T, a, b: T.cdist(a, b), rand(2, 3, 2), rand(2, 4, 2))


def test_cdist_errors():
    raises_like(lambda T, a, b: T.cdist(a, b), rand(3), rand(3, 3), match=["at least 2D"])
    raises_like(lambda T, a, b: T.cdist(a, b), rand(2, 3), rand(2, 4), match=["same number of columns"])
    raises_like(lambda T, a, b: T.cdist(a, b, p=-1), rand(2, 3), rand(2, 3), match=["non-negative"])
    raises_like(lambda T, a, b: T.cdist(a, b), rng.integers(0, 3, (2, 3)), rng.integers(0, 3, (2, 3)),
                match=["floating-point"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_pairwise_distance(layout):
    for p in (2.0, 1.0, 3.5, float("inf")):
        check(lambda T, a, b: T.nn.functional.pairwise_distance(a, b, p), rand(4, 3), rand(4, 3), layout=layout)
    check(lambda T, a, b: T.pairwise_distance(a, b, keepdim=True), rand(4, 3), rand(3), layout=layout)
    check(lambda T, a, b: T.nn.PairwiseDistance(1.5, 1e-3)(a, b), rand(3), rand(2, 3), layout=layout)
    a = rand(2, 3)
    check(lambda T, a, b: T.pairwise_distance(a, b), a, a.copy())
    check(lambda T, a, b: T.pairwise_distance(a, b), rng.integers(0, 3, (2, 3)), rng.integers(0, 3, (2, 3)))
    gradcheck(lambda T, a, b: T.pairwise_distance(a, b, 3.0), rand(2, 3), rand(2, 3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_cosine_similarity(layout):
    check(lambda T, a, b: T.nn.functional.cosine_similarity(a, b), rand(4, 3), rand(4, 3), layout=layout)
    check(lambda T, a, b: T.cosine_similarity(a, b, dim=-1), rand(2, 4, 3), rand(4, 3), layout=layout)
    check(lambda T, a, b: T.nn.CosineSimilarity(0, 1e-3)(a, b), rand(3, 2), rand(3, 1), layout=layout)
    gradcheck(lambda T, a, b: T.cosine_similarity(a, b, 0), rand(3, 2), rand(3, 2))


def test_cosine_similarity_tiny_and_zero_vectors():
    a = np.zeros((2, 3), np.float64)
    a[1] = 1e-10
    check(lambda T, a, b: T.cosine_similarity(a, b), a, rand(2, 3, dtype=np.float64), rtol=1e-6)
    raises_like(lambda T, a, b: T.cosine_similarity(a, b), rng.integers(0, 3, (2, 3)), rng.integers(0, 3, (2, 3)),
                match=["floating point"])
