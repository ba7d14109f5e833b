"""The C++ backend: the contract of `base.Backend` on the compiled kernels of ``csrc/``.

Arrays are ``_C.Array`` objects: a reference-counted, 64-byte aligned storage
with a dtype, shape, element strides and offset (csrc/core/array.h). They show
``.shape``, ``.ndim`` and ``.strides`` (bytes) like NumPy's, and NumPy can view
them without a copy (``__array_interface__``), which is how ``.numpy()`` and
``from_numpy`` exchange data in both directions.

Every primitive that ``_C`` defines under the contract's name is that C++
kernel, attached to the instance as it is (no Python frame between an op and
its kernel). Of `HOST_PRIMITIVES`, those that ``_C`` does not define yet run the
NumPy backend's kernel on zero-copy NumPy views of our storage and wrap its
result, so the whole suite runs on this backend while that list shrinks
(`host_primitives()` names them); the fused primitives ``_C`` lacks keep the
contract's composite default, built from our kernels. A fused kernel that takes
the common cases only is bound as ``<primitive>_native`` and answers None for the
others, which then run the composite default (`_native_or_composite`).
"""
from __future__ import annotations

import operator
from typing import Any

import ml_dtypes
import numpy as np

from .. import _dtype as D
from . import _C, _np_limited
from .base import (BINARY_OPS, CONV_PRIMITIVES, FUSED_PRIMITIVES, LINALG_PRIMITIVES, REDUCE_OPS, SPECIAL_BINARY_OPS,
                   SPECIAL_UNARY_OPS, UNARY_OPS, Backend, bind_kernels)
from .numpy_backend import FROM_NP, TO_NP, NumpyBackend

# DType order of csrc/core/dtype.h
DTYPES = (D.bool_, D.uint8, D.int8, D.int16, D.int32, D.int64, D.float16, D.bfloat16, D.float32, D.float64,
          D.complex64, D.complex128, D.uint16, D.uint32, D.uint64, D.complex32)
CODE = {dt: i for i, dt in enumerate(DTYPES)}
_C.set_dtype_objects(list(DTYPES))
# the dtypes whose bits travel to NumPy as unsigned integers (csrc/bindings/module.cpp's typestr), by code
_VIEWED_AS = {CODE[D.bfloat16]: np.dtype(ml_dtypes.bfloat16), CODE[D.complex32]: _np_limited.CHALF}

# primitives that run NumPy's kernel on a view of our memory until _C has them (module docstring)
HOST_PRIMITIVES = (
    "arange", "index", "index_put", "gather", "scatter", "nonzero", "argmax", "argmin",
    "cumsum", "cumprod", "sort", "unique", "concatenate", "pad", *CONV_PRIMITIVES, "rng", "rng_state",
    "set_rng_state", "uniform", "normal",
    "exponential", "randint", "permutation", "sgd_update", "adam_update", "rmsprop_update", "adagrad_update",
    *SPECIAL_UNARY_OPS, *SPECIAL_BINARY_OPS,
    *LINALG_PRIMITIVES,
)


def to_numpy(a: "_C.Array") -> np.ndarray:
    """A NumPy array viewing a's memory (no copy)."""
    host = np.asarray(a)
    return host.view(_VIEWED_AS[a.code]) if a.code in _VIEWED_AS else host


def from_numpy(host: np.ndarray) -> "_C.Array":
    """An Array viewing a NumPy array's memory (no copy); it keeps `host` alive."""
    code = CODE.get(FROM_NP.get(host.dtype))
    if code is None:
        raise TypeError(f"from_numpy(): can't convert np.ndarray of type {host.dtype}. "
                        f"The only supported types are: {', '.join(str(TO_NP[d]) for d in DTYPES)}.")
    return _C.from_pointer(host.__array_interface__["data"][0], host.shape, host.strides, code, host)


def _to_host_args(x: Any) -> Any:
    if type(x) is _C.Array:
        return to_numpy(x)
    if type(x) in (tuple, list):
        return type(x)(_to_host_args(y) for y in x)
    return x


def _from_host_result(r: Any) -> Any:
    if isinstance(r, (np.ndarray, np.generic)):  # a NumPy scalar too: a 0-d array
        return from_numpy(np.asarray(r))
    if type(r) is tuple:
        return tuple(_from_host_result(y) for y in r)
    return r


def _on_host(kernel):
    """The NumPy kernel run on views of our arrays, its array results wrapped without a copy."""
    def primitive(*args, **kwargs):
        return _from_host_result(kernel(*_to_host_args(args), **{k: _to_host_args(v) for k, v in kwargs.items()}))
    primitive.__name__ = kernel.__name__
    return primitive


