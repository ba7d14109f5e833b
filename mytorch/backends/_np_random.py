"""PyTorch's CPU random streams, bit for bit, in NumPy: the mt19937 engine and each distribution's transform.

The engine is mt19937 seeded by init_genrand with the seed's low 32 bits (NumPy's `MT19937` bit
generator steps the same recurrence; we set its 624 words ourselves). A draw is `random()`, one
32-bit word, or `random64()`, two words w1, w2 joined as w1 * 2^32 + w2. Every element takes its
draws in turn, in the order PyTorch's serial CPU kernels visit them:

    uniform [from, to)   u = (w & (2^24 - 1)) * 2^-24 in float32 from one word (float64: 53 bits of
                         random64), then u * (to - from) + from; half types round that float32 value
    normal               N >= 16 contiguous elements ("fill"): N uniforms, Box-Muller on blocks of 16
                         (u1 = 1 - x[j], u2 = x[j + 8], j < 8), and when 16 does not divide N the last 16
                         elements are drawn again and transformed again; fewer or strided elements
                         ("scalar"): Box-Muller in float64 on two random64 uniforms per pair, the second
                         sample of a pair kept for the next element (also across calls)
    randint [low, high)  (w mod (high - low)) + low, w = random64() when the range is >= 2^32 (and
                         the dtype is int64, float64, float32 or bfloat16), else random()
    randperm(n)          for i < n - 1: swap p[i] and p[i + random() mod (n - i)]

Where PyTorch's kernel calls libm in float64 (log, log1p, sin, cos), so do we, through `math`, which
calls the same C library: NumPy's vectorised float64 log differs from it in the last bit. PyTorch's
float32 fill runs the AVX2 kernel of `avx_mathfun.h` (Cephes polynomials) compiled with fused
multiply-adds; `_cephes_log` and `_cephes_sincos` evaluate the same polynomials with the same
roundings, fusing where that kernel's compiler fused (`fma32`). The C++ backend runs the same
algorithms (csrc/random/distributions.cpp), with the same numbers and states.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .. import _dtype as D

_N = 624  # mt19937's state words
_STATE = np.dtype([  # PyTorch's CPUGeneratorImplState, as torch.get_rng_state() returns its bytes
    ("seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"), ("words", "<u8", (_N,)),
    ("normal_x", "<f8"), ("normal_y", "<f8"), ("normal_rho", "<f8"), ("normal_is_valid", "<i4"), ("_pad", "V4"),
    ("next_float_normal", "<f4"), ("next_float_normal_is_valid", "u1"), ("_pad2", "V3")])
STATE_BYTES = _STATE.itemsize  # 5056
# randint takes 64 random bits for a range of 2^32 or more only into these dtypes (PyTorch's rule)
_WIDE = (D.int64, D.float64, D.float32, D.bfloat16)


def _init_genrand(seed: int) -> np.ndarray:
    """mt19937's seeding: s[0] = seed mod 2^32, s[j] = 1812433253 (s[j-1] xor s[j-1] >> 30) + j mod 2^32."""
    s = [seed & 0xFFFFFFFF]
    for j in range(1, _N):
        s.append((1812433253 * (s[-1] ^ (s[-1] >> 30)) + j) & 0xFFFFFFFF)
    return np.array(s, dtype=np.uint32)


class Stream:
    """One generator's state: the seed, the mt19937 words and position, and the cached normal samples."""

    __slots__ = ("seed", "bits", "fresh", "next_double_normal", "next_float_normal")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.bits = np.random.MT19937()
        self._set(_init_genrand(seed), _N, fresh=True)
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None

    def _set(self, words: np.ndarray, pos: int, fresh: bool) -> None:
        self.bits.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": pos}}
        # PyTorch's engine marks a state not yet drawn from with next = 0; after 624 draws next = 624
        self.fresh = fresh

    def words(self, n: int) -> np.ndarray:
        """n draws of random(): uint32."""
        self.fresh = self.fresh and n == 0
        return self.bits.random_raw(n).astype(np.uint32)

    def words64(self, n: int) -> np.ndarray:
        """n draws of random64(): uint64, the first word of each pair the high half."""
        w = self.bits.random_raw(2 * n)
        self.fresh = self.fresh and n == 0
        return (w[0::2] << np.uint64(32)) | w[1::2]


def rng(seed: int) -> Stream:
    return Stream(seed)


