"""The NumPy backend: every primitive of `base.Backend` on `numpy.ndarray`.

A NumPy array already is a strided view of a buffer (shape, byte strides,
offset), so movement primitives return NumPy views and cost no copy.
bfloat16 comes from `ml_dtypes`, which registers it as a NumPy dtype.
"""
from __future__ import annotations

import warnings

import ml_dtypes
import numpy as np

from .. import _dtype as D
from . import (_np_airy, _np_bessel, _np_bessel_second, _np_conv, _np_fft, _np_fused, _np_gamma, _np_limited,
               _np_linalg, _np_optim, _np_random, _np_special)
from .base import CONV_PRIMITIVES, LINALG_PRIMITIVES, SPECIAL_BINARY_OPS, SPECIAL_UNARY_OPS, Backend, bind_kernels

TO_NP = {
    D.bool_: np.dtype(np.bool_), D.uint8: np.dtype(np.uint8), D.int8: np.dtype(np.int8),
    D.int16: np.dtype(np.int16), D.int32: np.dtype(np.int32), D.int64: np.dtype(np.int64),
    D.float16: np.dtype(np.float16), D.bfloat16: np.dtype(ml_dtypes.bfloat16),
    D.float32: np.dtype(np.float32), D.float64: np.dtype(np.float64),
    D.complex64: np.dtype(np.complex64), D.complex128: np.dtype(np.complex128),
    D.uint16: np.dtype(np.uint16), D.uint32: np.dtype(np.uint32), D.uint64: np.dtype(np.uint64),
    D.complex32: _np_limited.CHALF,
}
FROM_NP = {v: k for k, v in TO_NP.items()}


# PyTorch computes log(0) = -inf, sqrt(-1) = nan, x / 0 = inf silently. NumPy warns instead; an
# errstate() block per call would cost about 1 us, so the warnings raised from mytorch's frames are
# filtered once here (NumPy attributes a ufunc's warning to the Python frame that called it).
warnings.filterwarnings("ignore", r"(divide by zero|invalid value|overflow) encountered", RuntimeWarning,
                        r"mytorch(\.|$)")


def _sigmoid(a):
    # PyTorch's 1 / (1 + exp(-a)): exp(-a) overflows to inf for very negative a, giving the right limit 0
    # (the warning is filtered above); half types compute in float32 as PyTorch does. A logaddexp form
    # avoids the overflow but is about 50x slower.
    x = a.astype(np.float32) if a.dtype.itemsize < 4 else a
    return (1 / (1 + np.exp(-x))).astype(a.dtype, copy=False)


def _rsqrt(a):
    return (1 / np.sqrt(a)).astype(a.dtype, copy=False)


def _reciprocal(a):
    return (1 / a).astype(a.dtype, copy=False)


def _sign(a):
    # PyTorch's sign is (0 < x) - (x < 0): 0 for NaN, where np.sign gives NaN
    out = np.sign(a)
    if out.dtype.kind != "f" and out.dtype not in _HALF:
        return out
    return np.where(np.isnan(out), np.zeros((), out.dtype), out)


def _check_int_divisor(a, b, op: str) -> None:
    # integer division by zero is an error in PyTorch, not a warning and a 0 result
    if np.asarray(a).dtype.kind in "iub" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"ZeroDivisionError: {op} by zero in an integer tensor")


def _floor_divide(a, b):
    _check_int_divisor(a, b, "floor_divide")
    return np.floor_divide(a, b)


def _remainder(a, b):
    _check_int_divisor(a, b, "remainder")
    return np.remainder(a, b)


def _pow(a, b):
    if np.asarray(a).dtype.kind in "iu" and np.asarray(b).dtype.kind in "iub" and np.any(np.asarray(b) < 0):
        raise RuntimeError("pow(): integers to negative integer powers are not allowed")
    if isinstance(a, np.ndarray) and np.ndim(b) == 0 and (a.dtype.kind == "f" or a.dtype in _HALF):
        out = _pow_by_exponent(a, float(b))
        if out is not None:
            return out
    if isinstance(a, np.ndarray) and a.dtype.kind == "c" and isinstance(b, (int, float, complex)):
        out = _complex_pow_by_exponent(a, complex(b))
        if out is not None:
            return out
    return np.power(a, b)


