"""Helpers shared by the op files: operand preparation, dims, shapes."""
from __future__ import annotations

from typing import Any, Sequence

from .. import _dtype as D
from .._tensor import Tensor

Number = (int, float, bool, complex)


def backend_of(*xs: Any):
    """The backend shared by the tensor operands; RuntimeError naming both devices (or, on one device,
    both backends) if they differ. Tensors of two backends are never converted silently: the user moves
    one through the host (``from_numpy(t.numpy())``, no copy on CPU)."""
    be = None
    for x in xs:
        if isinstance(x, Tensor):
            if be is None:
                be = x._backend
            elif x._backend is not be:
                for b in (be, x._backend):
                    if hasattr(b, "layout"):  # a sparse tensor's (`ops/sparse.py`): it names its layout
                        b.reject_mixed()
                if x._backend.device_type == be.device_type:
                    raise RuntimeError(f"Expected all tensors to be on the same backend, but found {be.device_type} "
                                       f"tensors of two backends, {be.name!r} and {x._backend.name!r}; convert one "
                                       f"with mytorch.from_numpy(t.numpy()) after set_cpu_backend()")
                raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                                   f"devices, {be.device_type} and {x._backend.device_type}!")
    return be


def check_number(x: Any, op: str, arg: str = "other") -> None:
    if not isinstance(x, Number):
        raise TypeError(f"{op}(): argument '{arg}' must be Tensor or Number, not {type(x).__name__}")


def operands(a: Any, b: Any, op: str, compute: D.dtype | None = None):
    """(a_data, b_data, backend, dtype): both operands cast to their promoted dtype.

    Python numbers stay Python numbers: the backend treats them as weakly typed,
    which is exactly PyTorch's rule for scalars once the tensor has the result dtype.
    """
    if isinstance(a, Tensor):
        be = a._backend
        ad = a._data
        if isinstance(b, Tensor):
            if b._backend is not be:
                backend_of(a, b)
            bd = b._data
            adt = be.dtype_of(ad)
            if compute is None and adt is be.dtype_of(bd):
                return ad, bd, be, adt
        else:
            bd = b
            if compute is None:
                # fast path for the common tensor-op-number case: the tensor's dtype wins when it is of the
                # number's category or above (float tensor * 2, int tensor + 1)
                adt = be.dtype_of(ad)
                kind = type(b)
                if (kind is float and adt.is_floating_point and adt is not D.bfloat16
                        or kind is int and (adt.is_floating_point or adt is D.int64)):
                    return ad, bd, be, adt
            check_number(b, op)
    else:
        check_number(a, op, "input")
        be = b._backend
        ad, bd = a, b._data
    dt = compute or D.result_type(a, b)
    if isinstance(a, Tensor) and be.dtype_of(ad) is not dt:
        ad = be.cast(ad, dt)
    if isinstance(b, Tensor) and be.dtype_of(bd) is not dt:
        bd = be.cast(bd, dt)
    if dt is D.bfloat16:  # NumPy's bfloat16 (ml_dtypes) turns Python floats into float32: pass 0-d bfloat16
        ad = ad if isinstance(a, Tensor) else be.full((), a, dt)
        bd = bd if isinstance(b, Tensor) else be.full((), b, dt)
    elif dt._category == 1 and dt is not D.int64:  # Python ints wrap around into the type, as in PyTorch
        ad = D.wrap_int(a, dt) if type(a) is int else ad
        bd = D.wrap_int(b, dt) if type(b) is int else bd
    return ad, bd, be, dt


def wrap_dims(dims: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Normalize an int or a sequence of (possibly negative) dims; IndexError when out of range."""
    if isinstance(dims, int):
        dims = (dims,)
    out = []
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    for d in dims:
        if not isinstance(d, int):
            raise TypeError(f"{op}(): argument 'dim' must be int or tuple of ints, not {type(d).__name__}")
        if d < lo or d > hi:
            raise IndexError(f"{op}(): Dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        w = d % ndim if ndim else 0
        if w in out:
            raise RuntimeError(f"{op}(): dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


def as_shape(args: Sequence[Any], op: str) -> tuple[int, ...]:
    """Shapes given as ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    shape = []
    for s in args:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}(): argument 'size' must be tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        shape.append(s)
    return tuple(shape)


def broadcast_shapes(*shapes: Sequence[int], op: str | None = None) -> tuple[int, ...]:
    """The shape all `shapes` broadcast to (NumPy/PyTorch rules), or RuntimeError naming them (and `op`)."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i in reversed(range(len(s))):  # trailing dims first: PyTorch reports the last mismatch
            n, j = s[i], ndim - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(f"{op + '(): ' if op else ''}The size of tensor a ({out[j]}) must match the size "
                                   f"of tensor b ({n}) at non-singleton dimension {j}: shapes "
                                   f"{[list(x) for x in shapes]} cannot be broadcast together")
    return tuple(out)


def conj(x: Any) -> Any:
    """The complex conjugate of a tensor or number, for gradients: a real one is returned as it is (no
    copy), so that one formula g * conj(f'(x)) serves real and complex inputs alike."""
    if isinstance(x, Tensor):
        return x.conj() if x.dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


def reject_complex(x: Any, message: str, error: type = RuntimeError) -> None:
    """Raise PyTorch's error for an op that complex numbers don't support (they have no order)."""
    if getattr(x, "dtype", None) is not None and x.dtype.is_complex or isinstance(x, complex):
        raise error(message.format(dtype=getattr(x, "dtype", D.get_default_complex_dtype()).scalar_name))


def reject_complex32(dt: D.dtype, kernel: str) -> None:
    """PyTorch's CPU kernel `kernel` has no complex32 (ComplexHalf) loop: NotImplementedError naming it, in
    PyTorch's words, where the op computes in complex32."""
    if dt is D.complex32:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'ComplexHalf'")


def float_dtype(dt: D.dtype) -> D.dtype:
    """The dtype a floating op computes in: integers and bool become the default float dtype."""
    return dt if dt.is_floating_point else D.get_default_dtype()
