"""``assert_close``: are two tensors, numbers, or nested sequences and mappings of them close?

Two values are close elementwise when |actual - expected| <= atol + rtol |expected|, or when they are
equal (so inf matches inf), or both NaN with ``equal_nan``. The default tolerances depend on the dtype
(PyTorch's table below); integers and bools compare exactly. Before the values, the attributes must
agree: shape, then device, dtype and (with ``check_stride``) strides. A mismatch raises AssertionError
with PyTorch's message: how many elements differ, and the greatest absolute and relative differences
with their index. The comparison runs in mytorch's own ops, in the values' common dtype.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import tensor

# dtype -> (rtol, atol), PyTorch's defaults; anything else (integers, bool) compares exactly
_TOLERANCES = {D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
               D.float64: (1e-7, 1e-7)}
_PY_NUMBER = {bool: D.bool_, int: D.int64, float: D.float64}


class _Mismatch(Exception):
    """A comparison failed; `path` collects the items it happened in, outermost first."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message, self.path = message, path


def _tolerances(dtypes: tuple, rtol: float | None, atol: float | None) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return rtol, atol
    pairs = [_TOLERANCES.get(dt, (0.0, 0.0)) for dt in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _fmt(x: Any) -> str:
    return str(x) if isinstance(x, int) else repr(float(x))


def _index(flat: int, shape: tuple) -> tuple:
    """The multi-index of flat position `flat` in a row-major array of `shape`."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


def _compare_values(a: Tensor, b: Tensor, rtol: float, atol: float, equal_nan: bool, exact: bool,
                    scalar: bool) -> None:
    """Raise _Mismatch unless every element of a is close to b's (one shape), computed in their common
    dtype as PyTorch does, so that the differences print the same."""
    integral = exact and not (a.dtype.is_floating_point or b.dtype.is_floating_point)
    common = D.int64 if integral else D.promote_types(a.dtype, b.dtype)
    a, b = a.detach().to(common), b.detach().to(common)
    diff = (a - b).abs()
    close = (a == b) | (diff <= atol + rtol * b.abs())
    if equal_nan and not integral:
        close = close | (a.isnan() & b.isnan())
    if bool(close.all()):
        return
    diff = diff.masked_fill(close, 0)
    # PyTorch divides in float32 for integers
    rel = (diff.to(D.float32) / b.to(D.float32).abs() if integral else diff / b.abs()).masked_fill(close, 0)
    allowed_abs = "" if exact else f" (up to {atol} allowed)"
    allowed_rel = "" if exact else f" (up to {rtol} allowed)"
    kind = "equal" if exact else "close"
    if scalar:
        raise _Mismatch(f"Scalars are not {kind}!\n\nExpected {_fmt(b.item())} but got {_fmt(a.item())}.\n"
                        f"Absolute difference: {_fmt(diff.item())}{allowed_abs}\n"
                        f"Relative difference: {float(rel.item())!r}{allowed_rel}")
    flat_diff, flat_rel = diff.reshape(-1), rel.reshape(-1)
    # the greatest difference, a NaN counting as greater than any number
    at_abs = int(flat_diff.masked_fill(flat_diff.isnan(), float("inf")).argmax()) if not integral else int(
        flat_diff.argmax())
    at_rel = int(flat_rel.masked_fill(flat_rel.isnan(), float("inf")).argmax())
    bad, total = int((~close).sum()), a.numel()
    raise _Mismatch(f"Tensor-likes are not {kind}!\n\n"
                    f"Mismatched elements: {bad} / {total} ({100 * bad / total:.1f}%)\n"
                    f"Greatest absolute difference: {_fmt(flat_diff[at_abs].item())} at index "
                    f"{_index(at_abs, tuple(a.shape))}{allowed_abs}\n"
                    f"Greatest relative difference: {float(flat_rel[at_rel].item())!r} at index "
                    f"{_index(at_rel, tuple(a.shape))}{allowed_rel}")


def _attribute(name: str, mine: Any, theirs: Any) -> None:
    if mine != theirs:
        raise _Mismatch(f"The values for attribute '{name}' do not match: {mine} != {theirs}.")


def _compare_tensors(a: Tensor, b: Tensor, **kw: Any) -> None:
    _attribute("shape", a.shape, b.shape)
    if kw["check_device"]:
        _attribute("device", a.device, b.device)
    if kw["check_dtype"]:
        _attribute("dtype", a.dtype, b.dtype)
    if kw["check_stride"]:
        _attribute("stride()", a.stride(), b.stride())
    rtol, atol = _tolerances((a.dtype, b.dtype), kw["rtol"], kw["atol"])
    _compare_values(a, b, rtol, atol, kw["equal_nan"], rtol == 0 and atol == 0, scalar=a.ndim == 0)


def _compare_numbers(a: Any, b: Any, **kw: Any) -> None:
    if kw["check_dtype"] and type(a) is not type(b):
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {type(a)} != {type(b)}.")
    rtol, atol = _tolerances((_PY_NUMBER[type(a)], _PY_NUMBER[type(b)]), kw["rtol"], kw["atol"])
    _compare_values(tensor(a, dtype=_PY_NUMBER[type(a)]), tensor(b, dtype=_PY_NUMBER[type(b)]), rtol, atol,
                    kw["equal_nan"], rtol == 0 and atol == 0, scalar=True)


def _compare(actual: Any, expected: Any, path: str, **kw: Any) -> None:
    try:
        if isinstance(actual, Tensor) and isinstance(expected, Tensor):
            _compare_tensors(actual, expected, **kw)
        elif type(actual) in _PY_NUMBER and type(expected) in _PY_NUMBER:
            _compare_numbers(actual, expected, **kw)
        elif isinstance(actual, Mapping) and isinstance(expected, Mapping):
            mine, theirs = list(actual), list(expected)
            if set(mine) != set(theirs):
                raise _Mismatch(f"The keys of the mappings do not match:\n"
                                f"Missing keys in the actual mapping: {sorted(set(theirs) - set(mine))}\n"
                                f"Additional keys in the actual mapping: {sorted(set(mine) - set(theirs))}")
            for key in theirs:
                _compare(actual[key], expected[key], f"{path}[{key!r}]", **kw)
        elif (isinstance(actual, Sequence) and isinstance(expected, Sequence)
              and not isinstance(actual, str) and not isinstance(expected, str)):
            if len(actual) != len(expected):
                raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
            for i, (x, y) in enumerate(zip(actual, expected)):
                _compare(x, y, f"{path}[{i}]", **kw)
        elif not (actual is None and expected is None):
            raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                            f"{type(expected)}.")
    except _Mismatch as e:
        if not e.path:
            e.path = path
        raise


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise AssertionError unless `actual` is close to `expected` (see the module docstring); tensors,
    Python numbers, and sequences and mappings of them, compared item by item."""
    try:
        _compare(actual, expected, "", rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                 check_dtype=check_dtype, check_stride=check_stride)
    except _Mismatch as e:
        message = e.message + (f"\n\nThe failure occurred for item {e.path}" if e.path else "")
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise AssertionError(message) from None
