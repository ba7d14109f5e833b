"""The compiled cross-entropy and flash-style attention kernels (csrc/fused/cross_entropy.cpp, attention.cpp):
each primitive against the NumPy backend's on strided inputs, with sizes that cross the attention kernel's
tiles (48 query rows, 64 keys); the public functions on the C++ backend against PyTorch (values and gradients for a
random upstream gradient, non-contiguous inputs); float64 gradcheck; and the cases the attention kernel
leaves to the composite body."""
import math

import numpy as np
import pytest

import mytorch
import mytorch.nn.functional as F
from cpp_compare import backend, be, skip_without_cpp  # noqa: F401 (fixtures)
from helpers import LAYOUTS, check, gradcheck
from mytorch import backends

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


# ---- attention: the primitives ----------------------------------------------------------------------------

def _qkv(rng, dtype, B, H, Hkv, L, S, E, Ev):
    return (rng.standard_normal((B, H, L, E)).astype(dtype), rng.standard_normal((B, Hkv, S, E)).astype(dtype),
            rng.standard_normal((B, Hkv, S, Ev)).astype(dtype))


def _mask(rng, kind, dtype, B, L, S):
    if kind == "bool":  # broadcast (L, S); query 1 sees no key at all
        m = rng.random((L, S)) > 0.3
        m[1] = False
        return m
    if kind == "float":  # broadcast over heads, additive, with -inf entries and one fully masked row
        m = rng.standard_normal((B, 1, L, S)).astype(dtype)
        m[0, 0, 2, :] = -np.inf
        m[-1, 0, :, 0] = -np.inf
        return m
    return None


SHAPES = {  # name: (B, H, Hkv, L, S, E, Ev)
    "small": (2, 4, 2, 5, 6, 8, 10), "tiles": (1, 2, 2, 130, 70, 16, 12), "wide": (1, 3, 1, 66, 140, 32, 32),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_attention_matches_numpy_backend(be, rng, dtype, shape, mask_kind, is_causal, dropout, layout):
    npb, cpp = be
    B, H, Hkv, L, S, E, Ev = SHAPES[shape]
    q, k, v = (on_both(be, a, layout) for a in _qkv(rng, dtype, B, H, Hkv, L, S, E, Ev))
    mask = on_both(be, _mask(rng, mask_kind, dtype, B, L, S))
    keep = on_both(be, ((rng.random((B, H, L, S)) > 0.25) / 0.75).astype(dtype) if dropout else None, "sliced")
    scale = 1.0 / math.sqrt(E)
    for safe in (True, False):
        flags = (scale, is_causal, safe)
        for need_weights in (False, True):
            want = npb.scaled_dot_product_attention(q[0], k[0], v[0], mask[0], keep[0], *flags, need_weights)
            got = cpp.scaled_dot_product_attention(q[1], k[1], v[1], mask[1], keep[1], *flags, need_weights)
            close(be, want[:2], got[:2], dtype)
            assert (got[2] is not None) == need_weights  # flash-style: no (L, S) weights unless asked for
            if need_weights:
                close(be, want[2], got[2], dtype)
        if not safe:
            continue  # fully masked rows are NaN, and so are their gradients
        g = on_both(be, rng.standard_normal((B, H, L, Ev)).astype(dtype), layout)
        for output_mask in ((True, True, True, mask_kind == "float"), (False, True, False, False),
                            (True, False, False, False)):
            args = (q, k, v, (want[0], got[0]), (want[1], got[1]), (None, None), mask, keep)
            close(be, npb.scaled_dot_product_attention_backward(g[0], None, *(a[0] for a in args), *flags, output_mask),
                  cpp.scaled_dot_product_attention_backward(g[1], None, *(a[1] for a in args), *flags, output_mask),
                  dtype)


def test_attention_kernel_leaves_rare_cases_to_the_composite(be, rng):
    npb, cpp = be
    from mytorch.backends import _C
    q, k, v = (on_both(be, a) for a in _qkv(rng, np.float32, 1, 2, 2, 4, 5, 8, 8))
    flags = (0.5, True, True)
    assert _C.scaled_dot_product_attention_native(q[1], k[1], v[1], None, None, *flags, False) is not None
    half = [cpp.cast(a[1], mytorch.float16) for a in (q, k, v)]
    assert _C.scaled_dot_product_attention_native(*half, None, None, *flags, False) is None
    out, lse, probs = cpp.scaled_dot_product_attention(*half, None, None, *flags, False)
    assert cpp.dtype_of(out) is mytorch.float16
    want = npb.scaled_dot_product_attention(q[0], k[0], v[0], None, None, *flags, False)
    np.testing.assert_allclose(np.asarray(cpp.to_host(out), np.float32), npb.to_host(want[0]), atol=1e-2)
    # the weights' own upstream gradient: the composite backward
    gw = on_both(be, rng.standard_normal((1, 2, 4, 5)).astype(np.float32))
    g = on_both(be, rng.standard_normal((1, 2, 4, 8)).astype(np.float32))
    fwd = [b.scaled_dot_product_attention(q[i], k[i], v[i], None, None, *flags, True) for i, b in enumerate(be)]
    for g_out in (g, (None, None)):
        args = [(g_out[i], gw[i], q[i], k[i], v[i], *fwd[i], None, None, *flags, (True, True, True, False))
                for i in range(2)]
        assert _C.scaled_dot_product_attention_backward_native(*args[1]) is None
        close(be, npb.scaled_dot_product_attention_backward(*args[0]),
              cpp.scaled_dot_product_attention_backward(*args[1]), np.float32)


# ---- attention: the public function against PyTorch --------------------------------------------------------

def sdpa(**kw):
    return lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, **kw)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("L,S", [(5, 5), (70, 130), (130, 70)])
