"""The C++ backend's vectorised float32 tanh and log (csrc/core/vmath.h) against the exact value: within 2 ulp
(tanh) and 1 ulp (log) over dense grids of the whole range, and the special values."""
from __future__ import annotations

import numpy as np
import pytest

from cpp_compare import backend  # noqa: F401 (fixture: one run, the module compares the backends itself)
from mytorch import backends

pytestmark = pytest.mark.skipif("cpp" not in backends.available_backends(), reason="the C++ backend is not built")


def cpp_tanh(x: np.ndarray) -> np.ndarray:
    be = backends.backend("cpp")
    return be.to_host(be.tanh(be.share_host(x))).copy()


def test_tanh_within_two_ulp_on_dense_grid():
    x = np.concatenate([np.linspace(-12, 12, 400_001), np.geomspace(1e-30, 0.7, 20_000)]).astype(np.float32)
    want = np.tanh(x.astype(np.float64))
    err = np.abs(cpp_tanh(x).astype(np.float64) - want) / np.spacing(want.astype(np.float32)).astype(np.float64)
    assert err.max() <= 2.0, f"max error {err.max():.2f} ulp at x = {x[err.argmax()]!r}"


def test_tanh_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 100.0, -100.0, 1e-40], np.float32)
    got = cpp_tanh(x)
    np.testing.assert_array_equal(got[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(got[1]) and np.isnan(got[4]) and got[5] == 1.0 and got[6] == -1.0 and got[7] == x[7]


def cpp_log(x: np.ndarray) -> np.ndarray:
    be = backends.backend("cpp")
    return be.to_host(be.log(be.share_host(x))).copy()


def test_log_within_one_ulp_on_dense_grid():
    """Normal and denormal floats, densest around 1 where log is small and its relative error shows."""
    x = np.concatenate([np.linspace(0.5, 2, 600_001), np.geomspace(1e-45, 3e38, 200_000),
                        1 + np.geomspace(1e-7, 1e-2, 20_000), 1 - np.geomspace(6e-8, 1e-2, 20_000)]).astype(np.float32)
    x = x[x > 0]
    want = np.log(x.astype(np.float64))
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    err = np.abs(cpp_log(x).astype(np.float64) - want) / ulp
    assert err.max() <= 1.0, f"max error {err.max():.2f} ulp at x = {x[err.argmax()]!r}"


def test_log_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, 1.0, np.finfo(np.float32).smallest_subnormal], np.float32)
    got = cpp_log(x)
    assert got[0] == -np.inf and got[1] == -np.inf and got[2] == np.inf
    assert np.isnan(got[3]) and np.isnan(got[4]) and np.isnan(got[5]) and got[6] == 0.0
    assert np.isclose(got[7], np.log(np.float64(x[7])), rtol=1e-6)
