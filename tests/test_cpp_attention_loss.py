"""The compiled cross-entropy kernels (csrc/fused/cross_entropy.cpp): each primitive against the NumPy
backend's on strided inputs; the public functions on the C++ backend against PyTorch (values and gradients
for a random upstream gradient, non-contiguous inputs); float64 gradcheck."""
import numpy as np
import pytest

import mytorch
import mytorch.nn.functional as F
from cpp_compare import backend, be, skip_without_cpp  # noqa: F401 (fixtures)
from helpers import check, gradcheck

pytestmark = skip_without_cpp

TOL = {np.float32: 3e-5, np.float64: 1e-12}


def strided(b, a: np.ndarray, layout: str):
    """a on backend b, laid out contiguous, with its last two dims transposed in memory, or as every other
    element of a wider array (an offset-free strided slice)."""
    if layout == "transposed" and a.ndim >= 2:
        perm = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
        return b.permute(b.from_host(np.ascontiguousarray(a.transpose(perm)), None), perm)
    if layout == "sliced":
        wide = np.repeat(a, 2, axis=-1)
        return b.basic_index(b.from_host(wide, None), (Ellipsis, slice(None, None, 2)))
    return b.from_host(a, None)


def on_both(be, a, layout="contiguous"):
    """(NumPy-backend array, C++-backend array) of the same values, the C++ one in `layout`."""
    npb, cpp = be
    return (None, None) if a is None else (npb.from_host(a, None), strided(cpp, a, layout))


def close(be, want, got, dtype):
    """Results of the two backends (tuples entry by entry) equal to rounding."""
    npb, cpp = be
    if isinstance(want, tuple):
        assert len(want) == len(got)
        for w, g in zip(want, got):
            close(be, w, g, dtype)
        return
    assert (want is None) == (got is None)
    if want is None:
        return
    w, g = np.asarray(npb.to_host(want)), np.asarray(cpp.to_host(got))
    assert w.shape == g.shape and w.dtype == g.dtype
    np.testing.assert_allclose(g, w, rtol=TOL[dtype], atol=TOL[dtype], equal_nan=True)


# ---- cross-entropy: the primitives ----------------------------------------------------------------------

