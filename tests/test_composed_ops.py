"""bincount, histc, histogram, histogramdd, isin, mode, block_diag, cartesian_prod, combinations, h/v/dsplit, inner, dist,
broadcast_shapes, fill, the *_scatter ops and the *_copy views vs torch: values, dtypes, gradients."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

rng = np.random.default_rng(5)


def rand(*shape):
    return rng.standard_normal(shape)


def test_counting():
    i = rng.integers(0, 6, 20)
    check(lambda T, i: T.bincount(i), i, grad=False)
    check(lambda T, i: T.bincount(i, minlength=9), i, grad=False)
    check(lambda T, i, w: T.bincount(i, w), i, rand(20), grad=False)
    check(lambda T, i, w: T.bincount(i, w.to(T.float32)), i, rand(20), grad=False)
    check(lambda T, i: T.bincount(i[:0]), i, grad=False)
    raises_like(lambda T, i: T.bincount(i - 10), i, match=["non-negative"])
    x = rand(50)
    for kwargs in ({}, {"bins": 7}, {"bins": 5, "min": -1, "max": 1}):
        check(lambda T, x: T.histc(x, **kwargs), x, grad=False)
    check(lambda T, x: T.histc(x * 0 + 2, bins=4), x, grad=False)
    for bad in (np.array([0.5, np.nan]), np.array([0.5, np.inf])):  # the data's range is not finite
        raises_like(lambda T, x: T.histc(x, bins=3), bad, match=["is not finite"])
    raises_like(lambda T, x: T.histc(x, bins=3, min=0, max=float("inf")), x, match=["range of [0, inf] is not finite"])
    check(lambda T, a, b: T.isin(a, b), i, i[:4], grad=False)
    check(lambda T, a, b: T.isin(a, b, invert=True), i.reshape(4, 5), i[:3], grad=False)
    check(lambda T, a: T.isin(a, 3), i, grad=False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mode(layout):
    i = rng.integers(0, 4, (4, 7))
    check(lambda T, i: T.mode(i), i, grad=False, layout=layout)
    check(lambda T, i: T.mode(i, 0, keepdim=True), i, grad=False, layout=layout)
    x = rng.integers(0, 3, (3, 6)).astype(np.float64)
    check(lambda T, x: T.mode(x, 1).values * 2, x, layout=layout)
    check(lambda T, x: x.mode(0), x, layout=layout)
    check(lambda T, x: T.mode(x[0, 0]), x)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_joins_and_products(layout):
    a, b = rand(2, 3), rand(3)
    check(lambda T, a, b: T.block_diag(a, b, a[0, 0]), a, b, layout=layout)
    check(lambda T, a, b: T.block_diag(a, T.tensor([[1, 2]], dtype=T.int32)), a, b)
    check(lambda T, b: T.cartesian_prod(b, b[:2] * 2), b)
    check(lambda T, b: T.cartesian_prod(b), b)
    for r, rep in ((2, False), (3, True), (0, False), (4, False)):
        check(lambda T, b: T.combinations(b, r, with_replacement=rep), b)
    check(lambda T, a, b: T.inner(a, b), a, b, layout=layout)
    check(lambda T, a, b: T.inner(a, a), a, b, layout=layout)
    check(lambda T, a, b: a.inner(b[0]), a, b)
    for p in (2, 1, 0, float("inf"), 3.5):
        check(lambda T, a, b: T.dist(a, b, p), a, b, layout=layout, grad=p != 0)  # torch fails its p=0 gradient
    raises_like(lambda T, a, b: T.inner(a, b), rand(2, 3), rand(4))


def test_splits_and_shapes():
    x = rand(4, 6, 8)
    for op, arg in (("hsplit", 2), ("hsplit", [1, 4]), ("vsplit", 4), ("vsplit", [3]), ("dsplit", 4), ("dsplit", [1, 7])):
        check(lambda T, x: getattr(T, op)(x, arg), x)
        check(lambda T, x: getattr(x, op)(arg), x)
    check(lambda T, x: T.hsplit(x[0, 0], 4), x)
    raises_like(lambda T, x: T.hsplit(x, 5), x, match=["not divisible"])
    raises_like(lambda T, x: T.dsplit(x[0], 2), x)
    same(lambda T: T.broadcast_shapes((2, 1), (3,), 1, ()))
    raises_like(lambda T, x: T.broadcast_shapes((2,), (3,)), x)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_scatters_fill_and_copies(layout):
    x = rand(4, 5)
    check(lambda T, x, s: T.diagonal_scatter(x, s[:3], 2), x, rand(4), layout=layout)
    check(lambda T, x, s: T.diagonal_scatter(x, s, -1, 1, 0), x, rand(4), layout=layout)
    check(lambda T, x, s: T.select_scatter(x, s, 1, -2), x, rand(4), layout=layout)
    check(lambda T, x, s: T.slice_scatter(x, s, 1, 1, 5, 2), x, rand(4, 2), layout=layout)
    check(lambda T, x, s: x.slice_scatter(s, start=2), x, rand(2, 5), layout=layout)
    check(lambda T, x, v: T.fill(x, v[0]), x, rand(1), layout=layout)
    check(lambda T, x: T.fill(x, 3), x, layout=layout)
    for name, args in (("alias_copy", ()), ("diagonal_copy", (1,)), ("expand_copy", ((3, 4, 5),)),
                       ("narrow_copy", (1, 1, 2)), ("permute_copy", ((1, 0),)), ("squeeze_copy", ()),
                       ("t_copy", ()), ("transpose_copy", (0, 1)), ("unbind_copy", (1,)),
                       ("unsqueeze_copy", (0,)), ("split_with_sizes_copy", ([1, 3],))):
        check(lambda T, x: getattr(T, name)(x, *args), x, layout=layout)
    # views of the storage itself, so of a contiguous input only
    check(lambda T, x: T.view_copy(x, (5, 4)) + T.as_strided_copy(x, (2, 2), (1, 2)).sum(), x)
    check(lambda T, x: T.split_with_sizes(x, [2, 3], 1), x, layout=layout)
    check(lambda T, x: x.split_with_sizes([2, 3], 1), x, layout=layout)


def test_copies_do_not_alias():
    x = mytorch.zeros(2, 3)
    y = mytorch.t_copy(x)
    y += 1
    assert float(x.sum()) == 0.0


def test_gradcheck():
    a, b = rand(2, 3), rand(3)
    gradcheck(lambda T, a, b: T.block_diag(a, b).sum(0) * 2, a, b)
    gradcheck(lambda T, a, b: T.inner(a, b) + T.dist(a, b.expand(2, 3)), a, b)
    gradcheck(lambda T, a, s: T.diagonal_scatter(a, s[:2], 1) + 1, a, b)
    gradcheck(lambda T, b: T.combinations(b, 2) ** 2, b)


def test_histogram():
    x = rng.standard_normal(40)
    for kwargs in ({}, {"range": (-1.0, 1.0)}, {"density": True}, {"weight": rng.random(40)}):
        same(lambda T: T.histogram(T.tensor(x), 7, **{k: T.tensor(v) if k == "weight" else v
                                                       for k, v in kwargs.items()}))
    same(lambda T: T.histogram(T.tensor(x), T.tensor(np.array([-2.0, -0.5, 0.0, 0.3, 2.0])), density=True))
    same(lambda T: T.histogram(T.tensor([2.0, 2.0]), 3))
    same(lambda T: T.tensor(x).float().histogram(4))
    raises_like(lambda T, i: T.histogram(i, 3), np.arange(4))
    raises_like(lambda T, a: T.histogram(a, 3, range=(1.0, 0.0)), x, match=["min should not exceed max"])
    # weights of one element per entry, any shape, of input's dtype; edges of input's dtype, at least two
    same(lambda T: T.histogram(T.tensor(x[:4].reshape(2, 2)), 3, weight=T.tensor(x[4:8].reshape(4, 1))))
    raises_like(lambda T, a, w: T.histogram(a, 3, weight=w), x, x[:5], match=["input with shape [40, 1]"])
    raises_like(lambda T, a, w: T.histogram(a, 3, weight=w), x, x.astype(np.float32), match=["same dtype"])
    raises_like(lambda T, a, e: T.histogram(a, e), x, np.array([0.0, 1.0], np.float32), match=["same dtype"])
    raises_like(lambda T, a, e: T.histogram(a, e), x, np.array([0.0]), match=["bins must be > 0"])


def test_histogramdd():
    points = rng.standard_normal((2, 15, 3))  # points in R^3, batched: the leading dims are flattened
    weight = rng.random((2, 15))
    for bins, kwargs in ((4, {}), ([2, 3, 5], {}), (3, {"range": [-1.0, 1.0, -2.0, 0.5, 0.0, 3.0]}),
                         ([3, 1, 2], {"density": True}), (2, {"weight": weight, "density": True}),
                         (2, {"weight": weight})):
        same(lambda T: T.histogramdd(T.tensor(points), bins, **{k: T.tensor(v) if k == "weight" else v
                                                               for k, v in kwargs.items()}))
    edges = [np.array([-3.0, 0.0, 0.5, 3.0]), np.array([-1.0, 1.0]), np.array([-2.0, -1.0, 0.0, 1.0, 2.0])]
    same(lambda T: T.histogramdd(T.tensor(points[0]).float(), [T.tensor(e).float() for e in edges], density=True))
    same(lambda T: T.histogramdd(T.tensor(np.ones((3, 2))), 3))  # one value per dimension: widened by 1/2
    same(lambda T: T.histogramdd(T.tensor(np.zeros((0, 2))), [2, 3]))  # no points: [0, 1]
    raises_like(lambda T, a: T.histogramdd(a, 2), points[0, :, 0], match=["at least 2 dimensions"])
    raises_like(lambda T, a: T.histogramdd(a, [2, 3]), points[0], match=["size of bins"])
    raises_like(lambda T, a: T.histogramdd(a, 2, range=[0.0, 1.0]), points[0], match=["range should have 6"])
    raises_like(lambda T, a: T.histogramdd(a, 2, range=[0.0, 1.0, 1.0, 0.0, 0.0, 1.0]), points[0],
                match=["min should not exceed max, but got min 1 max 0 for dimension 1"])
    raises_like(lambda T, a: T.histogramdd(a, 2, weight=T.ones(4)), points[0], match=["excluding its innermost"])
    raises_like(lambda T, a: T.histogramdd(a, 2), np.ones((3, 2), dtype=np.int64), match=["not implemented for"])


def test_unsafe_masked_index():
    x = rand(4, 5)
    mask = rng.random((6, 6)) < 0.5
    rows, cols = rng.integers(0, 7, (6, 1)), rng.integers(0, 7, (1, 6))
    keep = mask & (rows < 4) & (cols < 5)
    check(lambda T, x: T._unsafe_masked_index(x, T.tensor(keep), [T.tensor(rows), T.tensor(cols)], -2.5), x)
    v = rand(6, 6)
    check(lambda T, x, v: T._unsafe_masked_index_put_accumulate(x, T.tensor(keep), [T.tensor(rows), T.tensor(cols)],
                                                               v), x, v)
