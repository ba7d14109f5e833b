"""unique(dim=) and unique_consecutive (with and without dim) against PyTorch: outputs, inverse maps, counts
and errors; Tensor.view(dtype): the bits read as another dtype (equal and different element sizes, views
of views, writes through the view), its size rules and PyTorch's errors."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like, to_numpy

rng = np.random.default_rng(0)


def same(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape), (tuple(a.shape), tuple(b.shape))
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


# rows with repeats, in a few layouts: integer and float, 2-D and 3-D
ROWS = rng.integers(0, 3, size=(7, 2))
CASES = [ROWS, ROWS.astype(np.float32), rng.integers(0, 2, size=(3, 4, 2)), np.zeros((0, 3), np.float32),
         rng.integers(0, 2, size=(9,))]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("return_inverse, return_counts", [(False, False), (True, True), (True, False),
                                                           (False, True)])
def test_unique_dim(case, return_inverse, return_counts):
    a = CASES[case]
    for dim in range(-a.ndim, a.ndim):
        if a.size == 0 and a.shape[dim] != 0:
            raises_like(lambda T, x: T.unique(x, dim=dim), a)
            continue
        for sorted_ in (True, False):
            same(mytorch.unique(mytorch.tensor(a), sorted=sorted_, return_inverse=return_inverse,
                                return_counts=return_counts, dim=dim),
                 torch.unique(torch.tensor(a), sorted=sorted_, return_inverse=return_inverse,
                              return_counts=return_counts, dim=dim))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_unique_consecutive(case):
    a = np.repeat(CASES[case], 2, axis=0) if CASES[case].ndim == 1 else CASES[case]
    dims = [None] + ([] if a.size == 0 else list(range(-a.ndim, a.ndim)))
    for dim in dims:
        for flags in ((False, False), (True, True), (True, False), (False, True)):
            same(mytorch.tensor(a).unique_consecutive(*flags, dim=dim),
                 torch.tensor(a).unique_consecutive(*flags, dim=dim))


def test_unique_errors():
    a = ROWS
    for fn in (lambda T, x: T.unique(x, dim=2), lambda T, x: T.unique_consecutive(x, dim=-3),
               lambda T, x: T.unique(x[0, 0], dim=0), lambda T, x: T.unique_consecutive(x[0, 0], dim=0)):
        raises_like(fn, a)


DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32", "int64", "bool"]


@pytest.mark.parametrize("src", DTYPES)
def test_view_dtype_bits(src):
    raw = rng.integers(0, 256, size=(3, 16), dtype=np.uint8)
    if src == "bool":
        raw = raw % 2
    t = torch.from_numpy(raw.copy()).view(getattr(torch, src))
    m = mytorch.tensor(raw.copy()).view(getattr(mytorch, src))
    for dst in DTYPES:
        if dst == "bool" and src != "bool":
            continue  # other bytes than 0 and 1 are not bools
        want = t.view(getattr(torch, dst))
        got = m.view(getattr(mytorch, dst))
        assert got.dtype == getattr(mytorch, dst) and not got.requires_grad
        assert tuple(got.shape) == tuple(want.shape) and got.stride() == want.stride()
        np.testing.assert_array_equal(to_numpy(got.view(mytorch.uint8)), to_numpy(want.view(torch.uint8)))


def test_view_dtype_of_views_and_writes():
    raw = rng.standard_normal((4, 6)).astype(np.float32)
    for view in (lambda x: x[1:, 2:], lambda x: x[::2], lambda x: x.t()[:, :], lambda x: x[0]):
        t, m = view(torch.tensor(raw)), view(mytorch.tensor(raw))
        for dst in ("int32", "float16", "int8", "float64"):
            try:
                want = t.view(getattr(torch, dst))
            except RuntimeError:
                raises_like(lambda T, x: view(x).view(getattr(T, dst)), raw)
                continue
            got = m.view(getattr(mytorch, dst))
            assert tuple(got.shape) == tuple(want.shape) and got.stride() == want.stride()
            assert got.storage_offset() == want.storage_offset()
            np.testing.assert_array_equal(to_numpy(got), to_numpy(want))
    base = mytorch.zeros(2, 2)
    bits = base.view(mytorch.int32)
    bits[0, 1] = 0x3F800000  # the bits of 1.0f
    assert base.tolist() == [[0.0, 1.0], [0.0, 0.0]]
    x = mytorch.ones(3, requires_grad=True)
    assert not x.view(mytorch.float32).requires_grad


def test_view_dtype_errors():
    raw = np.zeros((2, 3), np.int8)
    for fn in (lambda T, x: x.view(T.float32),                   # size(-1) not divisible
               lambda T, x: x.to(T.float32).t().view(T.int8),    # stride(-1) != 1
               lambda T, x: x[0, 0].view(T.int16),               # 0-d
               lambda T, x: x.reshape(3, 2)[:, :].repeat(1, 2)[:, 1:3].view(T.int16)):  # offset not divisible
        raises_like(fn, raw, match=("view",))
