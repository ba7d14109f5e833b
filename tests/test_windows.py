"""Window functions against PyTorch: every length class (0, 1, even, odd), periodic and symmetric, parameters,
dtypes, and the errors."""
import numpy as np
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


SIGNAL_WINDOWS = {"bartlett": {}, "blackman": {}, "cosine": {}, "hamming": {}, "hann": {}, "nuttall": {},
                  "kaiser": {"beta": 5.5}, "gaussian": {"std": 1.7}, "exponential": {"tau": 2.5},
                  "general_cosine": {"a": [0.5, 0.3, 0.2]}, "general_hamming": {"alpha": 0.6}}


@pytest.mark.parametrize("name", sorted(SIGNAL_WINDOWS))
def test_signal_windows(name):
    """torch.signal.windows at lengths 0, 1, 2, odd and even, symmetric and periodic, float32 and float64."""
    kwargs = SIGNAL_WINDOWS[name]
    for M in (0, 1, 2, 7, 16):
        for sym in (True, False):
            for dt in ("float32", "float64"):
                m = getattr(mytorch.signal.windows, name)(M, sym=sym, dtype=getattr(mytorch, dt), **kwargs)
                t = getattr(torch.signal.windows, name)(M, sym=sym, dtype=getattr(torch, dt), **kwargs)
                assert m.dtype is getattr(mytorch, dt) and tuple(m.shape) == tuple(t.shape)
                np.testing.assert_allclose(m.numpy(), t.numpy(), atol=1e-6 if dt == "float32" else 1e-12)
    with pytest.raises(ValueError):
        getattr(mytorch.signal.windows, name)(-1, **kwargs)
    with pytest.raises(ValueError):
        getattr(mytorch.signal.windows, name)(3, dtype=mytorch.int64, **kwargs)


def test_exponential_center():
    m = mytorch.signal.windows.exponential(6, center=1.5, sym=False, dtype=mytorch.float64)
    t = torch.signal.windows.exponential(6, center=1.5, sym=False, dtype=torch.float64)
    np.testing.assert_allclose(m.numpy(), t.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="Center"):
        mytorch.signal.windows.exponential(6, center=1.5)
