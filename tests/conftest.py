"""Shared fixtures: every test runs once per available backend."""
import numpy as np
import pytest

import mytorch
from mytorch import backends


@pytest.fixture(params=backends.available_backends(), autouse=True, scope="module")
def backend(request):
    """The backend serving ``device="cpu"`` for this run of the module's tests. Module-scoped, so that
    a module's tests run backend by backend and a module-scoped fixture that builds tensors (a model,
    say) asks for `backend` and is rebuilt on each, under that backend."""
    default = backends.get_backend("cpu").name
    backends.set_cpu_backend(request.param)
    yield request.param
    backends.set_cpu_backend(default)


@pytest.fixture(autouse=True)
def _serving_backend(backend):
    """Each test starts with the module's backend serving cpu, whatever an earlier test switched to."""
    default = backends.get_backend("cpu").name
    backends.set_cpu_backend(backend)
    yield
    backends.set_cpu_backend(default)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _default_dtype():
    yield
    mytorch.set_default_dtype(mytorch.float32)


# The pass-rate tests over PyTorch's op and module databases take minutes each. The suite runs on two workers
# that take whole files in collection order (pytest -n 2 --dist loadfile), so these files go first and the
# other worker works through the many short files meanwhile, instead of one worker finishing alone.
LONGEST_FIRST = ("test_opinfo.py", "test_moduleinfo.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its order
