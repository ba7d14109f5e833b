"""Data types and PyTorch's type-promotion rules.

A `dtype` is a plain descriptor (name, size, category). Which machine type
stores it is the backend's business (see `backends/numpy_backend.py`).

Promotion follows PyTorch: operands fall in three priority classes --
tensors with at least one dimension, zero-dimensional tensors, and Python
numbers. A lower class can only change the result when it is of a higher
*category* (bool < integer < floating < complex), e.g. ``int32_tensor + 2.5 ->
float32`` but ``float16_tensor + float64_scalar_tensor -> float16``. A complex
operand of a lower class keeps a floating result's precision:
``float64_tensor + 1j -> complex128``.

uint16, uint32, uint64 and complex32 have PyTorch's "limited support" (`LIMITED`): they are created,
converted, copied, moved, compared for equality and sorted, and only a few ops compute in them (see
``ops/limited.py``); uint16/uint32/uint64 promote with no other dtype but floating ones.
"""
from __future__ import annotations


class dtype:
    """A tensor element type, printed as ``mytorch.float32``."""

    __slots__ = ("name", "itemsize", "is_floating_point", "is_complex", "is_signed", "_category", "_rank",
                 "_differentiable")

    def __init__(self, name: str, itemsize: int, category: int, rank: int, signed: bool) -> None:
        self.name = name
        self.itemsize = itemsize
        self._category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self._rank = rank  # order inside the category
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = signed
        self._differentiable = category >= 2  # what may require grad (PyTorch's isDifferentiableType)

    @property
    def scalar_name(self) -> str:
        """PyTorch's C++ name of the type, used in error messages ("Float", "Long", ...)."""
        return _SCALAR_NAMES[self.name]

    def to_real(self) -> "dtype":
        """The real dtype of a complex one's parts (complex64 -> float32); other dtypes map to themselves."""
        return _REAL_OF.get(self, self)

    def to_complex(self) -> "dtype":
        """The complex dtype whose parts are this floating dtype (float64 -> complex128)."""
        if self.is_complex:
            return self
        if self not in _COMPLEX_OF:
            raise TypeError(f"to_complex(): no complex dtype with {self} parts (mytorch has complex32, complex64 and "
                            f"complex128)")
        return _COMPLEX_OF[self]

    def __repr__(self) -> str:
        return "mytorch." + self.name

    def __reduce__(self):  # dtypes pickle by name, so DataLoader workers can send them
        return (_by_name, (self.name,))


bool_ = dtype("bool", 1, 0, 0, False)
uint8 = dtype("uint8", 1, 1, 0, False)
int8 = dtype("int8", 1, 1, 1, True)
int16 = dtype("int16", 2, 1, 2, True)
int32 = dtype("int32", 4, 1, 3, True)
int64 = dtype("int64", 8, 1, 4, True)
float16 = dtype("float16", 2, 2, 0, True)
bfloat16 = dtype("bfloat16", 2, 2, 1, True)
float32 = dtype("float32", 4, 2, 2, True)
float64 = dtype("float64", 8, 2, 3, True)
complex64 = dtype("complex64", 8, 3, 0, True)
complex128 = dtype("complex128", 16, 3, 1, True)
uint16 = dtype("uint16", 2, 1, 5, False)
uint32 = dtype("uint32", 4, 1, 6, False)
uint64 = dtype("uint64", 8, 1, 7, False)
complex32 = dtype("complex32", 4, 3, -1, True)
cfloat, cdouble, chalf = complex64, complex128, complex32

_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
                 "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32",
                 "uint64": "UInt64", "complex32": "ComplexHalf"}
ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128,
              uint16, uint32, uint64, complex32)
# the dtypes with PyTorch's limited support (module docstring), and among them those that promote only with floats
LIMITED = frozenset((uint16, uint32, uint64, complex32))
_WIDE_UNSIGNED = frozenset((uint16, uint32, uint64))
_NAMES = {d.name: d for d in ALL_DTYPES}
_NAMES.update({"half": float16, "float": float32, "double": float64, "long": int64, "int": int32,
               "short": int16, "cfloat": complex64, "cdouble": complex128, "chalf": complex32})
_REAL_OF = {complex32: float16, complex64: float32, complex128: float64}
# bfloat16 parts widen to complex64: there is no complex bfloat16
_COMPLEX_OF = {float16: complex32, bfloat16: complex64, float32: complex64, float64: complex128}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