def _fma(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """x y + z rounded once (NumPy has no fma): float32 through float64, where x y is exact; float64 by
    Dekker's exact product and Knuth's exact sum, whose error terms are added before the last rounding."""
    if x.dtype == np.float32:
        return (x.astype(np.float64) * y + z).astype(np.float32)
    split = 134217729.0  # 2^27 + 1: Veltkamp's split of a double into two 26-bit halves
    def halves(v):
        t = split * v
        high = t - (t - v)
        return high, v - high
    p = x * y
    xh, xl = halves(x)
    yh, yl = halves(y)
    p_err = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
    s = p + z
    bv = s - z
    s_err = (p - bv) + (z - (s - bv))
    out = s + (s_err + p_err)
    return np.where(np.isfinite(out), out, p + z)


def _complex_pow_by_exponent(a: np.ndarray, y: complex):
    """a ** y by products, square roots and reciprocals for the exponents PyTorch's CPU kernel computes so,
    the same bits as it (and as the C++ kernel, csrc/elementwise/complex_pow.cpp, which says how); None for
    other exponents. Products are (ac - bd) + (ad + bc)i, each product rounded; 1 / x is c10's Smith division
    with its multiply-adds fused."""
    def product(x, z):
        return _complex(x.real * z.real - x.imag * z.imag, x.real * z.imag + x.imag * z.real)

    def reciprocal(x):
        c, d = x.real, x.imag
        wide = np.abs(c) >= np.abs(d)
        num, den = np.where(wide, d, c), np.where(wide, c, d)  # |rat| <= 1
        rat = num / den
        scale = 1 / _fma(num, rat, den)
        re = np.where(wide, scale, rat * scale)
        im = np.where(wide, -rat * scale, -scale)
        zero = (c == 0) & (d == 0)
        return _complex(np.where(zero, np.inf, re), np.where(zero, np.nan, im))

    if y.imag != 0:
        return None
    e = y.real
    with np.errstate(all="ignore"):
        if e == 0:
            return np.ones_like(a)
        if e == 1:
            return a.copy()
        if e == 2:
            return product(a, a)
        if e == 3:
            return product(product(a, a), a)
        if e == 0.5:
            return np.sqrt(a)
        if e == -1:
            return reciprocal(a)
        if e == -2:
            return reciprocal(product(a, a))
        if e == -0.5:
            return reciprocal(np.sqrt(a))
    return None


def _complex(re: np.ndarray, im: np.ndarray) -> np.ndarray:
    out = np.empty(re.shape, np.result_type(re.dtype, np.complex64))
    out.real, out.imag = re, im
    return out


def _pow_by_exponent(a: np.ndarray, y: float):
    """x ** y by multiplies and square roots for the exponents PyTorch's kernel special-cases, the same
    bits as it (and as the C++ kernel, csrc/elementwise/binary.cpp's pow_by_exponent, which says why);
    None for other exponents. Half types compute in float32, bfloat16 rounding after each multiply."""
    x = a.astype(np.float32) if a.dtype in _HALF else a
    r = (lambda v: v.astype(a.dtype).astype(np.float32)) if a.dtype == _HALF[1] else (lambda v: v)
    roots = a.dtype != _HALF[0]
    if y == 2:
        out = x * x
    elif y == 3:
        out = r(x * x) * x
    elif y == -2:
        out = 1 / r(x * x)
    elif roots and y == 0.5:
        out = np.sqrt(x)
    elif roots and y == -0.5:
        out = 1 / np.sqrt(x)
    elif y == -1:
        out = 1 / x
    elif y == 1:
        out = x.copy()
    else:
        return None
    return out.astype(a.dtype, copy=False)


_UNARY = {
    "neg": np.negative, "abs": np.abs, "sign": _sign, "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "sqrt": np.sqrt, "rsqrt": _rsqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
    "sigmoid": _sigmoid, "erf": _np_special.erf, "floor": np.floor, "ceil": np.ceil,
    "round": np.round, "trunc": np.trunc, "reciprocal": _reciprocal, "isnan": np.isnan,
    "isinf": np.isinf, "isfinite": np.isfinite, "logical_not": np.logical_not,
    "bitwise_not": np.invert, "signbit": np.signbit,
}


def _bound(extreme, beyond):
    """maximum or minimum, whose Python-number operand is a bound of clamp (relu, hardtanh...), as the C++
    backend's (csrc/elementwise/clamp.cpp): PyTorch's clamp_min(x, c) is c where c > x, else x (clamp_max:
    c where c < x), so a NaN x stays NaN and x equal to c is kept (relu(-0.0) is -0.0, np.maximum's 0.0);
    a NaN bound makes every element NaN."""
    def primitive(a, b):
        if isinstance(b, (int, float)) and isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return np.full_like(a, b) if b != b else np.where(beyond(b, a), b, a)
        return extreme(a, b)
    return primitive


_SPECIAL = {name: getattr(module, name) for module in (_np_special, _np_gamma, _np_bessel, _np_bessel_second, _np_airy)
            for name in SPECIAL_UNARY_OPS + SPECIAL_BINARY_OPS if hasattr(module, name)}
_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": _floor_divide, "remainder": _remainder, "fmod": np.fmod, "pow": _pow,
    "atan2": np.arctan2, "maximum": _bound(np.maximum, np.greater), "minimum": _bound(np.minimum, np.less),
    "eq": np.equal,
    "ne": np.not_equal, "lt": np.less, "le": np.less_equal, "gt": np.greater,
    "ge": np.greater_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_xor": np.logical_xor, "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
}


