"""mytorch.testing against torch.testing: the same verdict and the same message on the same inputs."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch.testing import assert_close, make_tensor


def both(build):
    """build(lib) for torch and for mytorch."""
    return build(torch), build(mytorch)


CASES = [
    lambda T: (T.tensor([1.0, 2.0, 3.0]), T.tensor([1.0, 2.5, 3.0]), {}),
    lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0, 3.0]), {}),
    lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0], dtype=T.float64), {}),
    lambda T: (T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0], dtype=T.float64), {"check_dtype": False}),
    lambda T: (1.0, 1.1, {}),
    lambda T: (1.0, 1.0 + 1e-9, {}),
    lambda T: ([T.tensor(1.0)], [T.tensor(2.0)], {}),
    lambda T: ({"a": T.tensor(1.0)}, {"a": T.tensor(2.0)}, {}),
    lambda T: ({"a": [1, T.tensor([1, 2])]}, {"a": [1, T.tensor([1, 3])]}, {}),
    lambda T: (T.tensor([1, 2]), T.tensor([1, 3]), {}),
    lambda T: (T.tensor([float("nan")]), T.tensor([float("nan")]), {}),
    lambda T: (T.tensor([float("nan"), 1.0]), T.tensor([float("nan"), 1.0]), {"equal_nan": True}),
    lambda T: (T.tensor([float("inf")]), T.tensor([float("inf")]), {}),
    lambda T: (T.tensor([1.0]), T.tensor([1.0]), {"rtol": 1e-3}),
    lambda T: (T.zeros(2, 2), T.zeros(2, 2).t(), {"check_stride": True}),
    lambda T: (T.zeros(2, 2), T.zeros(2, 2).t(), {}),
    lambda T: (T.tensor([True]), T.tensor([False]), {}),
    lambda T: (T.tensor([1.0]), 1.0, {}),
    lambda T: ({"a": 1}, {"b": 1}, {}),
    lambda T: ([1, 2], [1, 2, 3], {}),
    lambda T: (T.tensor([0.0, 1.0]), T.tensor([1e-6, 1.0]), {}),
    lambda T: (T.tensor([0.0, 1.0]), T.tensor([1e-4, 1.0]), {"rtol": 0.0, "atol": 1e-3}),
    lambda T: (T.tensor([1.0, 1.01], dtype=T.bfloat16), T.tensor([1.0, 1.0], dtype=T.bfloat16), {}),
    lambda T: (T.tensor([[1.0, 2.0], [3.0, 4.0]]), T.tensor([[1.0, 2.0], [3.0, 5.0]]), {"msg": "custom"}),
    lambda T: (T.tensor([1.0]), T.tensor([2.0]), {"msg": lambda m: "wrapped: " + m}),
    lambda T: (None, None, {}),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_assert_close_like_torch(case, backend):
    (a_t, b_t, kw), (a_m, b_m, _) = both(CASES[case])
    try:
        torch.testing.assert_close(a_t, b_t, **kw)
        expected = None
    except Exception as e:
        expected = (type(e), str(e).replace("torch.", "mytorch."))
    try:
        assert_close(a_m, b_m, **kw)
        got = None
    except Exception as e:
        got = (type(e), str(e).replace("mytorch._tensor.Tensor", "mytorch.Tensor"))
    assert got == expected


def test_make_tensor(backend):
    for dtype in (mytorch.float32, mytorch.float64, mytorch.int64, mytorch.uint8, mytorch.bool, mytorch.bfloat16):
        t = make_tensor(3, 4, dtype=dtype, device="cpu")
        assert t.shape == (3, 4) and t.dtype is dtype
    x = make_tensor((50, 40), dtype=mytorch.float32, low=-2, high=3)
    assert -2 <= x.min().item() and x.max().item() < 3
    n = make_tensor(5, 6, dtype=mytorch.int64, noncontiguous=True, exclude_zero=True)
    assert not n.is_contiguous() and (n != 0).all() and -9 <= n.min().item() and n.max().item() < 10
    g = make_tensor(2, dtype=mytorch.float64, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    with pytest.raises(ValueError, match="low must be less than or equal to high"):
        make_tensor(2, dtype=mytorch.float32, low=1, high=0)
    assert np.isfinite(make_tensor(100, dtype=mytorch.float16).float().numpy()).all()