class _Default:
    dtype = float32


def get_default_dtype() -> dtype:
    """The floating dtype of tensors made from Python floats (float32 unless changed)."""
    return _Default.dtype


def get_default_complex_dtype() -> dtype:
    """The dtype of tensors made from Python complex numbers: complex64, or complex128 when the default
    floating dtype is float64."""
    return complex128 if _Default.dtype is float64 else complex64


def is_complex(input) -> bool:
    """Whether a tensor's dtype is complex32, complex64 or complex128."""
    return input.dtype.is_complex


def set_default_dtype(d: dtype) -> None:
    """Change the default floating dtype; like PyTorch, only floating types are allowed."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"set_default_dtype(): only floating-point types are supported as the default type, got {d}")
    _Default.dtype = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both `a` and `b` convert to without losing their category.

    Special cases as in PyTorch: uint8 with int8 -> int16, float16 with bfloat16 -> float32, and a
    floating type with a complex one keeps the wider precision (float64 with complex64 -> complex128).
    uint16/uint32/uint64 promote only with floating types (RuntimeError for any other dtype).
    """
    if a is b:
        return a
    if (a in _WIDE_UNSIGNED and not b.is_floating_point) or (b in _WIDE_UNSIGNED and not a.is_floating_point):
        raise RuntimeError(f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
                           f"{a.scalar_name} and {b.scalar_name}")
    if a._category + b._category == 5:  # floating with complex
        return promote_types(a.to_real(), b.to_real()).to_complex()
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 1 and (a is uint8 or b is uint8):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


def scalar_dtype(x) -> dtype:
    """The dtype a Python number gets when it takes part in promotion."""
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    if isinstance(x, complex):
        return get_default_complex_dtype()
    return _Default.dtype


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # a lower priority class wins only when its category is strictly higher; a complex one turns a
    # floating result complex at the floating type's precision (float16 tensor + 1j -> complex64 here)
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def wrap_int(v: int, d: dtype) -> int:
    """The value integer dtype `d` stores for Python int `v`: two's-complement wrap-around (300 -> 44 in uint8,
    -1 -> 4294967295 in uint32)."""
    bits = 8 * d.itemsize
    v &= (1 << bits) - 1
    return v - (1 << bits) if d.is_signed and v >> (bits - 1) else v


def result_type(*operands) -> dtype:
    """PyTorch's ``result_type`` over tensors and Python numbers."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if d is None:
            s = scalar_dtype(x)
            wrapped = s if wrapped is None else promote_types(wrapped, s)
        elif x.ndim == 0:
            zero = d if zero is None else promote_types(zero, d)
        else:
            dim = d if dim is None else promote_types(dim, d)
    return _combine(dim, _combine(zero, wrapped))


class finfo:
    """Machine limits of a floating dtype: bits, eps, max, min, tiny (smallest normal), resolution."""

    _TABLE = {  # bits, eps, max, tiny, resolution
        "float16": (16, 2.0 ** -10, 65504.0, 2.0 ** -14, 0.001),
        "bfloat16": (16, 2.0 ** -7, 3.3895313892515355e38, 2.0 ** -126, 0.01),
        "float32": (32, 2.0 ** -23, 3.4028234663852886e38, 2.0 ** -126, 1e-06),
        "float64": (64, 2.0 ** -52, 1.7976931348623157e308, 2.0 ** -1022, 1e-15),
    }

    def __init__(self, type: dtype | None = None) -> None:
        type = (type or _Default.dtype).to_real()  # a complex dtype's limits are its parts'
        if not type.is_floating_point:
            raise TypeError(f"finfo(): torch.finfo() requires a floating point input type, got {type}")
        self.dtype = type.name
        self.bits, self.eps, self.max, self.tiny, self.resolution = self._TABLE[type.name]
        self.min = -self.max
        self.smallest_normal = self.tiny


class iinfo:
    """Limits of an integer dtype: bits, min, max."""

    def __init__(self, type: dtype) -> None:
        if type._category != 1:
            raise TypeError(f"iinfo(): requires an integer input type (use finfo for floating types), got {type}")
        self.dtype = type.name
        self.bits = type.itemsize * 8
        if type.is_signed:
            self.min, self.max = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1
        else:
            self.min, self.max = 0, 2 ** self.bits - 1

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max:g}, dtype={self.dtype})"
