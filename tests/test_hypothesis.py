"""Property tests: random shapes, dims and index keys, mytorch against PyTorch.

Hypothesis draws the *structure* of a case (shapes, dims, keys, a seed); the
values come from a NumPy generator seeded by the drawn seed, which keeps
examples cheap and shrinking effective. Every comparison goes through
`helpers.check`: values, dtypes, and input gradients under a random upstream
gradient. Locally each run explores new examples; on CI (``CI`` set) the
examples are fixed, so a red build always reproduces.
"""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mytorch
from helpers import LAYOUTS, check, leaf

# HYPOTHESIS_EXAMPLES=500 for a deeper search than the suite's default
SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 40)), deadline=None,
                    derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

seeds = st.integers(0, 2**32 - 1)
layouts = st.sampled_from(LAYOUTS)


def shapes(min_dims: int = 0, max_dims: int = 4, min_size: int = 1, max_size: int = 4):
    return st.lists(st.integers(min_size, max_size), min_size=min_dims, max_size=max_dims).map(tuple)


def normal(seed: int, shape: tuple, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def distinct(seed: int, shape: tuple) -> np.ndarray:
    """Values without ties, so max/argmax and their gradients are unambiguous."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) + 0.5).astype(np.float32)


def check_or_raise(fn, *arrays, layout: str = "contiguous", **kw) -> None:
    """`check` when torch accepts the case; otherwise mytorch must raise the same exception type."""
    try:
        fn(torch, *[leaf(torch, a, layout, False)[1] for a in arrays])
    except (RuntimeError, IndexError, ValueError) as e:
        with pytest.raises(type(e)):
            fn(mytorch, *[leaf(mytorch, a, layout, False)[1] for a in arrays])
        return
    check(fn, *arrays, layout=layout, **kw)


# ---- broadcasting binary ops -------------------------------------------------

@st.composite
def broadcast_shapes(draw, n: int = 2) -> list[tuple]:
    """`n` shapes that broadcast together: suffixes of one shape, some sizes replaced by 1 (0-d included)."""
    full = draw(shapes(max_size=3))
    out = []
    for _ in range(n):
        nd = draw(st.integers(0, len(full)))
        out.append(tuple(1 if draw(st.booleans()) else s for s in full[len(full) - nd:]))
    return out


DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "int32": np.int32}


def operand(seed: int, shape: tuple, dtype: str, nonzero: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        a = rng.integers(-5, 6, shape)
        return np.where(a == 0, 3, a).astype(DTYPES[dtype]) if nonzero else a.astype(DTYPES[dtype])
    a = rng.standard_normal(shape)
    if nonzero:  # keep divisors away from 0, where the quotient and its gradient explode
        a = np.sign(a + 1e-9) * (0.5 + np.abs(a))
    return a.astype(DTYPES[dtype])


BINARY = {
    "add": lambda T, a, b: a + b,
    "sub": lambda T, a, b: a - b,
    "mul": lambda T, a, b: a * b,
    "div": lambda T, a, b: a / b,
    "maximum": lambda T, a, b: T.maximum(a, b),
    "minimum": lambda T, a, b: T.minimum(a, b),
    "lt": lambda T, a, b: a < b,
    "where": lambda T, a, b: T.where(a > 0, a, b),
}


@SETTINGS
@given(op=st.sampled_from(sorted(BINARY)), shapes_=broadcast_shapes(), seed=seeds,
       dtypes=st.tuples(st.sampled_from(sorted(DTYPES)), st.sampled_from(sorted(DTYPES))), layout=layouts)
def test_binary_broadcasting(op, shapes_, seed, dtypes, layout):
    a = operand(seed, shapes_[0], dtypes[0], nonzero=False)
    b = operand(seed + 1, shapes_[1], dtypes[1], nonzero=op == "div")
    check(BINARY[op], a, b, layout=layout)


@SETTINGS
@given(shapes_=broadcast_shapes(3), seed=seeds)
def test_chained_broadcasting(shapes_, seed):
    """Three operands, where each gradient sums over a different set of broadcast dims."""
    a, b, c = (normal(seed + i, s) for i, s in enumerate(shapes_))
    check(lambda T, a, b, c: (a * b - c) / (1.5 + b * b), a, b, c)


@SETTINGS
@given(shape=shapes(), seed=seeds, scalar=st.one_of(st.integers(-3, 3), st.floats(-3, 3, width=32)),
       op=st.sampled_from(["add", "sub", "mul", "maximum"]), reverse=st.booleans(),
       dtype=st.sampled_from(sorted(DTYPES)))
def test_binary_with_python_scalar(shape, seed, scalar, op, reverse, dtype):
    """Python numbers are weakly typed: int tensor + 2.5 is float32, float16/int tensors keep their dtype."""
    a = operand(seed, shape, dtype, nonzero=False)
    if op == "maximum":
        fn = lambda T, a: T.maximum(a, T.tensor(scalar))  # noqa: E731 - a 0-d tensor: another promotion class
    elif reverse:
        fn = lambda T, a: BINARY[op](T, scalar, a)  # noqa: E731
    else:
        fn = lambda T, a: BINARY[op](T, a, scalar)  # noqa: E731
    check(fn, a)


# ---- reductions ----------------------------------------------------------------

@st.composite
def reduce_dims(draw, ndim: int):
    """None, one dim, or a tuple of distinct dims (negative ones included)."""
    n = max(ndim, 1)  # a 0-d tensor accepts dim 0 and -1
    dim = st.integers(-n, n - 1)
    return draw(st.one_of(st.none(), dim, st.lists(dim, min_size=1, max_size=n, unique_by=lambda d: d % n)
                          .map(tuple)))


REDUCTIONS = {
    "sum": lambda T, x, dim, keepdim: x.sum(dim=dim, keepdim=keepdim),
    "mean": lambda T, x, dim, keepdim: x.mean(dim=dim, keepdim=keepdim),
    "amax": lambda T, x, dim, keepdim: x.amax(**({} if dim is None else {"dim": dim}), keepdim=keepdim),
    "amin": lambda T, x, dim, keepdim: T.amin(x, **({} if dim is None else {"dim": dim}), keepdim=keepdim),
}


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds, op=st.sampled_from(sorted(REDUCTIONS)),
       keepdim=st.booleans(), layout=layouts)
def test_reductions(data, shape, seed, op, keepdim, layout):
    dim = data.draw(reduce_dims(len(shape)), label="dim")
    check(lambda T, x: REDUCTIONS[op](T, x, dim, keepdim), distinct(seed, shape), layout=layout)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds, keepdim=st.booleans(), name=st.sampled_from(["max", "min"]))
def test_max_min_with_dim(data, shape, seed, keepdim, name):
    n = max(len(shape), 1)
    dim = data.draw(st.integers(-n, n - 1), label="dim")
    check(lambda T, x: tuple(getattr(x, name)(dim, keepdim=keepdim)), distinct(seed, shape))


# ---- indexing --------------------------------------------------------------------

def _bound_slice(size: int):
    """Slices with positive steps and starts/stops that may be negative or past either end."""
    bound = st.one_of(st.none(), st.integers(-size - 2, size + 2))
    return st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(1, 3)))


@st.composite
def basic_keys(draw, shape: tuple):
    """A key of ints, slices, None and at most one Ellipsis that is valid for `shape`."""
    nd = len(shape)
    k = draw(st.integers(0, nd))
    ellipsis = draw(st.booleans())
    split = draw(st.integers(0, k)) if ellipsis else k
    dims = list(range(split)) + list(range(nd - (k - split), nd))  # the dim each consuming item indexes
    items = [draw(st.one_of(st.integers(-shape[d], shape[d] - 1), _bound_slice(shape[d]))) for d in dims]
    if ellipsis:
        items.insert(split, Ellipsis)
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    return tuple(items)


@SETTINGS
@given(data=st.data(), shape=shapes(1, 4, 1, 5), seed=seeds, layout=layouts)
def test_basic_indexing(data, shape, seed, layout):
    key = data.draw(basic_keys(shape), label="key")
    check(lambda T, x: x[key], normal(seed, shape), layout=layout)


def _to_framework(T, key):
    """Index arrays (NumPy int/bool arrays in the drawn key) as tensors of framework T."""
    conv = (lambda k: T.tensor(k) if isinstance(k, np.ndarray) else k)
    return tuple(conv(k) for k in key) if isinstance(key, tuple) else conv(key)


@st.composite
def advanced_keys(draw, shape: tuple, unique: bool = False):
    """Keys over a prefix of the dims mixing integer arrays (broadcast together) with full slices, ints and
    None; `unique` draws indices without repeats (for assignment, where repeats are unordered writes)."""
    nd = len(shape)
    m = draw(st.integers(1, nd))
    kinds = draw(st.lists(st.sampled_from(["array", "slice", "int", "none"]), min_size=m, max_size=m))
    if "array" not in kinds:
        kinds[draw(st.integers(0, m - 1))] = "array"
    index_shape = draw(shapes(0, 2, 1, 3))  # 0-d index tensors count as ints in PyTorch
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    key, dim = [], 0
    for kind in kinds:
        if kind == "none":
            key.append(None)
            continue
        size = shape[dim]
        if kind == "slice":
            key.append(slice(None))
        elif kind == "int":
            key.append(int(rng.integers(-size, size)))
        else:
            # each array broadcasts against the others: some of its dims may be 1
            ishape = tuple(1 if rng.random() < 0.3 else s for s in index_shape)
            if unique:
                ishape = index_shape if int(np.prod(index_shape)) <= size else (1,) * len(index_shape)
                idx = rng.permutation(size)[:int(np.prod(ishape))].reshape(ishape)
            else:
                idx = rng.integers(-size, size, ishape)
            key.append(idx.astype(np.int64))
        dim += 1
    if draw(st.booleans()):
        key.append(Ellipsis)
    return tuple(key)


@SETTINGS
@given(data=st.data(), shape=shapes(1, 3, 1, 4), seed=seeds, layout=layouts)
def test_integer_array_indexing(data, shape, seed, layout):
    key = data.draw(advanced_keys(shape), label="key")
    check(lambda T, x: x[_to_framework(T, key)], normal(seed, shape), layout=layout)


@SETTINGS
@given(data=st.data(), shape=shapes(1, 4, 1, 4), seed=seeds)
def test_boolean_mask_indexing(data, shape, seed):
    """x[mask] over some leading dims, or after a full slice; repeated masks pick rows, not elements."""
    lead = data.draw(st.integers(0, len(shape) - 1), label="skipped dims")
    k = data.draw(st.integers(1, len(shape) - lead), label="mask dims")
    mask = np.random.default_rng(seed + 1).random(shape[lead:lead + k]) < 0.5
    key = (slice(None),) * lead + (mask,)
    check(lambda T, x: x[_to_framework(T, key)], normal(seed, shape))


def _assign(key, scalar: float | None = None):
    """x[key] = v (or = scalar) on a non-leaf copy of x, so autograd records the assignment."""
    def fn(T, x, v):
        y = x * 1
        y[_to_framework(T, key)] = v if scalar is None else scalar
        return y
    return fn


@st.composite
def value_shape(draw, target: tuple) -> tuple:
    """A shape that broadcasts to `target`: a suffix with some sizes replaced by 1."""
    nd = draw(st.integers(0, len(target)))
    return tuple(1 if draw(st.booleans()) else s for s in target[len(target) - nd:])


@SETTINGS
@given(data=st.data(), shape=shapes(1, 3, 1, 4), seed=seeds, advanced=st.booleans(),
       scalar=st.one_of(st.none(), st.floats(-2, 2, width=32)))
def test_setitem_broadcast(data, shape, seed, advanced, scalar):
    key = data.draw(advanced_keys(shape, unique=True) if advanced else basic_keys(shape), label="key")
    target = tuple(torch.empty(shape)[_to_framework(torch, key)].shape)
    v = normal(seed + 1, data.draw(value_shape(target), label="value shape"))
    check(_assign(key, scalar), normal(seed, shape), v)


@SETTINGS
@given(data=st.data(), shape=shapes(1, 3, 2, 4), seed=seeds)
def test_setitem_boolean_mask(data, shape, seed):
    k = data.draw(st.integers(1, len(shape)), label="mask dims")
    mask = np.random.default_rng(seed + 1).random(shape[:k]) < 0.5
    target = (int(mask.sum()),) + shape[k:]
    v = normal(seed + 2, data.draw(value_shape(target), label="value shape"))
    check(_assign((mask,)), normal(seed, shape), v)


# ops with 0-d results that do not save their output for backward (writing into one that does would
# make backward raise, rightly)
ZERO_DIM = {
    "dot": lambda T, x: x @ x,
    "sum": lambda T, x: x.sum(),
    "mean": lambda T, x: x.mean(),
    "0-d neg": lambda T, x: -x.sum(),
    "0-d mul": lambda T, x: x.sum() * x.mean(),
    "advanced index": lambda T, x: x[T.tensor([[0]])][0, 0],
    "0-d index tensors": lambda T, x: x[[0]][T.tensor(0)],
}


@SETTINGS
@given(op=st.sampled_from(sorted(ZERO_DIM)), n=st.integers(1, 5), seed=seeds)
def test_zero_dim_results_are_writable(op, n, seed):
    """Every 0-d result is a real tensor: in-place ops on it work (NumPy would hand back scalars)."""
    check(lambda T, x: ZERO_DIM[op](T, x).mul_(2).add_(1), normal(seed, (n,)))


@SETTINGS
@given(shape=shapes(1, 3, 1, 4), seed=seeds, data=st.data())
def test_zero_dim_index_tensor_is_a_select(shape, seed, data):
    """x[tensor(i)] is x[i]: a view, so writing through it changes x (PyTorch reads 0-d indices as ints)."""
    i = data.draw(st.integers(-shape[0], shape[0] - 1), label="index")

    def fn(T, x):
        y = x * 1
        y[T.tensor(i)].mul_(3)
        return y
    check(fn, normal(seed, shape))


# ---- views -------------------------------------------------------------------------

@st.composite
def reshape_targets(draw, shape: tuple) -> tuple:
    """A random shape with the same number of elements (its prime factors regrouped), maybe with one -1."""
    n = int(np.prod(shape))
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    factors = draw(st.permutations(factors))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0] + cuts + [len(factors)]
    target = [int(np.prod(factors[a:b])) for a, b in zip(bounds, bounds[1:])]
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@SETTINGS
@given(data=st.data(), shape=shapes(0, 4, 1, 4), seed=seeds, layout=layouts)
def test_view_reshape_permute_round_trips(data, shape, seed, layout):
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    inverse = tuple(int(i) for i in np.argsort(perm))
    target = data.draw(reshape_targets(shape), label="target")

    def fn(T, x):
        p = x.permute(perm)
        r = p.reshape(target)
        return p, r, p.permute(inverse), r.reshape(shape), x.reshape(target).view(shape)
    check(fn, normal(seed, shape), layout=layout)


@SETTINGS
@given(data=st.data(), shape=shapes(1, 4, 1, 4), seed=seeds, layout=layouts)
def test_view_of_strided_input(data, shape, seed, layout):
    """view succeeds exactly when torch's does (the strides can express the new shape), else RuntimeError."""
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    target = data.draw(reshape_targets(shape), label="target")
    check_or_raise(lambda T, x: x.permute(perm).view(target), normal(seed, shape), layout=layout)
