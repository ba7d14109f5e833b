"""Every fused primitive of the serving CPU backend equals the composite default in `base.Backend`.

``Backend.<name>(be, ...)`` (unbound) runs the default body on backend `be`'s own arrays, so a backend
with its own kernel (NumPy's faster bodies, the compiled backend) is checked against the math the
contract states. The autouse ``backend`` fixture runs each test once per registered CPU backend. Inputs
come in float32 and float64, contiguous, transposed and sliced (strided views), with broadcast operands
where a signature allows them.
"""
import math

import numpy as np
import pytest

from mytorch import backends
from mytorch.backends.base import Backend

DTYPES = [np.float32, np.float64]
LAYOUTS = ["contiguous", "transposed", "sliced"]


@pytest.fixture
def be(backend):
    return backends.get_backend("cpu")


def arr(be, a, layout: str = "contiguous"):
    """a as a backend array of the given memory layout (same values)."""
    a = np.asarray(a)
    if layout == "transposed" and a.ndim >= 2:
        perm = tuple(range(a.ndim - 2)) + (a.ndim - 1, a.ndim - 2)
        return be.permute(be.from_host(np.ascontiguousarray(a.transpose(perm)), None), perm)
    if layout == "sliced" and a.ndim >= 1:
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return be.basic_index(be.from_host(wide, None), (Ellipsis, slice(None, None, 2)))
    return be.from_host(a, None)


def host(be, a):
    return None if a is None else np.asarray(be.to_host(a))


def assert_same(be, got, want, dtype, optional: tuple[int, ...] = ()):
    """Results equal to rounding; tuple entries at `optional` may be None on either side (a backend's
    choice, as the probabilities a forward may keep for its backward)."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want)):
            if (g is None and w is None) or (i in optional and (g is None or w is None)):
                continue
            assert_same(be, g, w, dtype)
        return
    assert got is not None and want is not None
    g, w = host(be, got), host(be, want)
    assert g.shape == w.shape and g.dtype == w.dtype
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True)


def check(be, dtype, name, *args, optional: tuple[int, ...] = ()):
    """The backend's `name` on args equals the composite default; returns the backend's result."""
    got = getattr(be, name)(*args)
    assert_same(be, got, getattr(Backend, name)(be, *args), dtype, optional)
    return got


def randn(rng, shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


# ---- matmul_add (nn.Linear's product and bias) -----------------------------------------------------------

# (a, b, c) shapes reaching each path of the compiled GEMM's epilogue: a few float32 rows (dot products),
# k over one cache block (300: two k blocks) and under it, a narrow product (computed transposed, so c's
# strides swap), a batch of rows (one tall product), a batch with a matrix c (a batched product), a vector
# left operand, and c as a scalar, one value, a row, a column and a matrix
MATMUL_ADD_SHAPES = [
    ((3, 300), (300, 45), (45,)), ((37, 300), (300, 45), (45,)), ((130, 33), (33, 10), (10,)),
    ((70, 40), (40, 50), (70, 50)), ((70, 40), (40, 10), (70, 1)), ((20, 40), (40, 30), (1, 30)),
    ((20, 40), (40, 30), ()), ((20, 40), (40, 30), (1,)), ((2, 5, 33), (33, 20), (20,)),
    ((2, 5, 33), (33, 20), (5, 20)), ((33,), (33, 20), (20,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shapes", MATMUL_ADD_SHAPES, ids=str)
def test_matmul_add(be, rng, dtype, layout, shapes):
    """The values of matmul then add, bit for bit: the GEMM adds c once the sum over k is complete."""
    a, b, c = (arr(be, randn(rng, s, dtype), layout) for s in shapes)
    got = host(be, be.matmul_add(a, b, c))
    want = host(be, Backend.matmul_add(be, a, b, c))
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_matmul_add_on_threads(be, rng):
    """A product big enough for two threads: each thread's region of the result gets its part of c."""
    from mytorch import get_num_threads, set_num_threads
    a, b, c, col = (arr(be, randn(rng, s, np.float32)) for s in ((150, 200), (200, 130), (130,), (150, 1)))
    before = get_num_threads()
    try:
        for threads in (1, 2):
            set_num_threads(threads)
            for d in (c, col):
                np.testing.assert_array_equal(host(be, be.matmul_add(a, b, d)), host(be, Backend.matmul_add(be, a, b, d)))
    finally:
        set_num_threads(before)


