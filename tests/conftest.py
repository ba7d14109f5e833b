"""Shared fixtures: every test runs once per available backend."""
import numpy as np
import pytest

import mytorch
from mytorch import backends


@pytest.fixture(params=backends.available_backends(), autouse=True)
def backend(request):
    """Run the test with `request.param` serving ``device="cpu"``."""
    backends.set_cpu_backend(request.param)
    yield request.param
    backends.set_cpu_backend("numpy")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _default_dtype():
    yield
    mytorch.set_default_dtype(mytorch.float32)
