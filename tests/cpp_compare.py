"""What the tests comparing the C++ backend's primitives with the NumPy backend's share: the fixtures
that run such a module once (it compares both backends itself), and building, viewing and comparing
arrays on both."""
import numpy as np
import pytest

import mytorch._dtype as D
from mytorch import backends

skip_without_cpp = pytest.mark.skipif("cpp" not in backends.available_backends(),
                                      reason="the C++ backend (_C) is not built")

DTYPES = [D.bool_, D.uint8, D.int8, D.int16, D.int32, D.int64, D.float16, D.bfloat16, D.float32, D.float64]


@pytest.fixture(scope="module")
def backend():
    """Overrides conftest's per-backend runs: each test compares both backends itself."""
    return "cpp"


@pytest.fixture(scope="module")
def be():
    return backends.backend("numpy"), backends.backend("cpp")


def both(be, host):
    """The same values on both backends."""
    npb, cpp = be
    return npb.from_host(host, None), cpp.share_host(np.array(host, order="C"))


def views(shape):
    """Ways to view an array of `shape`, each a function of (backend, array): itself, transposed, a
    strided slice with an offset, and a broadcast (stride 0) view."""
    yield lambda be, x: x
    if len(shape) >= 2:
        yield lambda be, x: be.permute(x, tuple(reversed(range(len(shape)))))
    if shape and shape[0] >= 3:
        yield lambda be, x: be.basic_index(x, (slice(1, None, 2),))
        yield lambda be, x: be.expand(be.basic_index(x, (slice(0, 1),)), (3,) + tuple(shape[1:]))


def same(expected, got):
    """A NumPy-backend array and a C++-backend array hold the same values, shape and dtype."""
    e, g = np.asarray(expected), np.asarray(backends.backend("cpp").to_host(got))
    assert e.shape == g.shape and e.dtype == g.dtype, (e.shape, g.shape, e.dtype, g.dtype)
    wide = lambda x: x.astype(np.float64) if "bfloat16" in str(x.dtype) else x  # noqa: E731
    np.testing.assert_array_equal(wide(e), wide(g))


def raises_same(f_np, f_cpp):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as e_np:
        f_np()
    with pytest.raises(type(e_np.value)) as e_cpp:
        f_cpp()
    assert str(e_np.value) == str(e_cpp.value)
