"""The NumPy backend's FFT: the same algorithm as csrc/fft/, vectorised over the batch of rows.

The discrete Fourier transform of a row x of length n, and its inverse direction (unnormalised),

    X_k = sum_j x_j e^(-2 pi i jk / n),        x_j = sum_k X_k e^(+2 pi i jk / n),

is computed in O(n log n) in two ways, chosen by the length:

- Mixed-radix Stockham (autosort) when n's prime factors are all small (<= 13): n = p_1 p_2 ... p_r.
  The state holds, for s subsequences x_(r::s) (r in [0, s)), their DFTs of length m = n / s; it
  starts at s = n, m = 1 (each element is its own DFT). A stage with factor p merges p of them:
  subsequence r' of stride s' = s / p is the interleave of subsequences r' + s' t (t in [0, p)), so
            Y'_r'[k1 + m k2] = sum_t  w_p^(t k2)  w_(mp)^(t k1)  Y_(r' + s' t)[k1]
  (w_q = e^(-2 pi i / q)): a twiddle multiply and a p-point DFT along t. Each stage reads and writes
  whole arrays in order (no bit reversal); after the last one s = 1 and m = n.
- Bluestein (chirp-z) for any other n: 2jk = j^2 + k^2 - (k - j)^2 turns the DFT into a convolution,
            X_k = c_k sum_j (x_j c_j) conj(c_(k-j)),       c_j = e^(-pi i j^2 / n),
  computed by three FFTs of a power-of-two length M >= 2n - 1 (the chirp's FFT is computed once).

The inverse direction is conj(DFT(conj(x))). Twiddles are computed from exact integer angles (t k mod
q, j^2 mod 2n) so their error does not grow with n. Nothing here calls np.fft.
"""
from __future__ import annotations

import functools

import numpy as np

# prime factors up to this are stages of their own; a larger one sends the whole length to Bluestein
MAX_RADIX = 13


def fft(a: np.ndarray, axis: int, inverse: bool, scale: float) -> np.ndarray:
    """scale * DFT of a along axis (the inverse direction when ``inverse``), a new complex array; a real a is
    read as complex with zero imaginary parts."""
    if a.dtype.kind == "f":
        a = a.astype(np.complex64 if a.dtype == np.float32 else np.complex128)
    n = a.shape[axis]
    rows = np.moveaxis(a, axis, -1)
    batch_shape = rows.shape[:-1]
    x = rows.reshape(-1, n) if n else rows.reshape(rows.size, 0)
    if inverse:
        x = np.conj(x)
    y = _dft(x)
    if inverse:
        np.conj(y, out=y)
    if scale != 1:
        y *= y.real.dtype.type(scale)
    return np.moveaxis(y.reshape(*batch_shape, n), -1, axis)


def _dft(x: np.ndarray) -> np.ndarray:
    """The forward DFT of each row of x (batch, n): a new array."""
    n = x.shape[1]
    if n <= 1 or x.size == 0:
        return x.copy()
    factors = _factors(n)
    return _stockham(x, factors) if factors else _bluestein(x)


@functools.lru_cache(maxsize=None)
def _factors(n: int) -> tuple[int, ...] | None:
    """n's stage radices (4s first, then 2, 3, 5, ... up to MAX_RADIX), or None when a larger prime divides n."""
    out = []
    while n % 4 == 0:
        out.append(4)
        n //= 4
    for p in range(2, MAX_RADIX + 1):
        while n % p == 0:
            out.append(p)
            n //= p
    return tuple(out) if n == 1 else None


def _roots(q: int, dt: np.dtype, count: int | None = None) -> np.ndarray:
    """e^(-2 pi i k / q) for k in [0, count) (default q), exact angles, of complex dtype dt."""
    k = np.arange(q if count is None else count) % q
    angle = (-2 * np.pi / q) * k
    return (np.cos(angle) + 1j * np.sin(angle)).astype(dt)


def _stockham(x: np.ndarray, factors: tuple[int, ...]) -> np.ndarray:
    batch, n = x.shape
    s, m = n, 1
    y = x.reshape(batch, s, m)
    for p in factors:
        s //= p
        # y[:, t, r', k1] is subsequence r = t s' + r' at bin k1
        y = y.reshape(batch, p, s, m)
        if m > 1:
            y = y * _twiddles(p, m, x.dtype.name)
        z = np.empty((batch, s, p, m), x.dtype)     # z[:, r', k2, k1] = Y'_r'[k1 + m k2]
        _small_dft(y, p, z)
        m *= p
        y = z.reshape(batch, s, m)
    return y.reshape(batch, n)


@functools.lru_cache(maxsize=256)
def _twiddles(p: int, m: int, dt_name: str) -> np.ndarray:
    """w_(mp)^(t k1) of shape (p, 1, m): the twiddles of a stage of radix p after length-m DFTs."""
    w = _roots(m * p, np.dtype(dt_name))[np.outer(np.arange(p), np.arange(m)) % (m * p)][:, None, :]
    w.flags.writeable = False
    return w


def _small_dft(y: np.ndarray, p: int, z: np.ndarray) -> None:
    """z[:, :, k2, :] = the p-point DFT along axis 1 of y (batch, p, s, m), for z (batch, s, p, m)."""
    if p == 2:
        np.add(y[:, 0], y[:, 1], out=z[:, :, 0])
        np.subtract(y[:, 0], y[:, 1], out=z[:, :, 1])
    elif p == 4:
        a, b = y[:, 0] + y[:, 2], y[:, 0] - y[:, 2]
        c, d = y[:, 1] + y[:, 3], (y[:, 1] - y[:, 3]) * -1j     # w_4 = -i
        np.add(a, c, out=z[:, :, 0])
        np.add(b, d, out=z[:, :, 1])
        np.subtract(a, c, out=z[:, :, 2])
        np.subtract(b, d, out=z[:, :, 3])
    else:
        w = _roots(p, y.dtype)[np.outer(np.arange(p), np.arange(p)) % p]
        np.einsum("kt,btsm->bskm", w, y, out=z)


def _chirp(n: int, dt: np.dtype) -> np.ndarray:
    """c_j = e^(-pi i j^2 / n) = w_(2n)^(j^2 mod 2n) for j in [0, n)."""
    j = np.arange(n, dtype=np.int64)
    return _roots(2 * n, dt)[(j * j) % (2 * n)]


@functools.lru_cache(maxsize=64)
def _chirp_spectrum(n: int, big: int, dt_name: str) -> tuple[np.ndarray, np.ndarray]:
    """(c, B): the chirp and the DFT of the filter b (b_j = b_(big-j) = conj(c_j), zero between) over 1 / big."""
    dt = np.dtype(dt_name)
    c = _chirp(n, dt)
    b = np.zeros((1, big), dt)
    b[0, :n] = np.conj(c)
    b[0, big - n + 1:] = np.conj(c[1:][::-1])
    spectrum = _stockham(b, _factors(big))[0] / big
    c.flags.writeable = spectrum.flags.writeable = False
    return c, spectrum


def _bluestein(x: np.ndarray) -> np.ndarray:
    batch, n = x.shape
    big = 1 << (2 * n - 2).bit_length()          # the least power of two >= 2n - 1
    c, spectrum = _chirp_spectrum(n, big, x.dtype.name)
    a = np.zeros((batch, big), x.dtype)
    a[:, :n] = x * c
    conv = np.conj(_stockham(np.conj(_stockham(a, _factors(big)) * spectrum), _factors(big)))
    return conv[:, :n] * c