# ---- softmax ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,axis", [((4, 7), 1), ((4, 7), 0), ((3, 5, 6), 1), ((6,), 0)])
def test_softmax_family(be, rng, dtype, layout, shape, axis):
    x = arr(be, randn(rng, shape, dtype, 3.0), layout)
    g = arr(be, randn(rng, shape, dtype), layout)
    y = check(be, dtype, "softmax", x, axis)
    check(be, dtype, "softmax_backward", y, g, axis)
    lp = check(be, dtype, "log_softmax", x, axis)
    check(be, dtype, "log_softmax_backward", lp, g, axis)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_huge_and_empty(be, dtype):
    x = arr(be, np.array([[1e4, -1e4, 0.0], [-np.inf, 1.0, 2.0]], dtype))
    check(be, dtype, "softmax", x, 1)
    check(be, dtype, "log_softmax", x, 1)
    empty = arr(be, np.zeros((3, 0), dtype))
    check(be, dtype, "softmax", empty, 1)
    check(be, dtype, "log_softmax", empty, 1)


# ---- GELU ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(be, rng, dtype, layout, approximate):
    x = arr(be, randn(rng, (5, 8), dtype, 3.0), layout)
    g = arr(be, randn(rng, (5, 8), dtype), layout)
    check(be, dtype, "gelu", x, approximate)
    check(be, dtype, "gelu_backward", g, x, approximate)
    scalar = arr(be, np.array(0.7, dtype))  # a 0-d operand stays an array
    check(be, dtype, "gelu", scalar, approximate)
    check(be, dtype, "gelu_backward", scalar, scalar, approximate)


# ---- layer norm and RMS norm --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("affine", [True, False])
def test_norms(be, rng, dtype, layout, k, affine):
    shape = (3, 4, 6)
    x = arr(be, randn(rng, shape, dtype, 2.0) + 1.5, layout)
    g = arr(be, randn(rng, shape, dtype), layout)
    w = arr(be, randn(rng, shape[-k:], dtype)) if affine else None
    b = arr(be, randn(rng, shape[-k:], dtype)) if affine else None
    y, mean, rstd = check(be, dtype, "layer_norm", x, k, w, b, 1e-5)
    for mask in ((True, True, True), (True, False, False), (False, True, True)):
        check(be, dtype, "layer_norm_backward", g, x, w, mean, rstd, k, mask)
    y, rstd = check(be, dtype, "rms_norm", x, k, w, 1e-6)
    for mask in ((True, True), (False, True)):
        check(be, dtype, "rms_norm_backward", g, x, w, rstd, k, mask)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5, 7), (2, 3, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm(be, rng, dtype, layout, shape, affine):
    x = arr(be, randn(rng, shape, dtype, 2.0) + 1.5, layout)
    g = arr(be, randn(rng, shape, dtype), layout)
    w = arr(be, randn(rng, (shape[1],), dtype)) if affine else None
    b = arr(be, randn(rng, (shape[1],), dtype)) if affine else None
    y, mean, rstd = check(be, dtype, "batch_norm", x, w, b, 1e-5)
    assert tuple(mean.shape) == tuple(rstd.shape) == (1, shape[1]) + (1,) * (len(shape) - 2)
    for mask in ((True, True, True), (True, False, False), (False, True, True)):
        check(be, dtype, "batch_norm_backward", g, x, w, mean, rstd, mask)


# ---- cross-entropy --------------------------------------------------------------------------------------

CE_CASES = {  # name: (ignore_index, label_smoothing, weighted, log_softmax)
    "plain": (-100, 0.0, False, True), "ignore": (2, 0.0, False, True), "smoothing": (-100, 0.2, False, True),
    "weights": (-100, 0.0, True, True), "all": (1, 0.1, True, True), "nll": (-100, 0.0, False, False),
    "nll_weights_ignore": (0, 0.0, True, False),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "sliced"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4)])
@pytest.mark.parametrize("case", sorted(CE_CASES))
def test_cross_entropy(be, rng, dtype, layout, shape, case):
    ignore_index, smoothing, weighted, log_softmax = CE_CASES[case]
    n_classes = shape[1]
    target_shape = shape[:1] + shape[2:]
    x = arr(be, randn(rng, shape, dtype, 3.0), layout)
    t = arr(be, rng.integers(0, n_classes, target_shape).astype(np.int64))
    w = arr(be, rng.uniform(0.5, 2.0, n_classes).astype(dtype)) if weighted else None
    args = (ignore_index, smoothing, log_softmax)
    loss, w_t, row_max, log_sum, probs = check(be, dtype, "cross_entropy", x, t, w, *args, optional=(4,))
    for g in (arr(be, np.array(0.25, dtype)), arr(be, randn(rng, target_shape, dtype))):
        for p in {id(probs): probs, id(None): None}.values():  # with the backend's probabilities, and without
            check(be, dtype, "cross_entropy_backward", g, x, t, w, row_max, log_sum, p, *args)


