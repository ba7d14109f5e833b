"""The backend contract: the primitive set every device implements.

Everything above this layer (ops, autograd, nn) is composed from these
primitives, so a new device is a finite job: implement this class and the
whole test suite runs against it (tests are parametrized by backend).

Arrays are opaque to the upper layers except for three attributes every
backend array exposes: ``.shape`` (tuple of ints), ``.ndim`` and ``.strides``
(in bytes). Primitives never promote types: the ops layer casts operands to
the result dtype first, so a primitive sees operands of one dtype (Python
numbers may appear as the second operand of a binary op).
"""
from __future__ import annotations

from typing import Any, Sequence

from .._dtype import dtype

Array = Any
Shape = tuple[int, ...]

# elementwise unary primitives, all ``f(a) -> array`` of a's dtype
UNARY_OPS = (
    "neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "sigmoid", "erf", "floor", "ceil", "round", "trunc", "reciprocal",
    "isnan", "isinf", "isfinite", "logical_not", "bitwise_not", "signbit",
)
# elementwise binary primitives with NumPy-style broadcasting, ``f(a, b) -> array``
BINARY_OPS = (
    "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2",
    "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
)
# reductions ``f(a, axes: tuple[int, ...] | None, keepdim: bool) -> array``
REDUCE_OPS = ("sum", "prod", "amax", "amin", "any", "all")


class Backend:
    """Abstract device backend. Subclasses implement every primitive below,
    plus one method per name in UNARY_OPS, BINARY_OPS and REDUCE_OPS."""

    name: str = "abstract"
    device_type: str = "cpu"

    # ---- storage -------------------------------------------------------
    def from_host(self, obj: Any, dt: dtype | None) -> Array:
        """A new array from nested Python sequences/numbers or a host array."""
        raise NotImplementedError

    def share_host(self, host_array: Any) -> Array:
        """An array sharing memory with a host (NumPy) array: ``from_numpy``."""
        raise NotImplementedError

    def to_host(self, a: Array) -> Any:
        """A host NumPy array with a's values (may share memory on CPU)."""
        raise NotImplementedError

    def dtype_of(self, a: Array) -> dtype:
        raise NotImplementedError

    def empty(self, shape: Shape, dt: dtype) -> Array:
        raise NotImplementedError

    def full(self, shape: Shape, value: Any, dt: dtype) -> Array:
        raise NotImplementedError

    def arange(self, start: float, end: float, step: float, dt: dtype) -> Array:
        raise NotImplementedError

    def cast(self, a: Array, dt: dtype) -> Array:
        """a converted to dtype dt (a copy; returns a itself when dt already matches)."""
        raise NotImplementedError

    def copy(self, a: Array) -> Array:
        """A contiguous copy of a."""
        raise NotImplementedError

    def assign(self, dst: Array, src: Array | Any) -> None:
        """Write src (broadcast to dst's shape) into dst's memory."""
        raise NotImplementedError

    def is_contiguous(self, a: Array) -> bool:
        raise NotImplementedError

    def storage_offset(self, a: Array) -> int:
        """Offset in elements of a's first element from the start of its storage."""
        raise NotImplementedError

    def same_storage(self, a: Array, b: Array) -> bool:
        raise NotImplementedError

    # ---- movement: metadata only -----------------------------------------
    def view(self, a: Array, shape: Shape) -> Array | None:
        """a with a new shape sharing memory, or None when the strides don't allow it."""
        raise NotImplementedError

    def permute(self, a: Array, dims: Sequence[int]) -> Array:
        raise NotImplementedError

    def expand(self, a: Array, shape: Shape) -> Array:
        """Broadcast a to shape with zero strides (no copy)."""
        raise NotImplementedError

    def as_strided(self, a: Array, shape: Shape, strides: Sequence[int], offset: int) -> Array:
        """A view of a's storage with element strides and offset relative to a's first element."""
        raise NotImplementedError

    def basic_index(self, a: Array, key: tuple) -> Array:
        """A view for a key of ints, slices (any step), None and Ellipsis."""
        raise NotImplementedError

    def flip(self, a: Array, axes: tuple[int, ...]) -> Array:
        raise NotImplementedError

    # ---- indexing (copies) -------------------------------------------------
    def index(self, a: Array, key: tuple) -> Array:
        """Advanced indexing: key mixes slices, None, Ellipsis and integer/bool arrays."""
        raise NotImplementedError

    def index_put(self, a: Array, key: tuple, v: Array | Any, accumulate: bool) -> None:
        """a[key] = v (or += with repeated indices summed when accumulate)."""
        raise NotImplementedError

    def gather(self, a: Array, axis: int, index: Array) -> Array:
        raise NotImplementedError

    def scatter(self, a: Array, axis: int, index: Array, src: Array | Any, reduce: str | None) -> None:
        """In place: a[index[i,j], j] = src[i,j] (axis 0), or += when reduce == "add"."""
        raise NotImplementedError

    def where(self, cond: Array, a: Array | Any, b: Array | Any) -> Array:
        raise NotImplementedError

    def nonzero(self, a: Array) -> Array:
        """Indices of nonzero elements, shape (n, a.ndim), int64."""
        raise NotImplementedError

    # ---- reductions and scans -------------------------------------------
    def argmax(self, a: Array, axis: int | None, keepdim: bool) -> Array:
        raise NotImplementedError

    def argmin(self, a: Array, axis: int | None, keepdim: bool) -> Array:
        raise NotImplementedError

    def cumsum(self, a: Array, axis: int) -> Array:
        raise NotImplementedError

    def cumprod(self, a: Array, axis: int) -> Array:
        raise NotImplementedError

    def sort(self, a: Array, axis: int, descending: bool) -> tuple[Array, Array]:
        """Stable sort: (values, int64 indices)."""
        raise NotImplementedError

    def unique(self, a: Array, return_inverse: bool, return_counts: bool) -> tuple[Array, ...]:
        raise NotImplementedError

    # ---- products ----------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """Batched matrix product with broadcast batch dims (BLAS where possible)."""
        raise NotImplementedError

    def concatenate(self, arrays: Sequence[Array], axis: int) -> Array:
        raise NotImplementedError

    def pad(self, a: Array, pads: Sequence[tuple[int, int]], mode: str, value: float) -> Array:
        """Pad each axis by (before, after); mode is constant, reflect or replicate."""
        raise NotImplementedError

    # ---- randomness --------------------------------------------------------
    def rng(self, seed: int) -> Any:
        """A new random state seeded with seed."""
        raise NotImplementedError

    def rng_state(self, rng: Any) -> bytes:
        """rng's full state as bytes (a format of this backend's own)."""
        raise NotImplementedError

    def set_rng_state(self, rng: Any, state: bytes) -> None:
        """Restore a state returned by `rng_state` into rng."""
        raise NotImplementedError

    def uniform(self, rng: Any, shape: Shape, low: float, high: float, dt: dtype) -> Array:
        """Values in [low, high); for [0, 1) never 1 after rounding to dt."""
        raise NotImplementedError

    def normal(self, rng: Any, shape: Shape, mean: float, std: float, dt: dtype) -> Array:
        raise NotImplementedError

    def randint(self, rng: Any, shape: Shape, low: int, high: int, dt: dtype) -> Array:
        raise NotImplementedError

    def permutation(self, rng: Any, n: int) -> Array:
        raise NotImplementedError
