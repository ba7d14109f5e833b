"""The dtypes with PyTorch's limited support (uint16, uint32, uint64, complex32) in NumPy, for both backends.

uint16/uint32/uint64 are NumPy's own types. complex32 has no NumPy type: it is stored as a record of two
float16 fields (real, imag), 4 bytes an element as PyTorch's, so that views, bitcasts (view_as_real's
(..., 2) float16 view) and serialized bytes are PyTorch's; NumPy moves, indexes and concatenates records
as it does any dtype. Arithmetic widens to complex64 and rounds each result part once to float16.

PyTorch's CPU kernels serve only a few elementwise ops and reductions on these dtypes (eq and ne everywhere;
mul and the bitwise ops on the unsigned ones; add, sub, mul, neg and abs on complex32; any and all) and
raise NotImplementedError naming the kernel and the dtype for the others: `primitive` does the same.
"""
from __future__ import annotations

import numpy as np

CHALF = np.dtype([("real", np.float16), ("imag", np.float16)])
UNSIGNED = {np.dtype(np.uint16): "UInt16", np.dtype(np.uint32): "UInt32", np.dtype(np.uint64): "UInt64"}
SCALAR_NAMES = {**UNSIGNED, CHALF: "ComplexHalf"}

# the primitives PyTorch's CPU kernels serve for each kind (the unsigned ones exactly, as NumPy has the types)
_UNSIGNED_OPS = frozenset(("eq", "ne", "mul", "bitwise_and", "bitwise_or", "bitwise_xor", "isnan", "isinf",
                           "isfinite", "any", "all"))
_CHALF_OPS = frozenset(("add", "sub", "mul", "neg", "abs", "eq", "ne", "isnan", "isinf", "isfinite", "any", "all"))
# PyTorch's kernel names in its "not implemented for" errors, where they are not the op's name + "_cpu"
_KERNELS = {"add": "add_stub", "sub": "add_stub", "sum": "sum_cpu", "prod": "prod_out_cpu", "amax": "max_values_cpu",
            "amin": "min_values_cpu", "pow": "pow", "div": "div_true_cpu", "floor_divide": "div_floor_cpu",
            "exp": "exp_vml_cpu", "log": "log_vml_cpu", "sqrt": "sqrt_vml_cpu", "sin": "sin_vml_cpu",
            "cos": "cos_vml_cpu", "tanh": "tanh_vml_cpu", "bitwise_not": "bitwise_not_cpu"}


def is_limited(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype in SCALAR_NAMES


def to_complex64(a: np.ndarray) -> np.ndarray:
    """A complex32 array's values as complex64 (exact)."""
    out = np.empty(a.shape, np.complex64)
    out.real, out.imag = a["real"], a["imag"]
    return out


def to_chalf(z) -> np.ndarray:
    """Numbers (complex, real or bool; arrays or Python values) as a complex32 array: each part rounded to float16."""
    z = np.asarray(z)
    out = np.empty(z.shape, CHALF)
    if z.dtype.kind == "c":
        out["real"], out["imag"] = z.real, z.imag
    else:
        out["real"], out["imag"] = z, 0
    return out


def cast(a: np.ndarray, to: np.dtype) -> np.ndarray:
    """`a` converted to NumPy dtype `to` where either is complex32 (complex to real keeps the real part; to bool
    is "not zero")."""
    if a.dtype == to:
        return a
    if to == CHALF:
        return to_chalf(a)
    z = to_complex64(a)
    if to.kind == "c":
        return z.astype(to)
    return (z != 0) if to.kind == "b" else z.real.astype(to)


def as_operand(x, like: np.ndarray):
    """A complex32 operand (array or Python number) as complex64, for arithmetic; others as they are."""
    if isinstance(x, np.ndarray):
        return to_complex64(x) if x.dtype == CHALF else x
    return np.complex64(x) if like.dtype == CHALF else x


def primitive(name: str, kernel, *args):
    """The elementwise op or reduction `name` with a uint16/uint32/uint64 or complex32 array among its first two
    arguments, as PyTorch's CPU kernels compute it (`kernel`: the NumPy backend's, for NumPy's own types);
    NotImplementedError where PyTorch has none."""
    like = next(x for x in args[:2] if is_limited(x))
    if name not in (_CHALF_OPS if like.dtype == CHALF else _UNSIGNED_OPS):
        raise NotImplementedError(f"\"{_KERNELS.get(name, name + '_cpu')}\" not implemented for "
                                  f"'{SCALAR_NAMES[like.dtype]}'")
    if like.dtype != CHALF:
        return np.asarray(kernel(*args))
    n = 2 if name in ("add", "sub", "mul", "eq", "ne") else 1
    out = np.asarray(kernel(*(as_operand(x, like) for x in args[:n]), *args[n:]))
    if out.dtype.kind == "c":
        return to_chalf(out)
    return out.astype(np.float16) if name == "abs" else out