def rng_state(st: Stream) -> bytes:
    """The state in PyTorch's layout: seed, mt19937 (left, seeded, next, 624 words), the cached float64
    normal in the legacy `normal_y` slot, then the cached float32 normal."""
    s = st.bits.state["state"]
    out = np.zeros((), _STATE)
    out["seed"], out["seeded"], out["words"] = st.seed, 1, s["key"]
    out["left"] = _N + 1 - s["pos"]  # draws until the engine regenerates its words, plus one
    out["next"] = 0 if st.fresh else s["pos"]
    if st.next_double_normal is not None:
        out["normal_is_valid"], out["normal_y"] = 1, st.next_double_normal
    if st.next_float_normal is not None:
        out["next_float_normal_is_valid"], out["next_float_normal"] = 1, st.next_float_normal
    return out.tobytes()


def set_rng_state(st: Stream, state: bytes) -> None:
    if len(state) != STATE_BYTES:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_BYTES} but found the input RNG state "
                           f"size to be {len(state)}")
    s = np.frombuffer(state, _STATE)[0]
    left, nxt = int(s["left"]), int(s["next"])
    if not (s["seeded"] and 0 < left <= _N and nxt <= _N and nxt + left <= _N + 1):  # else draws run past the words
        raise RuntimeError("Invalid mt19937 state")
    st.seed = int(s["seed"])
    st._set(s["words"].astype(np.uint32), _N + 1 - left, fresh=nxt == 0)
    st.next_double_normal = float(s["normal_y"]) if s["normal_is_valid"] else None
    st.next_float_normal = float(s["next_float_normal"]) if s["next_float_normal_is_valid"] else None


# ---- uniform --------------------------------------------------------------------------------------------------

