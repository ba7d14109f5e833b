"""Window functions against PyTorch: every length class (0, 1, even, odd), periodic and symmetric, parameters,
dtypes, and the errors."""
import pytest
import torch

import mytorch

from helpers import same

WINDOWS = [("hann_window", {}), ("hamming_window", {}), ("hamming_window", {"alpha": 0.5, "beta": 0.3}),
           ("blackman_window", {}), ("bartlett_window", {}), ("kaiser_window", {}), ("kaiser_window", {"beta": 5.5})]


@pytest.mark.parametrize("name,kwargs", WINDOWS)
@pytest.mark.parametrize("periodic", [True, False])
def test_against_torch(name, kwargs, periodic):
    for length in (0, 1, 2, 5, 16, 400):
        for dt in (mytorch.float64, mytorch.float32):
            assert getattr(mytorch, name)(length, periodic, dtype=dt, **kwargs).dtype == dt
            same(lambda T: getattr(T, name)(length, periodic, dtype=getattr(T, str(dt).split(".")[1]), **kwargs),
                 atol=1e-6 if dt is mytorch.float32 else 1e-12, rtol=0)


def test_defaults_and_requires_grad():
    mytorch.set_default_dtype(mytorch.float64)
    w = mytorch.hann_window(8, requires_grad=True)
    assert w.dtype == mytorch.float64 and w.requires_grad and w.is_leaf
    torch.set_default_dtype(torch.float64)
    try:
        same(lambda T: T.kaiser_window(9), atol=1e-12, rtol=0)
    finally:
        torch.set_default_dtype(torch.float32)


def test_errors():
    with pytest.raises(RuntimeError, match="hann_window expects floating point dtypes"):
        mytorch.hann_window(4, dtype=mytorch.int64)
    with pytest.raises(RuntimeError, match="requires non-negative window_length, got window_length=-1"):
        mytorch.blackman_window(-1)