def test_attention_causal_matches_torch(rng, layout, L, S):
    check(sdpa(is_causal=True), *_qkv(rng, np.float32, 2, 2, 2, L, S, 16, 8), layout=layout, atol=2e-5)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_attention_gqa_matches_torch(rng, layout):
    check(sdpa(is_causal=True, enable_gqa=True), *_qkv(rng, np.float32, 2, 6, 2, 67, 67, 32, 32), layout=layout,
          atol=2e-5)


@pytest.mark.parametrize("mask_shape", [(66, 70), (2, 1, 66, 70), (1, 3, 1, 70)])
def test_attention_bool_mask_with_fully_masked_rows_matches_torch(rng, mask_shape):
    m = rng.random(mask_shape) > 0.5
    m[..., 0] = True
    if mask_shape[-2] > 1:
        m[..., 1, :] = False  # a query that may attend nothing: output 0, no gradient
    check(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(m)),
          *_qkv(rng, np.float32, 2, 3, 3, 66, 70, 16, 16), atol=2e-5)


def test_attention_float_mask_and_its_gradient_match_torch(rng):
    m = rng.standard_normal((2, 1, 9, 70)).astype(np.float32)
    check(lambda T, q, k, v, mask: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask),
          *_qkv(rng, np.float32, 2, 3, 3, 9, 70, 8, 8), m, atol=2e-5)


def test_attention_gradcheck(rng):
    m = rng.random((7, 9)) > 0.3
    m[:, 0] = True
    mask = mytorch.tensor(m)
    gradcheck(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                                               is_causal=True, enable_gqa=True),
              *_qkv(rng, np.float64, 1, 4, 2, 7, 9, 3, 2))
    fm = rng.standard_normal((7, 9))
    gradcheck(lambda T, q, k, v, mask: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask),
              *_qkv(rng, np.float64, 1, 2, 2, 7, 9, 3, 2), fm)


def test_attention_runs_on_the_cpp_backend():
    assert backends.get_backend("cpu").name == "cpp"
