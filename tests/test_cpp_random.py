"""The C++ random primitives (csrc/random/, Philox4x32-10): the block function against the published
known-answer vectors, reproducibility by seed and state, independence of the thread count, and the
distributions (bounds, moments, uniformity) of uniform, normal, randint and permutation."""
import numpy as np
import pytest

import mytorch._dtype as D
from mytorch import backends

pytestmark = pytest.mark.skipif("cpp" not in backends.available_backends(), reason="the C++ backend (_C) is not built")

FLOATS = [D.float16, D.bfloat16, D.float32, D.float64]
INTS = [D.bool_, D.uint8, D.int8, D.int16, D.int32, D.int64]
BIG = 1 << 18  # above parallel_for's grain, so that two threads really split the work


@pytest.fixture(scope="module")
def backend():
    """Overrides conftest's per-backend runs: these tests are about the C++ backend alone."""
    return "cpp"


@pytest.fixture(scope="module")
def cpp():
    return backends.backend("cpp")


def host(cpp, a):
    return np.asarray(cpp.to_host(a), dtype=np.float64) if a.dtype is not D.bool_ else cpp.to_host(a).copy()


def draws(cpp, rng, shape=(1000,)):
    """One draw of every primitive (and dtype) from rng, as NumPy arrays."""
    out = [host(cpp, cpp.uniform(rng, shape, -1.0, 3.0, dt)) for dt in FLOATS]
    out += [host(cpp, cpp.normal(rng, shape, 0.5, 2.0, dt)) for dt in FLOATS]
    out += [host(cpp, cpp.randint(rng, shape, 0, 2, dt)) for dt in INTS]
    out += [host(cpp, cpp.randint(rng, shape, -2 ** 63, 2 ** 63, D.int64)),
            host(cpp, cpp.randint(rng, shape, -7, 1000, D.float32)),
            host(cpp, cpp.permutation(rng, shape[0]))]
    return out


def assert_same(xs, ys):
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys):
        np.testing.assert_array_equal(x, y)


# Random123's known-answer vectors for philox4x32 with 10 rounds (counter, key -> output)
KAT = [
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
]


@pytest.mark.parametrize("counter, key, expected", KAT)
def test_philox_known_answers(counter, key, expected):
    assert list(backends._C._philox4x32(counter, key)) == expected


def test_same_seed_same_numbers(cpp):
    assert_same(draws(cpp, cpp.rng(1234)), draws(cpp, cpp.rng(1234)))
    a, b = draws(cpp, cpp.rng(1234)), draws(cpp, cpp.rng(1235))
    assert not np.array_equal(a[2], b[2])


def test_offset_advances_by_blocks_used(cpp):
    rng = cpp.rng(0)
    cpp.uniform(rng, (10,), 0.0, 1.0, D.float32)  # one word each: 3 blocks
    assert rng.offset == 3
    cpp.uniform(rng, (5,), 0.0, 1.0, D.float64)  # two words each: 3 blocks
    cpp.randint(rng, (3,), 0, 2 ** 40, D.int64)  # span > 2^32: a block each
    assert rng.offset == 9


def test_consecutive_draws_continue_the_stream(cpp):
    """Element i uses word i % 4 of counter offset + i / 4: 8 floats at once are two draws of 4."""
    whole = host(cpp, cpp.uniform(cpp.rng(5), (8,), 0.0, 1.0, D.float32))
    rng = cpp.rng(5)
    parts = [host(cpp, cpp.uniform(rng, (4,), 0.0, 1.0, D.float32)) for _ in range(2)]
    np.testing.assert_array_equal(whole, np.concatenate(parts))


@pytest.fixture
def threads():
    before = backends._C.get_num_threads()
    yield backends._C.set_num_threads
    backends._C.set_num_threads(before)


def test_thread_count_does_not_change_numbers(cpp, threads):
    results = []
    for n in (1, 2, 3):
        threads(n)
        results.append(draws(cpp, cpp.rng(99), (BIG + 3,)))
    assert_same(results[0], results[1])
    assert_same(results[0], results[2])


def test_state_round_trip_mid_stream(cpp):
    rng = cpp.rng(7)
    draws(cpp, rng, (37,))
    state = cpp.rng_state(rng)
    assert isinstance(state, bytes) and len(state) == 24
    first = draws(cpp, rng)
    other = cpp.rng(0)
    cpp.set_rng_state(other, state)
    assert cpp.rng_state(other) == state
    assert_same(first, draws(cpp, other))
    with pytest.raises(RuntimeError, match="24 bytes"):
        cpp.set_rng_state(other, state[:-1])


def test_state_format(cpp):
    """key (the seed), counter offset low and high 64 bits, each little-endian."""
    rng = cpp.rng(0x0102030405060708)
    cpp.uniform(rng, (4 * 5,), 0.0, 1.0, D.float32)
    assert cpp.rng_state(rng) == (0x0102030405060708).to_bytes(8, "little") + (5).to_bytes(16, "little")
    # the counter carries from its low 64 bits into the high ones
    cpp.set_rng_state(rng, bytes(8) + (2 ** 64 - 1).to_bytes(16, "little"))
    cpp.uniform(rng, (8,), 0.0, 1.0, D.float32)
    assert rng.offset == 2 ** 64 + 1


