"""sort/argsort/msort/topk/kthvalue/unique/searchsorted/bucketize vs torch.

Indices are compared only where the values are distinct (or torch documents the order, as for a
stable sort): PyTorch's tie order on CPU may differ from ours.
"""
import math

import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(11)
nan = math.nan


def distinct(*shape, dtype=np.float32):
    return (rng.permutation(math.prod(shape)).reshape(shape) * 0.25 - 2).astype(dtype)


# ---- sort / argsort / msort ------------------------------------------------------------------------

@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_dims(dim, descending):
    check(lambda T, x: tuple(T.sort(x, dim, descending)), distinct(3, 4, 5))
    check(lambda T, x: x.argsort(dim, descending=descending), distinct(3, 4, 5), grad=False)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sort_layouts(layout):
    check(lambda T, x: (*x.sort(), *x.sort(descending=True)), distinct(3, 6), layout=layout)
    check(lambda T, x: T.msort(x), distinct(4, 3), layout=layout if layout != "expanded" else "contiguous")


def test_sort_stable_ties_nan_and_dtypes():
    ties = np.array([2.0, 1.0, 2.0, 1.0, 0.0, 2.0], dtype=np.float32)
    check(lambda T, x: (*T.sort(x, stable=True), *T.sort(x, descending=True, stable=True)), ties)
    check(lambda T, x: tuple(x.sort(stable=True)), np.array([3.0, nan, 1.0, -2.0], dtype=np.float32))
    check(lambda T, x: x.sort(descending=True).values, np.array([3.0, nan, 1.0, -2.0], dtype=np.float32))
    check(lambda T, x: tuple(x.sort(0)), rng.permutation(7).astype(np.int32), grad=False)
    check(lambda T, x: x.sort(stable=True).values, np.array([True, False, True]), grad=False)
    check(lambda T, x: (*x.sort(), x.argsort()), np.array(1.5, dtype=np.float32))
    check(lambda T, x: tuple(x.sort(1)), np.zeros((2, 0), dtype=np.float32))
    gradcheck(lambda T, x: T.sort(x, 1, descending=True).values, distinct(2, 4))


def test_sort_double_backward():
    x = mytorch.tensor(distinct(3, 4).astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda t: (t.sort(1).values ** 2), (x,))


# ---- topk / kthvalue ---------------------------------------------------------------------------------

@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_topk(k, dim, largest):
    check(lambda T, x: tuple(T.topk(x, k, dim, largest)), distinct(4, 3, 5))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_topk_kthvalue_layouts(layout):
    check(lambda T, x: (*x.topk(2), *x.kthvalue(3), *x.kthvalue(1, 1, keepdim=True)), distinct(3, 5), layout=layout)


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_kthvalue(dim, keepdim):
    x = distinct(3, 4, 2)
    for k in (1, x.shape[dim]):
        check(lambda T, x: tuple(T.kthvalue(x, k, dim, keepdim)), x)


def test_topk_kthvalue_dtypes_and_scalars():
    x = rng.permutation(8).astype(np.int64)
    check(lambda T, x: (*x.topk(3), *x.kthvalue(2)), x, grad=False)
    check(lambda T, x: (*x.topk(1), *x.kthvalue(1), *x.topk(1, largest=False)), np.array(2.5, dtype=np.float32))
    check(lambda T, x: x.topk(2).values, np.array([1.0, nan, 3.0], dtype=np.float32))
    gradcheck(lambda T, x: (x.topk(2, 0).values, x.kthvalue(2, 1).values), distinct(3, 4))


def test_sorting_errors():
    x = distinct(2, 3)
    raises_like(lambda T, x: x.topk(4), x, match=["k out of range"])
    raises_like(lambda T, x: x.topk(-1), x, match=["k out of range"])
    raises_like(lambda T, x: x.topk(1.5), x, match=["'k'", "int"])
    raises_like(lambda T, x: x.topk(1, dim=3), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.kthvalue(0), x, match=["k out of range"])
    raises_like(lambda T, x: x.kthvalue(4, 1), x, match=["k out of range", "dimension 1"])
    raises_like(lambda T, x: x.kthvalue(1, 0), np.zeros((0, 2), dtype=np.float32), match=["non-zero size"])
    raises_like(lambda T, x: x.sort(2), x, match=["Dimension out of range"])
    raises_like(lambda T, x: x.argsort(-3), x, match=["Dimension out of range"])


# ---- unique ----------------------------------------------------------------------------------------

def test_unique():
    x = np.array([[3, 1, 2], [3, 1, 5]], dtype=np.int64)
    check(lambda T, x: T.unique(x), x, grad=False)
    check(lambda T, x: x.unique(return_inverse=True), x, grad=False)
    check(lambda T, x: T.unique(x, return_counts=True), x, grad=False)
    check(lambda T, x: T.unique(x, sorted=True, return_inverse=True, return_counts=True), x.astype(np.float32),
          grad=False)
    check(lambda T, x: T.unique(x, return_inverse=True), np.array(2.0, dtype=np.float32), grad=False)
    check(lambda T, x: T.unique(x, return_counts=True), np.zeros((0,), dtype=np.float32), grad=False)
    check(lambda T, x: T.unique(x), np.array([True, False, True]), grad=False)
    raises_like(lambda T, x: T.unique(x, dim=5), x, match=["Dimension out of range"])


# ---- searchsorted / bucketize -------------------------------------------------------------------------

def test_searchsorted_bucketize():
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0], dtype=np.float32)
    vals = np.array([[3.0, 6.0], [0.0, 9.0], [1.0, 7.0]], dtype=np.float32)
    for right in (False, True):
        check(lambda T, s, v: (T.searchsorted(s, v, right=right), T.bucketize(v, s, right=right),
                               T.searchsorted(s, v, side="right" if right else "left", out_int32=True)),
              seq, vals, grad=False)
    rows = np.sort(rng.standard_normal((3, 5)).astype(np.float32), axis=1)
    check(lambda T, s, v: T.searchsorted(s, v), rows, rng.standard_normal((3, 4)).astype(np.float32), grad=False)
    check(lambda T, s: (T.searchsorted(s, 4.0), T.bucketize(2, s)), seq, grad=False)
    check(lambda T, s, v: T.searchsorted(s, v), seq.astype(np.int64), vals, grad=False)
    unsorted = np.array([3.0, 1.0, 2.0], dtype=np.float32)
    check(lambda T, s, v: T.searchsorted(s, v, sorter=T.argsort(s)), unsorted,
          np.array([1.5, 2.5], dtype=np.float32), grad=False)


def test_searchsorted_errors():
    raises_like(lambda T, s, v: T.searchsorted(s, v), np.ones((2, 3)), np.ones((3, 2)), match=["boundaries"])
    raises_like(lambda T, s, v: T.bucketize(v, s), np.ones((2, 2)), np.ones(2), match=["1 dimension"])
    raises_like(lambda T, s, v: T.searchsorted(s, v, side="x"), np.ones(3), np.ones(2), match=["side"])
    raises_like(lambda T, s, v: T.searchsorted(s, v, side="left", right=True), np.ones(3), np.ones(2),
                match=["opposites"])
    raises_like(lambda T, s, v: T.searchsorted(s, v), np.array(1.0), np.ones(2), match=["positive dimension"])