def _unit(st: Stream, n: int, dt: D.dtype) -> np.ndarray:
    """n uniforms k * 2^-d in [0, 1): float64 with d = 53 (random64) for float64, else float32 with d = 24."""
    if dt is D.float64:
        return (st.words64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    return (st.words(n) & np.uint32((1 << 24) - 1)).astype(np.float32) * np.float32(2.0 ** -24)


def uniform(st: Stream, shape, low: float, high: float, dt: D.dtype, np_dt) -> np.ndarray:
    """u * (to - from) + from, one fused multiply-add in float64 for float64, else in float32 (from and to
    rounded to float32, as is their difference). Half types round the float32 result and take a value
    that rounds up to `to` back to `from`."""
    u = _unit(st, math.prod(shape), dt)
    if dt is D.float64:
        return fma64(u, high - low, low).reshape(shape)
    lo, hi = np.float32(low), np.float32(high)
    x = fma32(u, hi - lo, lo).astype(np_dt)
    if dt is not D.float32:
        x[x >= np.array(hi).astype(np_dt)] = lo
    return x.reshape(shape)


def exponential(st: Stream, shape, lambd: float, np_dt) -> np.ndarray:
    """Exp(lambd) samples -1 / lambd * log1p(-u), u uniform in float64, rounded to the dtype."""
    u = _unit(st, math.prod(shape), D.float64)
    return _round(_libm(math.log1p, -u) * (-1.0 / lambd), np_dt).reshape(shape)


# ---- normal ---------------------------------------------------------------------------------------------------

def _round(x: np.ndarray, np_dt) -> np.ndarray:
    """x rounded to np_dt as C++ converts: half types through float32 (a C++ Half takes a float)."""
    return (x.astype(np.float32) if np_dt.itemsize == 2 and np_dt.kind != "i" else x).astype(np_dt)


def _libm(f, x: np.ndarray) -> np.ndarray:
    """f (a `math` function: the C library's) on every element of a float64 array."""
    return np.fromiter(map(f, x.tolist()), np.float64, x.size)


def normal(st: Stream, shape, mean: float, std: float, dt: D.dtype, np_dt, fill: bool) -> np.ndarray:
    """N(mean, std^2) samples: PyTorch's fill path for >= 16 contiguous elements (`fill`), else its
    scalar path (the module docstring says how they draw)."""
    n = math.prod(shape)
    if fill and n >= 16:
        out = _normal_fill(st, n, mean, std, dt, np_dt)
    else:
        out = _round(_normal_scalar(st, n, mean, std), np_dt)
    return out.reshape(shape)


def _normal_scalar(st: Stream, n: int, mean: float, std: float) -> np.ndarray:
    """z * std + mean in float64, z from pairs (r cos t, r sin t), r = sqrt(-2 log(1 - u2)), t = 2 pi u1,
    after the sample a previous call left over; an odd count leaves r sin t over."""
    z = []
    if n and st.next_double_normal is not None:
        z.append(st.next_double_normal)
        st.next_double_normal = None
    pairs = (n - len(z) + 1) // 2
    u = _unit(st, 2 * pairs, D.float64).tolist()
    for u1, u2 in zip(u[0::2], u[1::2]):
        r, t = math.sqrt(-2.0 * math.log1p(-u2)), 2.0 * math.pi * u1
        z += (r * math.cos(t), r * math.sin(t))
    if len(z) > n:
        st.next_double_normal = z.pop()
    return fma64(np.array(z, np.float64), std, mean)


def _normal_fill(st: Stream, n: int, mean: float, std: float, dt: D.dtype, np_dt) -> np.ndarray:
    """n uniforms; Box-Muller on each whole block of 16; then, when 16 does not divide n, a last block
    written over the last 16 elements: 16 fresh uniforms for float32 and float64; for half types (which
    PyTorch computes in float32 and rounds) the partial block's own uniforms completed by fresh ones."""
    box_muller = _box_muller16_float64 if dt is D.float64 else _box_muller16_float32
    x = _unit(st, n, dt)
    whole = n - n % 16
    x[:whole] = box_muller(x[:whole], mean, std)
    if n % 16:
        tail = _unit(st, 16, dt) if dt in (D.float32, D.float64) else np.concatenate([x[whole:], _unit(st, 16 - n % 16, dt)])
        x[n - 16:] = box_muller(tail, mean, std)
    return x.astype(np_dt)


def _box_muller16_float64(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Per block of 16: r = sqrt(-2 log(1 - x[j])), t = 2 pi x[j + 8]; x[j] = r cos t * std + mean and
    x[j + 8] = r sin t * std + mean, in float64 with libm."""
    b = x.reshape(-1, 2, 8)
    r = np.sqrt(-2.0 * _libm(math.log, 1.0 - b[:, 0].ravel()))
    t = (2.0 * math.pi) * b[:, 1].ravel()
    out = np.stack([(r * _libm(math.cos, t)).reshape(-1, 8), (r * _libm(math.sin, t)).reshape(-1, 8)], 1)
    return fma64(out.ravel(), std, mean)


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x = hi + lo with hi holding the top 26 significand bits (Veltkamp): products of halves are exact."""
    c = x * 134217729.0  # 2^27 + 1
    hi = c - (c - x)
    return hi, x - hi


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s = fl(a + b) and the rounding error e: a + b = s + e exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a * b + c rounded once to float64, as the compiled kernels' fused multiply-add rounds it.

    The product is split exactly, p + e = a b (Dekker); p + c = s + t exactly; then r = fl(s + (t + e)).
    Only the small term t + e is rounded before the last addition, so r is the correctly rounded
    result unless s + (t + e) lies within that small error of a midpoint between doubles; those rare
    elements are recomputed exactly with fractions."""
    a = np.asarray(a, np.float64)
    if b == 1.0 and c == 0.0:
        return a
    p = a * b
    (ah, al), (bh, bl) = _split(a), _split(np.float64(b))
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s, t = _two_sum(p, np.full_like(p, c))
    w = t + e
    r, rest = _two_sum(s, w)
    near_midpoint = np.abs(np.abs(rest) - np.spacing(r) / 2) <= np.spacing(w) * 2
    for i in np.flatnonzero(near_midpoint):
        r[i] = float(Fraction(float(a[i])) * Fraction(b) + Fraction(c))
    return r


# ---- float32 fill: avx_mathfun's Cephes log and sincos -------------------------------------------------------------

_F = np.float32


def fma32(a, b, c) -> np.ndarray:
    """a * b + c with one rounding to float32. The float64 product of two floats is exact, so rounding
    s = fl64(a b + c) to float32 gives the right float unless s landed exactly on a midpoint between two
    floats (its 29 bits beyond float32's 24 are 1 then zeros) or below float32's normal range; those rare
    elements are redone exactly (`_fma32_exact`)."""
    p = np.asarray(a, np.float64) * np.asarray(b, np.float64)
    s = p + np.asarray(c, np.float64)
    out = s.astype(_F)
    suspect = ((s.view(np.int64) & 0x1FFFFFFF) == 0x10000000) | (np.abs(s) < np.finfo(_F).tiny)
    if suspect.any():
        a, b, c = np.broadcast_arrays(a, b, c)
        out[suspect] = _fma32_exact(a[suspect], b[suspect], c[suspect])
    return out


def _fma32_exact(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """fl32(a b + c): the float64 sum rounded to odd (truncated, last bit set when inexact), which then
    rounds to float32 correctly."""
    p = a.astype(np.float64) * b.astype(np.float64)
    c = c.astype(np.float64)
    s, err = _two_sum(p, c)
    bits = s.view(np.int64)
    bits = np.where((err != 0) & ((err < 0) != (s < 0)), bits - 1, bits)  # truncate toward zero
    bits = np.where(err != 0, bits | 1, bits)
    return bits.view(np.float64).astype(_F)


_LOG_P = [_F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
                          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
_LN2_HI, _LN2_LO = _F(0.693359375), _F(-2.12194440e-4)  # ln 2 split so that e * ln2_hi is exact


def _cephes_log(x: np.ndarray) -> np.ndarray:
    """ln x for x in (0, 1]: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln x = ln m + e ln 2, ln m from
    f = m - 1 as f - f^2/2 + f^3 P(f)."""
    bits = np.maximum(x, np.finfo(_F).tiny).view(np.int32)
    e = ((bits >> 23) - 126).astype(_F)
    m = ((bits & ~0x7F800000) | 0x3F000000).view(_F)  # the significand scaled into [1/2, 1)
    small = m < _F(0.707106781186547524)
    e = np.where(small, e - _F(1), e)
    f = (m - _F(1)) + np.where(small, m, _F(0))
    z = f * f
    y = np.full_like(f, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, f, p)
    y = fma32(y * f, z, e * _LN2_LO)
    y = fma32(-z, _F(0.5), y)
    return fma32(e, _LN2_HI, f + y)


_DP = [_F(-0.78515625), _F(-2.4187564849853515625e-4), _F(-3.77489497744594108e-8)]  # -pi/4 in three parts
_SIN_P = [_F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1)]
_COS_P = [_F(2.443315711809948e-5), _F(-1.388731625493765e-3), _F(4.166664568298827e-2)]


def _cephes_sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin x and cos x for x >= 0: j = the even integer nearest above x 4/pi, x - j pi/4 in [-pi/4, pi/4]
    (subtracted in three exact parts), one polynomial for sin and one for cos there, swapped and
    negated by the octant j."""
    j = (x * _F(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F)
    for d in _DP:
        x = fma32(y, d, x)
    z = x * x
    c = fma32(fma32(_F(_COS_P[0]), z, _COS_P[1]), z, _COS_P[2]) * z
    c = fma32(c, z, -(z * _F(0.5))) + _F(1)
    s = fma32(fma32(fma32(_F(_SIN_P[0]), z, _SIN_P[1]), z, _SIN_P[2]) * z, x, x)
    swap = (j & 2) != 0
    sin, cos = np.where(swap, c, s), np.where(swap, s, c)
    return np.where((j & 4) != 0, -sin, sin), np.where(((j - 2) & 4) == 0, -cos, cos)


def _box_muller16_float32(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    """The float32 blocks: r = sqrt(-2 ln(1 - x[j])), (sin t, cos t) of t = 2 pi x[j + 8], then
    r cos t * std + mean (fused) and r sin t * std + mean."""
    b = x.reshape(-1, 2, 8)
    r = np.sqrt(_F(-2) * _cephes_log(_F(1) - b[:, 0]))
    sin, cos = _cephes_sincos(_F(2 * math.pi) * b[:, 1])
    return np.stack([fma32(r * cos, _F(std), _F(mean)), fma32(r * sin, _F(std), _F(mean))], 1).reshape(-1)


# ---- integers -------------------------------------------------------------------------------------------------

def randint(st: Stream, shape, low: int, high: int, dt: D.dtype, np_dt) -> np.ndarray:
    """(w mod (high - low)) + low, wrapping in 64 bits; the full int64 range takes random64() as is."""
    n, span = math.prod(shape), high - low
    w = st.words64(n) if span >= 1 << 32 and dt in _WIDE else st.words(n).astype(np.uint64)
    if span < 1 << 64:
        w = w % np.uint64(span) + np.uint64(low % (1 << 64))
    return _round(w.view(np.int64), np_dt).reshape(shape)


_SMALL_PERMUTATION = (1 << 32) // 20  # PyTorch's bound between its two shuffles


def permutation(st: Stream, n: int) -> np.ndarray:
    """PyTorch's shuffles: below 2^32 / 20 elements, p[i] <-> p[i + random() mod (n - i)] for i < n - 1;
    above, the inside-out shuffle p[i] = p[z], p[z] = i with z = random64() mod (i + 1)."""
    if n < _SMALL_PERMUTATION:
        p = list(range(n))
        z = (st.words(max(n - 1, 0)).astype(np.int64) % np.arange(n, 1, -1)).tolist()
        for i, k in enumerate(z):
            p[i], p[i + k] = p[i + k], p[i]
        return np.array(p, np.int64)
    p = np.empty(n, np.int64)
    for i, z in enumerate((st.words64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()):
        p[i] = p[z]
        p[z] = i
    return p
