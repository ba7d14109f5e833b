"""Shared fixtures: every test runs once per available backend."""
import collections

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


# The suite runs on two workers: `pytest -n 2 --dist loadgroup --no-loadscope-reorder`. Each test file is
# one xdist group, so a worker takes whole files and a file's module fixtures (a built site, a compiled
# extension) are made once. The pass-rate tests over PyTorch's op and module databases take minutes each
# per backend: there each backend's test is a group of its own, so the two backends' runs go to both workers,
# and those groups come first (xdist keeps this order without reordering by group size), so that neither
# worker finishes alone while the other runs a long test.
SPLIT_BY_BACKEND = ("test_opinfo.py", "test_moduleinfo.py")
DEFAULT_BACKEND = backends.get_backend("cpu").name


def _runs_on_this_backend(item) -> bool:
    """False for the second backend's copy of a test marked `backend_independent`: a file that checks the
    source, the documentation or a subprocess that picks its own backend gives the same answer on every
    backend, so it runs once, on the default one (the suite's time budget is ~15 min on 2 cores)."""
    if item.get_closest_marker("backend_independent") is None or not hasattr(item, "callspec"):
        return True
    return item.callspec.params.get("backend", DEFAULT_BACKEND) == DEFAULT_BACKEND


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which turns the marks into scheduling groups
def pytest_collection_modifyitems(config, items):
    dropped = [item for item in items if not _runs_on_this_backend(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if _runs_on_this_backend(item)]
    for item in items:
        group = item.path.name
        if group in SPLIT_BY_BACKEND:
            group += f"[{item.callspec.params['backend']}]"
        item.add_marker(pytest.mark.xdist_group(group))
    rank = {name: i for i, name in enumerate(SPLIT_BY_BACKEND)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its order


# With --durations (CI passes it), the summary also sums the time by file, both backends together: the suite's
# budget is spent file by file, so that is where to look when it grows.
_SECONDS_BY_FILE: collections.Counter = collections.Counter()


def pytest_runtest_logreport(report):
    _SECONDS_BY_FILE[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter, config):
    if config.getoption("durations") is None or not _SECONDS_BY_FILE:
        return
    count = config.getoption("durations") or len(_SECONDS_BY_FILE)
    terminalreporter.write_sep("=", f"slowest {count} files (setup, call and teardown of every test, summed)")
    for path, seconds in _SECONDS_BY_FILE.most_common(count):
        terminalreporter.write_line(f"{seconds:9.2f}s {path}")
    terminalreporter.write_line(f"{sum(_SECONDS_BY_FILE.values()):9.2f}s in all ({len(_SECONDS_BY_FILE)} files)")