@pytest.mark.parametrize("dt", [D.float16, D.bfloat16, D.float32])
def test_uniform_never_reaches_one(cpp, dt):
    # 2^22 draws: every 8- and 11-bit value appears, and float32's top value 1 - 2^-24 is what rounding would lift
    u = host(cpp, cpp.uniform(cpp.rng(3), (1 << 22,), 0.0, 1.0, dt))
    assert u.min() >= 0 and u.max() < 1
    if dt is not D.float32:
        assert u.max() == 1 - 2.0 ** -(11 if dt is D.float16 else 8)


@pytest.mark.parametrize("dt", FLOATS)
def test_uniform_moments(cpp, dt):
    n = 1 << 20
    u = host(cpp, cpp.uniform(cpp.rng(11), (n,), -2.0, 6.0, dt))
    assert u.min() >= -2 and u.max() < 6
    # u = -2 + 8 k / 2^digits for k uniform in [0, 2^digits): mean -2 + 4 (1 - 2^-digits), variance about
    # 64 / 12; 6 standard errors of the mean, a loose bound on the std
    digits = {D.float16: 11, D.bfloat16: 8, D.float32: 24, D.float64: 53}[dt]
    assert abs(u.mean() - (-2 + 4 * (1 - 2.0 ** -digits))) < 6 * np.sqrt(64 / 12 / n)
    assert abs(u.std() - np.sqrt(64 / 12)) < 0.01


@pytest.mark.parametrize("dt", FLOATS)
def test_normal_moments(cpp, dt):
    n = 1 << 20
    z = host(cpp, cpp.normal(cpp.rng(13), (n + 1,), 1.5, 3.0, dt))  # an odd count: the last pair half used
    assert np.isfinite(z).all()
    assert abs(z.mean() - 1.5) < 6 * 3 / np.sqrt(n)
    assert abs(z.std() / 3 - 1) < 0.01
    s = (z - 1.5) / 3
    # tails of N(0, 1): P(|z| > 2) = 0.0455, skewness 0, kurtosis 3
    assert abs((np.abs(s) > 2).mean() - 0.0455) < 0.002
    assert abs((s ** 3).mean()) < 0.02
    assert abs((s ** 4).mean() - 3) < 0.05


@pytest.mark.parametrize("dt", INTS + FLOATS)
def test_randint_bounds_and_uniformity(cpp, dt):
    low, high = (0, 2) if dt is D.bool_ else (0, 200) if dt is D.uint8 else (-50, 50) if dt is D.int8 else (-37, 163)
    n = 1 << 18
    x = host(cpp, cpp.randint(cpp.rng(17), (n,), low, high, dt)).astype(np.int64)
    assert x.min() == low and x.max() == high - 1
    counts = np.bincount(x - low, minlength=high - low)
    expected = n / (high - low)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    dof = high - low - 1
    assert chi2 < dof + 6 * np.sqrt(2 * dof) + 10  # about 6 standard deviations of the chi-square statistic


def test_randint_wide_ranges(cpp):
    """Spans above 2^32 (a whole block per element) and the full int64 range."""
    n = 1 << 16
    x = cpp.to_host(cpp.randint(cpp.rng(19), (n,), -2 ** 63, 2 ** 63, D.int64))
    assert (x < 0).mean() == pytest.approx(0.5, abs=0.01)
    y = cpp.to_host(cpp.randint(cpp.rng(19), (n,), 10, 10 + 3 * 2 ** 40, D.int64))
    assert y.min() >= 10 and y.max() < 10 + 3 * 2 ** 40
    assert np.bincount((y - 10) // 2 ** 40).min() > n / 3 - 6 * np.sqrt(n / 3)
    z = cpp.to_host(cpp.randint(cpp.rng(19), (n,), 5, 6, D.int64))
    assert (z == 5).all()
    with pytest.raises(ValueError):
        cpp.randint(cpp.rng(0), (3,), 0, 2 ** 64, D.int64)
    with pytest.raises(ValueError):
        cpp.randint(cpp.rng(0), (3,), 3, 3, D.int64)


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, BIG + 1])
def test_permutation_is_a_permutation(cpp, n):
    p = cpp.permutation(cpp.rng(23), n)
    assert p.dtype is D.int64 and p.shape == (n,)
    np.testing.assert_array_equal(np.sort(cpp.to_host(p)), np.arange(n))


def test_permutation_positions_are_uniform(cpp):
    """Each of 0..4 lands in each of 5 positions with probability 1/5."""
    rng, trials = cpp.rng(29), 20000
    counts = np.zeros((5, 5))
    for _ in range(trials):
        counts[np.arange(5), cpp.to_host(cpp.permutation(rng, 5))] += 1
    assert np.abs(counts / trials - 0.2).max() < 0.015


@pytest.mark.parametrize("op", ["uniform", "normal"])
def test_floating_only(cpp, op):
    with pytest.raises(TypeError, match="floating"):
        getattr(cpp, op)(cpp.rng(0), (3,), 0.0, 1.0, D.int32)


def test_generator_uses_philox(cpp):
    """mytorch.Generator on the cpp backend: seed in, the same numbers out, state round trip through get_state."""
    import mytorch
    g = mytorch.Generator()
    before = backends.get_backend("cpu")
    backends.set_cpu_backend("cpp")
    try:
        g.manual_seed(42)
        a = mytorch.randn(100, generator=g)
        state = g.get_state()
        b = mytorch.rand(50, generator=g)
        g.manual_seed(42)
        np.testing.assert_array_equal(mytorch.randn(100, generator=g).numpy(), a.numpy())
        g.set_state(state)
        np.testing.assert_array_equal(mytorch.rand(50, generator=g).numpy(), b.numpy())
    finally:
        backends.set_cpu_backend(before.name)
