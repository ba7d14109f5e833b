"""The FFT kernels (the contract's `fft` primitive; csrc/fft/ and backends/_np_fft.py) against np.fft: prime,
power-of-two, smooth composite and Bluestein lengths, both directions, complex64 and complex128, rows along
any axis of strided views. NumPy's FFT is only the oracle here; mytorch never calls it."""
import numpy as np
import pytest

from mytorch import backends

# 1..40 covers every small radix and its mixes; then powers of two, smooth composites (400: speech STFTs),
# primes and lengths with a prime factor above the largest radix (Bluestein)
LENGTHS = [*range(1, 41), 64, 97, 128, 210, 243, 256, 400, 509, 512, 1000, 1024, 1031, 2310, 4096, 6006, 8191]
# relative to the largest |X_k|: a few roundings times log n
TOLERANCE = {np.complex128: 1e-12, np.complex64: 1e-5}


def kernel(backend: str, x: np.ndarray, axis: int, inverse: bool, scale: float) -> np.ndarray:
    """The backend's FFT of the complex NumPy array x, as a NumPy array."""
    be = backends.backend(backend)
    return np.array(be.to_host(be.fft(be.share_host(x), axis % x.ndim, inverse, scale)))


def reference(x: np.ndarray, axis: int, inverse: bool, scale: float) -> np.ndarray:
    x = x.astype(np.complex128)
    out = np.fft.ifft(x, axis=axis) * x.shape[axis] if inverse else np.fft.fft(x, axis=axis)
    return out * scale


def random_complex(rng, shape, dt):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)


def assert_close(got, want, dt):
    assert got.dtype == dt and got.shape == want.shape
    size = max(np.abs(want).max(initial=0), 1e-300)
    assert np.abs(got - want).max(initial=0) <= TOLERANCE[dt] * size


@pytest.mark.parametrize("dt", [np.complex128, np.complex64])
@pytest.mark.parametrize("inverse", [False, True])
def test_lengths(backend, rng, dt, inverse):
    for n in LENGTHS:
        x = random_complex(rng, (3, n), dt)
        assert_close(kernel(backend, x, 1, inverse, 1.0), reference(x, 1, inverse, 1.0), dt)


@pytest.mark.parametrize("dt", [np.complex128, np.complex64])
def test_axes_views_and_scale(backend, rng, dt):
    base = random_complex(rng, (6, 7, 10), dt)
    views = [base, base.transpose(2, 0, 1), base[::2, 1:, ::-1], np.broadcast_to(base[:1], (4, 7, 10))]
    for x in views:
        for axis in range(x.ndim):
            for inverse, scale in [(False, 1.0), (True, 1 / x.shape[axis]), (False, x.shape[axis] ** -0.5)]:
                assert_close(kernel(backend, x, axis, inverse, scale), reference(x, axis, inverse, scale), dt)


def test_round_trip_and_linearity(backend, rng):
    """ifft(fft(x)) / n = x, and the transform of a delta is a pure phase (what the tolerance cannot hide)."""
    for n in (16, 30, 37, 1000):
        x = random_complex(rng, (2, n), np.complex128)
        back = kernel(backend, kernel(backend, x, 1, False, 1.0), 1, True, 1 / n)
        np.testing.assert_allclose(back, x, rtol=0, atol=1e-13)
        delta = np.zeros((1, n), np.complex128)
        delta[0, 1] = 1
        spectrum = kernel(backend, delta, 1, False, 1.0)[0]
        np.testing.assert_allclose(spectrum, np.exp(-2j * np.pi * np.arange(n) / n), rtol=0, atol=1e-14)


def test_real_input(backend, rng):
    """A real array is read as complex with zero imaginary parts; the result is complex of its precision."""
    for dt, cdt in ((np.float64, np.complex128), (np.float32, np.complex64)):
        x = rng.standard_normal((4, 30)).astype(dt)[:, ::2]
        for inverse in (False, True):
            assert_close(kernel(backend, x, 1, inverse, 0.5), reference(x, 1, inverse, 0.5).astype(cdt), cdt)


def test_empty(backend):
    for shape, axis in [((0, 8), 1), ((3, 0), 1), ((0,), 0)]:
        out = kernel(backend, np.zeros(shape, np.complex64), axis, False, 1.0)
        assert out.shape == shape and out.dtype == np.complex64
