"""clamp, relu, hardtanh, relu6 and threshold at their edge values, bit for bit against torch: a NaN input stays
NaN (and passes its gradient where torch's backward does), a NaN bound makes every element NaN, and an input equal
to the bound is kept with its sign (relu(-0.0) is -0.0), on contiguous, transposed, sliced and expanded inputs of
the floating dtypes. The vectorised bound kernels of both backends (csrc/elementwise/clamp.cpp) serve these."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, to_numpy

EDGES = [float("nan"), -0.0, 0.0, 1.0, -1.0, 6.0, 0.5, float("inf"), -float("inf"), 3.25, -2.5, 1e-3]

FUNCTIONS = {
    "relu": lambda T, x: T.relu(x),
    "clamp_min": lambda T, x: T.clamp_min(x, 0.0),
    "clamp_min_neg_zero": lambda T, x: T.clamp_min(x, -0.0),
    "clamp_max": lambda T, x: T.clamp_max(x, 1.0),
    "clamp_max_neg_zero": lambda T, x: T.clamp_max(x, -0.0),
    "clamp": lambda T, x: T.clamp(x, -1.0, 1.0),
    "clamp_int_bounds": lambda T, x: T.clamp(x, -1, 6),
    "clamp_nan_min": lambda T, x: T.clamp(x, min=float("nan")),
    "clamp_nan_max": lambda T, x: T.clamp(x, max=float("nan")),
    "hardtanh": lambda T, x: T.nn.functional.hardtanh(x),
    "relu6": lambda T, x: T.nn.functional.relu6(x),
    "threshold": lambda T, x: T.nn.functional.threshold(x, 0.5, -2.0),
}
DTYPES = ["float32", "float64", "float16"]


def layout_of(T, base, layout: str):
    """base (8, 12) as the operand of `layout`: itself, a transposed view, a strided slice, or one row broadcast."""
    x = T.tensor(base)
    if layout == "transposed":
        return x.t()
    if layout == "sliced":
        return x[::2, 1::3]
    if layout == "expanded":
        return x[2:3].expand(5, 12)
    return x


def assert_bits_equal(ours, theirs) -> None:
    """Equal values with equal signs of zero, and NaN exactly where torch has NaN."""
    a, b = to_numpy(ours), to_numpy(theirs)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(np.isnan(a), np.isnan(b))
    keep = ~np.isnan(b)
    assert np.array_equal(a[keep], b[keep]) and np.array_equal(np.signbit(a[keep]), np.signbit(b[keep]))


def edge_base(dtype: str) -> np.ndarray:
    x = np.random.default_rng(3).standard_normal((8, 12)).astype(dtype) * 4
    x.flat[5 * np.arange(len(EDGES))] = EDGES  # spread over rows and columns: every layout sees some
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", FUNCTIONS)
def test_values_bitwise(name, layout, dtype):
    base = edge_base(dtype)
    f = FUNCTIONS[name]
    assert_bits_equal(f(mytorch, layout_of(mytorch, base, layout)), f(torch, layout_of(torch, base, layout)))


@pytest.mark.parametrize("name", ["relu", "clamp", "hardtanh", "relu6", "threshold"])
def test_gradient_at_edges(name):
    base = edge_base("float32")
    grads = []
    for T in (mytorch, torch):
        x = T.tensor(base, requires_grad=True)
        FUNCTIONS[name](T, x).backward(T.full(base.shape, 3.0))
        grads.append(x.grad)
    assert_bits_equal(*grads)


def test_inplace_relu_keeps_nan():
    base = edge_base("float32")
    ours, theirs = mytorch.tensor(base), torch.tensor(base)
    ours.relu_()
    theirs.relu_()
    assert_bits_equal(ours, theirs)