def _limited_primitive(name: str, *args):
    """An elementwise op or reduction on uint16/32/64 or complex32, which _C's kernels leave to Python: the NumPy
    backend's, on views of our memory (_np_limited)."""
    kernel = getattr(_HOST, name)
    return _from_host_result(kernel(*_to_host_args(args)))


def _native_or_composite(native, composite):
    """The primitive: the C++ kernel, or the composite body for the cases the kernel answers None to."""
    def primitive(*args):
        out = native(*args)
        return composite(*args) if out is None else out
    primitive.__name__ = composite.__name__
    return primitive


def _on_host_where(moved, native, host):
    """The C++ kernel, or for a first operand whose dtype `moved` picks, the NumPy kernel on views of our memory:
    complex convolutions (the kernels of csrc/conv are real-only), sorts of uint16/32/64 (csrc/sort's are not
    instantiated for them)."""
    def primitive(a, *args):
        return (host if moved(a.dtype) else native)(a, *args)
    primitive.__name__ = native.__name__
    return primitive


class CppBackend(Backend):
    """The contract served by the compiled kernels in csrc/ (the `_C` module): each primitive `_C` defines under the
    contract's name is that kernel.
    """
    name = "cpp"
    device_type = "cpu"

    def __init__(self) -> None:
        for name in (*UNARY_OPS, *BINARY_OPS, *REDUCE_OPS):
            setattr(self, name, getattr(_C, name))
        host = _HOST
        for name in HOST_PRIMITIVES:
            setattr(self, name, _on_host(getattr(host, name)))
        for name in FUSED_PRIMITIVES + HOST_PRIMITIVES:
            if hasattr(_C, name):
                setattr(self, name, getattr(_C, name))
        for name in CONV_PRIMITIVES:
            setattr(self, name, _on_host_where(operator.attrgetter("is_complex"), getattr(self, name),
                                               _on_host(getattr(host, name))))
        for name in ("sort", "unique"):
            setattr(self, name, _on_host_where(D.LIMITED.__contains__, getattr(self, name),
                                               _on_host(getattr(host, name))))
        for name in FUSED_PRIMITIVES:
            if hasattr(_C, name + "_native"):
                setattr(self, name, _native_or_composite(getattr(_C, name + "_native"), getattr(super(), name)))
        if hasattr(_C, "index_native"):
            # Advanced indexing: _C takes the key forms models use (one int64/int32 array or one bool mask
            # among whole dims, csrc/sort/sort.h) and answers None / False for any other key, which keeps
            # NumPy's full rules (and errors) on views of our memory.
            host_index, host_index_put = self.index, self.index_put

            def index(a, key):
                out = _C.index_native(a, key)
                return host_index(a, key) if out is None else out

            def index_put(a, key, v, accumulate):
                if not _C.index_put_native(a, key, v, accumulate):
                    host_index_put(a, key, v, accumulate)

            self.index, self.index_put = index, index_put

    @staticmethod
    def host_primitives() -> list[str]:
        """The primitives still served by NumPy kernels on views of our memory."""
        return [name for name in HOST_PRIMITIVES if not (hasattr(_C, name) or hasattr(_C, name + "_native"))]

    # ---- storage -------------------------------------------------------
    def from_host(self, obj, dt):
        # NumPy parses the Python data; the values then move into storage of ours, 64-byte aligned like
        # every array a kernel makes
        src = from_numpy(_HOST.from_host(obj, dt))  # TypeError for dtypes we lack
        out = _C.empty(src.shape, src.code)
        _C.assign(out, src)
        return out

    def share_host(self, host_array):
        if not isinstance(host_array, np.ndarray):
            raise TypeError(f"expected np.ndarray (got {type(host_array).__name__})")
        return from_numpy(host_array)

    def to_host(self, a):
        return to_numpy(a)

    dtype_of = staticmethod(operator.attrgetter("dtype"))

    def empty(self, shape, dt):
        return _C.empty(shape, CODE[dt])

    def full(self, shape, value, dt):
        return _C.full(shape, value, CODE[dt])

    def cast(self, a, dt):
        return _C.cast(a, CODE[dt])

    def bitcast(self, a, dt):
        return _C.bitcast(a, CODE[dt])

    def storage_offset(self, a):
        return a.offset

    def set_num_threads(self, n):
        _C.set_num_threads(n)

    def get_num_threads(self):
        return _C.get_num_threads()

    def data_ptr(self, a):
        return a.data_ptr


# the primitives `_C` always defines, each its kernel as it is: storage (copy, assign, is_contiguous, add_,
# owns_memory), movement (view, permute, expand, as_strided, basic_index, flip), where, matmul and fft
bind_kernels(CppBackend, _C, ("copy", "assign", "is_contiguous", "add_", "owns_memory", "view", "permute", "expand",
                              "as_strided", "basic_index", "flip", "where", "matmul", "fft"))


_HOST = NumpyBackend()
_C.set_limited_primitive(_limited_primitive)