_BF16 = np.dtype(ml_dtypes.bfloat16)
_HALF = (np.dtype(np.float16), _BF16)


def _ordered(a: np.ndarray) -> np.ndarray:
    """a, or for bfloat16 its float32 values (exact), to sort or compare: ml_dtypes releases before 0.7 order
    bfloat16 NaNs wrongly in np.sort / np.argsort / np.unique."""
    return a.astype(np.float32) if a.dtype == _BF16 else a


def _reducer(ufunc, name: str, widen_half: bool = False):
    # ufunc.reduce skips np.sum's Python-level dispatch (about 1 us per call); half-precision sums
    # accumulate in float32 as PyTorch's do, then round once
    def reduce(a, axes, keepdim):
        if a.dtype in _np_limited.SCALAR_NAMES:
            return _np_limited.primitive(name, lambda x, *rest: ufunc.reduce(x, axis=axes, keepdims=keepdim), a)
        if widen_half and a.dtype in _HALF:
            return np.asarray(ufunc.reduce(a, axis=axes, keepdims=keepdim, dtype=np.float32)).astype(a.dtype)
        return np.asarray(ufunc.reduce(a, axis=axes, keepdims=keepdim))
    return reduce


def _extreme_reducer(ufunc, name: str):
    # NumPy's max/min along a short innermost axis is ~15x slower than along a leading axis (a (128, 10)
    # row-max takes ~25 us, the same values moved to the front ~2 us): softmax and cross-entropy hit this
    plain = _reducer(ufunc, name)

    def reduce(a, axes, keepdim):
        if axes is None or a.ndim < 2 or a.ndim - 1 not in axes or a.shape[-1] >= 64:
            return plain(a, axes, keepdim)
        order = tuple(axes) + tuple(i for i in range(a.ndim) if i not in axes)
        out = ufunc.reduce(a.transpose(order).copy(), axis=tuple(range(len(axes))))
        if keepdim:
            out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
        return np.asarray(out)
    return reduce


def _check_bounds(index: np.ndarray, size: int, negative: bool, error: type, message: str) -> None:
    """error(message with the bad index) unless every index lies in [0, size) (or [-size, size) when
    `negative`); the bad index named is the smallest when one is below the range, else the largest."""
    if index.size == 0:
        return
    lo, hi = int(index.min()), int(index.max())
    low = -size if negative else 0
    if lo < low or hi >= size:
        raise error(message.format(lo if lo < low else hi))


def _check_key(a: np.ndarray, key: tuple) -> None:
    """Bounds of the integer arrays of an advanced-indexing key, each against the dim it indexes."""
    dim = 0
    for i, k in enumerate(key):
        if k is None:
            continue
        if k is Ellipsis:
            dim = a.ndim - sum(_key_dims(k2) for k2 in key[i + 1:])
            continue
        if isinstance(k, np.ndarray) and k.dtype.kind in "iu":
            size = a.shape[dim]
            _check_bounds(k, size, True, IndexError,
                          "index {} is out of bounds for dimension " + f"{dim} with size {size}")
        dim += _key_dims(k)


def _key_dims(k) -> int:
    """How many dims of the indexed array one key item consumes."""
    if k is None or k is Ellipsis:
        return 0
    return k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else 1


