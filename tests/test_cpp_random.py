"""The C++ random primitives (csrc/random/: PyTorch's CPU generator and distributions): every primitive gives
torch's numbers for any thread count, the same as the NumPy backend's (backends/_np_random.py) in every
dtype, and the state round-trips in PyTorch's format, between the two backends too."""
import numpy as np
import pytest
import torch

import mytorch
import mytorch._dtype as D
from mytorch import backends

pytestmark = pytest.mark.skipif("cpp" not in backends.available_backends(), reason="the C++ backend (_C) is not built")

RANDOM = ["rng", "rng_state", "set_rng_state", "uniform", "normal", "exponential", "randint", "permutation"]


@pytest.fixture(scope="module")
def backend():
    """Overrides conftest's per-backend runs: these tests are about the C++ backend alone."""
    return "cpp"


@pytest.fixture(scope="module")
def cpp():
    return backends.backend("cpp")


def host(cpp, a):
    return np.array(cpp.to_host(a))


def test_random_primitives_are_native(cpp):
    assert not set(RANDOM) & set(cpp.host_primitives())


@pytest.mark.parametrize("dt", [D.float16, D.bfloat16, D.float32, D.float64])
@pytest.mark.parametrize("n", [1, 15, 16, 33, 1000])
def test_same_numbers_as_the_numpy_backend(cpp, dt, n):
    """Both backends draw one algorithm: equal numbers and states after every primitive (the half types'
    normal blocks included, although PyTorch rounds those differently, see distributions.cpp)."""
    host = backends.backend("numpy")
    a, b = cpp.rng(2 ** 33 + 5), host.rng(2 ** 33 + 5)
    high = 1000 if dt is D.float16 else 2 ** 35  # 64-bit draws into the wide dtypes
    for draw in (lambda be, r: be.uniform(r, (n,), -2.0, 5.0, dt), lambda be, r: be.normal(r, (n,), 1.0, 3.0, dt),
                 lambda be, r: be.normal(r, (n,), 0.0, 1.0, dt, False), lambda be, r: be.exponential(r, (n,), 0.5, dt),
                 lambda be, r: be.randint(r, (n,), -9, high, dt), lambda be, r: be.permutation(r, n)):
        np.testing.assert_array_equal(np.asarray(cpp.to_host(draw(cpp, a)), np.float64),
                                      np.asarray(host.to_host(draw(host, b)), np.float64))
        assert cpp.rng_state(a) == host.rng_state(b)
    host.set_rng_state(b, cpp.rng_state(a))
    cpp.set_rng_state(a, host.rng_state(b))
    assert cpp.rng_state(a) == host.rng_state(b)


@pytest.mark.parametrize("threads", [1, 2])
def test_every_primitive_draws_torchs_numbers(cpp, threads):
    prev = mytorch.get_num_threads()
    mytorch.set_num_threads(threads)
    try:
        rng = cpp.rng(3)
        torch.manual_seed(3)
        for dt, tdt in ((D.float32, torch.float32), (D.float64, torch.float64)):
            np.testing.assert_array_equal(host(cpp, cpp.uniform(rng, (70,), -1.0, 3.0, dt)),
                                          torch.empty(70, dtype=tdt).uniform_(-1.0, 3.0).numpy())
            np.testing.assert_array_equal(host(cpp, cpp.normal(rng, (70,), 0.5, 2.0, dt)),
                                          torch.empty(70, dtype=tdt).normal_(0.5, 2.0).numpy())
        np.testing.assert_array_equal(host(cpp, cpp.randint(rng, (50,), -2 ** 63, 2 ** 63, D.int64)),
                                      torch.empty(50, dtype=torch.int64).random_(-2 ** 63, None).numpy())
        np.testing.assert_array_equal(host(cpp, cpp.permutation(rng, 300)), torch.randperm(300).numpy())
        assert cpp.rng_state(rng) == bytes(torch.get_rng_state().numpy())
    finally:
        mytorch.set_num_threads(prev)


def test_state_round_trip_mid_stream(cpp):
    rng = cpp.rng(9)
    cpp.normal(rng, (3,), 0.0, 1.0, D.float64, False)  # leaves a cached sample in the state
    state = cpp.rng_state(rng)
    a = host(cpp, cpp.normal(rng, (5,), 0.0, 1.0, D.float64, False))
    other = cpp.rng(0)
    cpp.set_rng_state(other, state)
    np.testing.assert_array_equal(host(cpp, cpp.normal(other, (5,), 0.0, 1.0, D.float64, False)), a)
    with pytest.raises(RuntimeError, match="size"):
        cpp.set_rng_state(other, state[:-1])