CE_CASES = {  # name: (ignore_index, label_smoothing, weighted, log_softmax)
    "plain": (-100, 0.0, False, True), "ignore": (2, 0.0, False, True), "smoothing": (-100, 0.3, False, True),
    "weights": (-100, 0.0, True, True), "all": (1, 0.1, True, True), "nll": (-100, 0.0, False, False),
    "nll_weights_ignore": (0, 0.0, True, False),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("shape", [(7, 5), (3, 6, 4), (2, 5, 3, 2), (4, 300)])
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy_matches_numpy_backend(be, rng, dtype, layout, shape, case):
    npb, cpp = be
    ignore_index, smoothing, weighted, log_softmax = CE_CASES[case]
    classes, per_sample = shape[1], shape[:1] + shape[2:]
    x = on_both(be, (rng.standard_normal(shape) * 4).astype(dtype), layout)
    target = rng.integers(0, classes, per_sample)
    target.flat[::3] = ignore_index  # -100 too: an ignored target may lie outside [0, C)
    t = on_both(be, target.astype(np.int64))
    w = on_both(be, rng.uniform(0.5, 2.0, classes).astype(dtype) if weighted else None, "sliced")
    args = (ignore_index, smoothing, log_softmax)
    want = npb.cross_entropy(x[0], t[0], w[0], *args)
    got = cpp.cross_entropy(x[1], t[1], w[1], *args)
    close(be, want[:4], got[:4], dtype)
    assert got[4] is None  # the backward recomputes p: no (N, C) array written
    for g_host in (np.array(0.7, dtype), rng.standard_normal(per_sample).astype(dtype)):
        g = on_both(be, g_host, "sliced" if g_host.ndim else "contiguous")
        close(be, npb.cross_entropy_backward(g[0], x[0], t[0], w[0], *want[2:], *args),
              cpp.cross_entropy_backward(g[1], x[1], t[1], w[1], *got[2:], *args), dtype)
        if log_softmax:  # from probabilities, as a backend that keeps them passes them
            p = on_both(be, np.asarray(npb.to_host(npb.softmax(x[0], 1))), layout)
            close(be, npb.cross_entropy_backward(g[0], x[0], t[0], w[0], None, None, p[0], *args),
                  cpp.cross_entropy_backward(g[1], x[1], t[1], w[1], None, None, p[1], *args), dtype)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_cross_entropy_half_types_computed_in_float32(rng, dtype):
    x32 = (rng.standard_normal((6, 9)) * 3).astype(np.float32)
    target = mytorch.tensor(rng.integers(0, 9, 6))
    x = mytorch.tensor(x32).to(getattr(mytorch, dtype)).requires_grad_(True)
    loss = F.cross_entropy(x, target, label_smoothing=0.1)
    loss.backward()
    ref = mytorch.tensor(x.detach().float().numpy(), requires_grad=True)
    ref_loss = F.cross_entropy(ref, target, label_smoothing=0.1)
    ref_loss.backward()
    assert loss.dtype is x.dtype and x.grad.dtype is x.dtype
    np.testing.assert_allclose(loss.float().item(), ref_loss.item(), rtol=1e-2)
    np.testing.assert_allclose(x.grad.float().numpy(), ref.grad.numpy(), atol=2e-3)


def test_cross_entropy_names_first_bad_target_row_major(be):
    npb, cpp = be
    x = on_both(be, np.zeros((2, 4, 3), np.float32))
    t = on_both(be, np.array([[0, 1, 9], [-3, 2, 7]], np.int64))  # 9 comes first row-major
    for b, xx, tt in ((npb, x[0], t[0]), (cpp, x[1], t[1])):
        with pytest.raises(IndexError, match=r"^Target 9 is out of bounds\.$"):
            b.cross_entropy(xx, tt, None, -100, 0.0, True)
    with pytest.raises(IndexError, match=r"^Target -3 is out of bounds\.$"):
        cpp.cross_entropy(x[1], t[1], None, 9, 0.0, False)


def test_cross_entropy_rejects_integer_logits(be):
    _, cpp = be
    with pytest.raises(TypeError):
        cpp.cross_entropy(cpp.from_host(np.zeros((2, 3), np.int64), None),
                          cpp.from_host(np.zeros(2, np.int64), None), None, -100, 0.0, True)


# ---- cross-entropy: the public function against PyTorch -------------------------------------------------

@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(8, 5), (4, 6, 3), (3, 1000)])
def test_cross_entropy_matches_torch(rng, layout, reduction, shape):
    classes = shape[1]
    target = rng.integers(0, classes, shape[:1] + shape[2:])
    target.flat[1] = 2
    weight = rng.uniform(0.5, 2.0, classes).astype(np.float32)
    for kw in ({}, {"ignore_index": 2}, {"label_smoothing": 0.2}, {"ignore_index": 2, "label_smoothing": 0.15}):
        check(lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(target), reduction=reduction, **kw),
              (rng.standard_normal(shape) * 3).astype(np.float32), layout=layout)
        check(lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(target), T.tensor(weight), reduction=reduction,
                                                         **kw),
              (rng.standard_normal(shape) * 3).astype(np.float32), layout=layout)
    check(lambda T, x: T.nn.functional.nll_loss(x, T.tensor(target), T.tensor(weight), reduction=reduction,
                                                ignore_index=2),
          rng.standard_normal(shape).astype(np.float32), layout=layout)


def test_cross_entropy_gradcheck(rng):
    target = mytorch.tensor(np.array([[0, 3, 1], [2, 2, 0]]))
    weight = mytorch.tensor(rng.uniform(0.5, 2.0, 4))
    gradcheck(lambda T, x: T.nn.functional.cross_entropy(x, target, weight, ignore_index=1, label_smoothing=0.2),
              rng.standard_normal((2, 4, 3)))
    gradcheck(lambda T, x: T.nn.functional.cross_entropy(x, target[0], reduction="sum"), rng.standard_normal((3, 4)))