def _array_result(ufunc, name: str):
    # a ufunc applied to a 0-d array returns a NumPy scalar; tensors need a 0-d array they can write to.
    # uint16/32/64 and complex32 operands go to _np_limited, which serves the few ops PyTorch has for them
    def f(*args):
        if _np_limited.is_limited(args[0]) or len(args) > 1 and _np_limited.is_limited(args[1]):
            return _np_limited.primitive(name, ufunc, *args)
        r = ufunc(*args)
        return r if type(r) is np.ndarray else np.asarray(r)
    f.__name__ = getattr(ufunc, "__name__", "ufunc")
    return f


def _in_float32(kernel):
    """A fused primitive that, given float16 / bfloat16 arrays, computes in float32 and rounds its floating results
    to that dtype once, as PyTorch's CPU kernels do (NumPy steps on half arrays would round after each)."""
    def primitive(be, *args):
        half = next((a.dtype for a in args if isinstance(a, np.ndarray) and a.dtype in _HALF), None)
        if half is None:
            return kernel(be, *args)
        out = kernel(be, *(a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == half else a
                           for a in args))
        rounded = [o.astype(half) if isinstance(o, np.ndarray) and o.dtype == np.float32 else o
                   for o in (out if isinstance(out, tuple) else (out,))]
        return tuple(rounded) if isinstance(out, tuple) else rounded[0]
    primitive.__name__ = kernel.__name__
    return primitive