@pytest.mark.parametrize("bad", [5, -1])
def test_cross_entropy_checks_targets(be, bad):
    x = arr(be, np.zeros((3, 5), np.float32))
    t = arr(be, np.array([0, bad, 7], np.int64))
    for run in (be.cross_entropy, lambda *a: Backend.cross_entropy(be, *a)):
        with pytest.raises(IndexError, match=f"^Target {bad} is out of bounds.$"):
            run(x, t, None, -100, 0.0, True)
    ignored = arr(be, np.array([0, bad, 1], np.int64))
    be.cross_entropy(x, ignored, None, bad, 0.0, True)  # an ignored target may lie outside [0, C)


# ---- CTC loss -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("concatenated", [False, True])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss(be, rng, dtype, concatenated, zero_infinity):
    # samples: ordinary, a repeated label, an empty target, no frames, too few frames for the labels (inf)
    n_frames, n_classes, blank = 9, 5, 2
    input_lengths, target_lengths = [9, 7, 6, 0, 2], [3, 4, 0, 2, 3]
    x = rng.standard_normal((n_frames, len(input_lengths), n_classes))
    lp = arr(be, (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype))
    labels = rng.choice([c for c in range(n_classes) if c != blank], (len(input_lengths), 4))
    labels[1, 1:3] = labels[1, 0]
    flat = np.concatenate([row[:n] for row, n in zip(labels, target_lengths)])
    targets = arr(be, flat if concatenated else labels)
    il, tl = (arr(be, np.array(v, np.int64)) for v in (input_lengths, target_lengths))
    nll, log_alpha = be.ctc_loss(lp, targets, il, tl, blank)
    want, _ = Backend.ctc_loss(be, lp, targets, il, tl, blank)
    assert_same(be, nll, want, dtype)
    assert np.isinf(host(be, nll)[4]) and host(be, nll)[3] == np.inf
    g = arr(be, rng.uniform(0.5, 2.0, len(input_lengths)).astype(dtype))
    check(be, dtype, "ctc_loss_backward", g, lp, targets, il, tl, nll, log_alpha, blank, zero_infinity)


# ---- attention ------------------------------------------------------------------------------------------

def _attention_inputs(be, rng, dtype, layout, kv_heads, mask_kind):
    B, H, L, S, E = 2, 4, 5, 6, 8
    q = arr(be, randn(rng, (B, H, L, E), dtype), layout)
    k = arr(be, randn(rng, (B, kv_heads, S, E), dtype), layout)
    v = arr(be, randn(rng, (B, kv_heads, S, E + 2), dtype), layout)
    mask = None
    if mask_kind == "bool":  # broadcast (L, S); query row 1 sees no key at all
        m = rng.random((L, S)) > 0.3
        m[1] = False
        mask = arr(be, m)
    elif mask_kind == "float":  # broadcast over heads, additive, with -inf entries
        m = randn(rng, (B, 1, L, S), dtype)
        m[0, 0, 2, :] = -np.inf
        m[1, 0, :, 0] = -np.inf
        mask = arr(be, m)
    return q, k, v, mask


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("kv_heads", [4, 2, 1])
@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
@pytest.mark.parametrize("is_causal", [False, True])
@pytest.mark.parametrize("dropout", [False, True])
def test_attention(be, rng, dtype, layout, kv_heads, mask_kind, is_causal, dropout):
    q, k, v, mask = _attention_inputs(be, rng, dtype, layout, kv_heads, mask_kind)
    B, H, L, S = 2, 4, 5, 6
    keep = arr(be, ((rng.random((B, H, L, S)) > 0.25) / 0.75).astype(dtype)) if dropout else None
    scale = 1.0 / math.sqrt(8)
    for safe in (True, False):
        flags = (scale, is_causal, safe)
        out, lse, probs = check(be, dtype, "scaled_dot_product_attention", q, k, v, mask, keep, *flags, True)
        if not safe:
            continue  # fully masked rows are NaN: their gradients are NaN too, nothing more to compare
        g = arr(be, randn(rng, (B, H, L, 10), dtype), layout)
        gw = arr(be, randn(rng, (B, H, L, S), dtype))
        for g_out, g_weights in ((g, None), (g, gw), (None, gw)):
            for p in (probs, None):
                check(be, dtype, "scaled_dot_product_attention_backward", g_out, g_weights, q, k, v, out, lse, p,
                      mask, keep, *flags, (True, True, True, mask is not None))


@pytest.mark.parametrize("dtype", DTYPES)
def test_attention_without_weights_may_skip_probs(be, rng, dtype):
    q, k, v, mask = _attention_inputs(be, rng, dtype, "contiguous", 2, "bool")
    check(be, dtype, "scaled_dot_product_attention", q, k, v, mask, None, 0.5, True, True, False, optional=(2,))


# ---- recurrent cells ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_lstm_cell(be, rng, dtype, layout):
    B, H = 3, 5
    gates = arr(be, randn(rng, (B, 4 * H), dtype, 2.0), layout)
    c = arr(be, randn(rng, (B, H), dtype), layout)
    h, c_new, ws = check(be, dtype, "lstm_cell", gates, c)
    dh, dc = arr(be, randn(rng, (B, H), dtype), layout), arr(be, randn(rng, (B, H), dtype))
    check(be, dtype, "lstm_cell_backward", dh, dc, c, c_new, ws)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gru_cell(be, rng, dtype, layout):
    B, H = 3, 5
    gx = arr(be, randn(rng, (B, 3 * H), dtype, 2.0), layout)
    gh = arr(be, randn(rng, (B, 3 * H), dtype, 2.0))
    h = arr(be, randn(rng, (B, H), dtype), layout)
    h_new, ws = check(be, dtype, "gru_cell", gx, gh, h)
    check(be, dtype, "gru_cell_backward", arr(be, randn(rng, (B, H), dtype), layout), h, ws)


# ---- index bounds are checked inside the indexing primitives ---------------------------------------------------

def test_index_primitives_check_bounds(be):
    a = arr(be, np.arange(12.0).reshape(3, 4))
    with pytest.raises(RuntimeError, match=r"^gather\(\): index 4 is out of bounds for dimension 1 with size 4$"):
        be.gather(a, 1, arr(be, np.array([[0, 4], [1, 1], [0, 0]], np.int64)))
    with pytest.raises(RuntimeError, match=r"^scatter\(\): index -1 is out of bounds for dimension 0 with size 3$"):
        be.scatter(be.copy(a), 0, arr(be, np.array([[0, -1, 5, 0]], np.int64)), 1.0, None)
    with pytest.raises(IndexError, match=r"^index 3 is out of bounds for dimension 0 with size 3$"):
        be.index(a, (arr(be, np.array([0, 3], np.int64)),))
    with pytest.raises(IndexError, match=r"^index -5 is out of bounds for dimension 1 with size 4$"):
        be.index_put(be.copy(a), (slice(None), arr(be, np.array([-5], np.int64))), 0.0, False)
    assert host(be, be.index(a, (Ellipsis, arr(be, np.array([-4, 3], np.int64))))).tolist() == \
        [[0.0, 3.0], [4.0, 7.0], [8.0, 11.0]]


# ---- max pooling ----------------------------------------------------------------------------------------------

POOLS = {  # name: (input shape, kernel, stride, padding, dilation)
    "1d": ((2, 3, 11), (3,), (2,), ((1, 1),), (1,)),
    "2d": ((2, 3, 8, 9), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    "2d overlapping padded dilated": ((2, 2, 9, 10), (3, 2), (1, 2), ((1, 1), (0, 0)), (2, 1)),
    "3d": ((1, 2, 5, 6, 4), (2, 3, 2), (2, 1, 2), ((1, 1), (0, 0), (1, 1)), (1, 1, 1)),
}


@pytest.mark.parametrize("dtype,values", [(dt, v) for dt in DTYPES for v in ("random", "ties", "nan")] +
                         [(np.int64, "random"), (np.int64, "ties")])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", sorted(POOLS))
def test_max_pool(be, rng, dtype, values, layout, case):
    shape, kernel, stride, padding, dilation = POOLS[case]
    a = rng.integers(-2, 3, shape) if values == "ties" else randn(rng, shape, np.float64, 5.0)
    if values == "nan":
        a[rng.random(shape) < 0.15] = np.nan
    x = arr(be, a.astype(dtype), layout)
    y, indices = check(be, dtype, "max_pool", x, kernel, stride, padding, dilation)
    g_dtype = np.float32 if dtype == np.int64 else dtype
    g = arr(be, randn(rng, y.shape, g_dtype), layout)
    check(be, g_dtype, "max_pool_backward", g, indices, shape[2:], kernel, stride, padding, dilation)