class NumpyBackend(Backend):
    """The contract served by NumPy: a NumPy array already is a strided view (shape, byte strides, offset), so views
    cost nothing; bfloat16 comes from ml_dtypes.
    """
    name = "numpy"
    device_type = "cpu"

    def __init__(self) -> None:
        for name, f in (*_UNARY.items(), *_BINARY.items(), *_SPECIAL.items()):
            setattr(self, name, _array_result(f, name))
        self.sum = _reducer(np.add, "sum", widen_half=True)
        self.prod = _reducer(np.multiply, "prod")
        self.amax = _extreme_reducer(np.maximum, "amax")
        self.amin = _extreme_reducer(np.minimum, "amin")
        self.any = _reducer(np.logical_or, "any")
        self.all = _reducer(np.logical_and, "all")

    # ---- storage -------------------------------------------------------
    def from_host(self, obj, dt):
        if dt is D.complex32:
            return _np_limited.to_chalf(np.array(obj, dtype=np.complex128))
        return np.array(obj, dtype=None if dt is None else TO_NP[dt])

    def share_host(self, host_array):
        if not isinstance(host_array, np.ndarray):
            raise TypeError(f"expected np.ndarray (got {type(host_array).__name__})")
        if host_array.dtype not in FROM_NP:
            raise TypeError(f"from_numpy(): can't convert np.ndarray of type {host_array.dtype}. "
                            f"The only supported types are: {', '.join(str(d) for d in TO_NP.values())}.")
        return host_array

    def to_host(self, a):
        return a

    def dtype_of(self, a):
        return FROM_NP[a.dtype]

    def empty(self, shape, dt):
        return np.empty(shape, dtype=TO_NP[dt])

    def full(self, shape, value, dt):
        if dt is D.complex32:
            return np.full(shape, _np_limited.to_chalf(value))
        return np.full(shape, value, dtype=TO_NP[dt])

    def arange(self, start, end, step, dt):
        return np.arange(start, end, step, dtype=TO_NP[dt])

    def cast(self, a, dt):
        if dt is D.complex32 or a.dtype.names is not None:  # complex32 records
            return _np_limited.cast(a, TO_NP[dt])
        if a.dtype.kind == "c" and not dt.is_complex:  # the real part, without NumPy's warning
            a = a.real
        return a.astype(TO_NP[dt], copy=False)

    def copy(self, a):
        return np.array(a, copy=True, order="C")

    def assign(self, dst, src):
        if dst.dtype.names is not None or isinstance(src, np.ndarray) and src.dtype.names is not None:  # complex32 records
            src = _np_limited.cast(np.asarray(src), dst.dtype)
        np.copyto(dst, src, casting="unsafe")

    def add_(self, dst, src):
        np.add(dst, src, out=dst)

    def owns_memory(self, a):
        # a view keeps a reference to the array it views (its .base), which the caller's reference count sees
        return a.base is None and a.flags.owndata and a.flags.c_contiguous

    def is_contiguous(self, a):
        return a.flags.c_contiguous

    def storage_offset(self, a):
        base = a
        while True:  # down the chain of views; as_strided's results hold theirs through a DummyArray's .base
            parent = base.base
            if not isinstance(parent, np.ndarray):
                parent = getattr(parent, "base", None)
            if not isinstance(parent, np.ndarray):
                break
            base = parent
        return (a.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // a.itemsize

    # ---- movement --------------------------------------------------------
    def view(self, a, shape):
        try:
            return a.reshape(shape, copy=False)
        except ValueError:
            return None

    def permute(self, a, dims):
        return a.transpose(dims)

    def expand(self, a, shape):
        return np.broadcast_to(a, shape)

    def as_strided(self, a, shape, strides, offset):
        isz = a.itemsize
        if offset:  # move the anchor to element `offset` of a's storage
            a = np.lib.stride_tricks.as_strided(a, shape=(offset + 1,), strides=(isz,))[offset:]
        return np.lib.stride_tricks.as_strided(a, shape=tuple(shape),
                                               strides=tuple(s * isz for s in strides))

    def bitcast(self, a, dt):
        return a.view(TO_NP[dt])

    def basic_index(self, a, key):
        r = a[key]
        # all-int keys give a NumPy scalar (a copy); a trailing Ellipsis gives the 0-d view instead
        return r if isinstance(r, np.ndarray) else a[tuple(key) + (Ellipsis,)]

    def flip(self, a, axes):
        return np.flip(a, axes)

    # ---- indexing ----------------------------------------------------------
    def index(self, a, key):
        _check_key(a, key)
        return np.asarray(a[key])  # 0-d index arrays give a NumPy scalar; a tensor needs a writable 0-d array

    def index_put(self, a, key, v, accumulate):
        _check_key(a, key)
        if accumulate:
            np.add.at(a, key, v)
        else:
            a[key] = _np_limited.to_chalf(v) if a.dtype.names is not None and np.ndim(v) == 0 else v

    def gather(self, a, axis, index):
        size = a.shape[axis]
        _check_bounds(index, size, False, RuntimeError,
                      "gather(): index {} is out of bounds for dimension " + f"{axis} with size {size}")
        return np.take_along_axis(a, index, axis=axis)

    def scatter(self, a, axis, index, src, reduce):
        size = a.shape[axis]
        _check_bounds(index, size, False, RuntimeError,
                      "scatter(): index {} is out of bounds for dimension " + f"{axis} with size {size}")
        idx = list(np.indices(index.shape, sparse=True))
        idx[axis] = index
        src = np.broadcast_to(src, index.shape) if np.ndim(src) == 0 else src[tuple(slice(0, n) for n in index.shape)]
        if reduce == "add":
            np.add.at(a, tuple(idx), src)
        elif reduce == "multiply":
            np.multiply.at(a, tuple(idx), src)
        else:
            a[tuple(idx)] = src

    def where(self, cond, a, b):
        if _np_limited.is_limited(a) or _np_limited.is_limited(b):  # a Python number takes the array's dtype
            dt = (a if _np_limited.is_limited(a) else b).dtype
            a, b = (x if isinstance(x, np.ndarray) else self.full((), x, FROM_NP[dt]) for x in (a, b))
        return np.where(cond, a, b)

    def nonzero(self, a):
        return np.argwhere(a)

    # ---- reductions and scans ---------------------------------------------
    def argmax(self, a, axis, keepdim):
        return np.asarray(np.argmax(a, axis=axis, keepdims=keepdim))

    def argmin(self, a, axis, keepdim):
        return np.asarray(np.argmin(a, axis=axis, keepdims=keepdim))

    def cumsum(self, a, axis):
        return np.cumsum(a, axis=axis, dtype=a.dtype)

    def cumprod(self, a, axis):
        return np.cumprod(a, axis=axis, dtype=a.dtype)

    def sort(self, a, axis, descending):
        key = _ordered(a)
        # a stable descending sort: sort the reversed array stably, then reverse back
        if descending:
            rev = np.flip(key, axis)
            idx = np.argsort(rev, axis=axis, kind="stable")
            idx = np.flip(a.shape[axis] - 1 - idx, axis) if a.ndim else idx
        else:
            idx = np.argsort(key, axis=axis, kind="stable")
        return np.take_along_axis(a, idx, axis=axis), idx.astype(np.int64, copy=False)

    def unique(self, a, return_inverse, return_counts):
        out = np.unique(_ordered(a), return_inverse=return_inverse, return_counts=return_counts)
        if a.dtype != _BF16:
            return out
        return out.astype(a.dtype) if isinstance(out, np.ndarray) else (out[0].astype(a.dtype), *out[1:])

    # ---- products ------------------------------------------------------------
    def matmul(self, a, b):
        if a.ndim > 2 and b.ndim == 2 and a.flags.c_contiguous:
            # (..., k) @ (k, n) as one (rows, k) @ (k, n) GEMM: NumPy would loop over the batch dims instead
            out = np.matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[1],))
        else:
            out = np.asarray(np.matmul(a, b))  # 1-D @ 1-D gives a NumPy scalar
        # ml_dtypes' bfloat16 products come back as float32; a tensor op keeps its dtype
        return out.astype(a.dtype, copy=False) if out.dtype != a.dtype else out

    def concatenate(self, arrays, axis):
        return np.concatenate(arrays, axis=axis)

    def pad(self, a, pads, mode, value):
        np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                   "circular": "wrap"}[mode]
        if np_mode == "constant":
            if a.dtype.names is not None:  # complex32 records: NumPy pads records with zeros only
                out = np.pad(a, pads, mode="constant")
                interior = tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, a.shape))
                border = np.ones(out.shape, bool)
                border[interior] = False
                out[border] = _np_limited.to_chalf(value)
                return out
            return np.pad(a, pads, mode="constant", constant_values=value)
        return np.pad(a, pads, mode=np_mode)

    fft = staticmethod(_np_fft.fft)  # our mixed-radix / Bluestein FFT, vectorised over the rows

    # ---- randomness: PyTorch's CPU streams (the kernels: _np_random; rng, rng_state, set_rng_state and
    # permutation are bound below) --------------
    def uniform(self, rng, shape, low, high, dt):
        return _np_random.uniform(rng, tuple(shape), low, high, dt, TO_NP[dt])

    def normal(self, rng, shape, mean, std, dt, fill=True):
        return _np_random.normal(rng, tuple(shape), mean, std, dt, TO_NP[dt], fill)

    def randint(self, rng, shape, low, high, dt):
        return _np_random.randint(rng, tuple(shape), low, high, dt, TO_NP[dt])

    def exponential(self, rng, shape, lambd, dt):
        return _np_random.exponential(rng, tuple(shape), lambd, TO_NP[dt])

    # ---- fused primitives with a faster NumPy body (the math: base.Backend.softmax & co.) ----------
    softmax = _in_float32(_np_fused.softmax)
    log_softmax = _in_float32(_np_fused.log_softmax)
    softmax_backward = _in_float32(_np_fused.softmax_backward)
    log_softmax_backward = _in_float32(_np_fused.log_softmax_backward)
    gelu = _np_fused.gelu
    gelu_backward = _np_fused.gelu_backward
    cross_entropy = _in_float32(_np_fused.cross_entropy)
    cross_entropy_backward = _in_float32(_np_fused.cross_entropy_backward)
    batch_norm = _in_float32(Backend.batch_norm)
    batch_norm_backward = _in_float32(Backend.batch_norm_backward)

    # ---- fused optimizer updates (the math: base.Backend.sgd_update & co.) -------
    def sgd_update(self, param, grad, momentum_buffer, **hyper):
        _np_optim.run_chunked(_np_optim.sgd, (param, grad, momentum_buffer), **hyper)

    def adam_update(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, **hyper):
        _np_optim.run_chunked(_np_optim.adam, (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq), **hyper)

    def rmsprop_update(self, param, grad, square_avg, grad_avg, momentum_buffer, **hyper):
        _np_optim.run_chunked(_np_optim.rmsprop, (param, grad, square_avg, grad_avg, momentum_buffer), **hyper)

    def adagrad_update(self, param, grad, state_sum, **hyper):
        _np_optim.run_chunked(_np_optim.adagrad, (param, grad, state_sum), **hyper)


# the primitives that are a kernel module's function as it is: linear algebra (_np_linalg.py), convolution and
# sliding windows (_np_conv.py), the generator's state and permutations (_np_random.py)
bind_kernels(NumpyBackend, _np_linalg, LINALG_PRIMITIVES)
bind_kernels(NumpyBackend, _np_conv, CONV_PRIMITIVES)
bind_kernels(NumpyBackend, _np_random, ("rng", "rng_state", "set_rng_state", "permutation"))
