"""Complex tensors: their parts, conjugation, polar form.

A complex64 (complex128) element is two float32 (float64) values, real part
first, so the parts are views: `view_as_real` reads z's memory as a real
tensor with a trailing dim of 2 (the backend's `bitcast` of z seen with a
trailing dim of 1), and `real`/`imag` select from it. Writing through them
writes z.

Gradients follow PyTorch's convention for a real loss L of a complex z = x + iy:
the gradient is dL/dx + i dL/dy (twice the conjugate Wirtinger derivative
dL/dz*), so for L = |z|^2 it is 2z, and a holomorphic f(z) passes back
g * conj(f'(z)). `real` passes back g (a real g becomes g + 0i), `imag` g * i.
"""
from __future__ import annotations

import math

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import broadcast_shapes, reject_complex32


def _real_view_data(z: Tensor):
    """z's memory as real elements with a trailing dim of 2 (real, imag): z seen with a trailing dim of 1,
    then bitcast to the real dtype, which splits that dim in two."""
    be, data = z._backend, z._data
    if z.numel() == 0:  # nothing to share (and an empty array's strides may be anything)
        return be.empty(tuple(data.shape) + (2,), z.dtype.to_real())
    one = be.as_strided(data, tuple(data.shape) + (1,), z.stride() + (1,), 0)
    return be.bitcast(one, z.dtype.to_real())


class ViewAsReal(Function):
    """y[..., 0] = Re z, y[..., 1] = Im z (a view);  dz = dy[..., 0] + i dy[..., 1]."""

    _grad_name = "ViewAsRealBackward0"

    @staticmethod
    def forward(ctx, z):
        return z._view_of(_real_view_data(z))

    @staticmethod
    def backward(ctx, g):
        return view_as_complex(g.contiguous())


class ViewAsComplex(Function):
    """z = x[..., 0] + i x[..., 1] (a view);  dx[..., 0] = Re dz, dx[..., 1] = Im dz."""

    _grad_name = "ViewAsComplexBackward0"

    @staticmethod
    def forward(ctx, x):
        be = x._backend
        if x.numel() == 0:
            return x._view_of(be.empty(tuple(x.shape[:-1]), x.dtype.to_complex()))
        return x._view_of(be.basic_index(be.bitcast(x._data, x.dtype.to_complex()), (Ellipsis, 0)))

    @staticmethod
    def backward(ctx, g):
        return view_as_real(g)


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a trailing dim of 2 holding the real and imaginary parts."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a real tensor whose trailing dim of size 2 holds (real, imaginary) pairs."""
    if not input.dtype.is_floating_point or input.dtype is D.bfloat16:
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {input.dtype.scalar_name}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input.numel():  # any strides describe an empty tensor
        if input.stride(-1) != 1:
            raise RuntimeError("Tensor must have a last dimension with stride 1")
        if any(s % 2 for s in input.stride()[:-1]):
            raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
        if input.storage_offset() % 2:
            raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return ViewAsComplex.apply(input)


def real(input: Tensor) -> Tensor:
    """The real part, a view (a real tensor is its own real part)."""
    if not input.dtype.is_complex:
        return input
    return view_as_real(input).select(-1, 0)


def imag(input: Tensor) -> Tensor:
    """The imaginary part, a view."""
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)


def _set_part(part):
    def setter(self: Tensor, value) -> None:
        part(self).copy_(value)
    return setter


def _conj_data(z: Tensor):
    """A contiguous copy of z with its imaginary parts negated."""
    be = z._backend
    out = Tensor._make(be.copy(z._data), be)
    im = be.basic_index(_real_view_data(out), (Ellipsis, 1))
    be.assign(im, be.neg(im))
    return out


class Conj(Function):
    """y = conj(z) = x - iy;  dz = conj(dy)."""

    _grad_name = "ConjPhysicalBackward0"

    @staticmethod
    def forward(ctx, z):
        return _conj_data(z)

    @staticmethod
    def backward(ctx, g):
        return conj(g)


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate x - iy in new memory (a real tensor is returned as it is)."""
    if not input.dtype.is_complex:
        return input
    return Conj.apply(input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate. PyTorch returns a lazy view with its conjugate bit set; mytorch conjugates
    eagerly (`conj_physical`), so no tensor has the bit: `is_conj` is False and `resolve_conj` is the
    identity."""
    return conj_physical(input)


def is_conj(input: Tensor) -> bool:
    """Whether input is a lazily conjugated view: never in mytorch (`conj` conjugates eagerly)."""
    return False


def resolve_conj(input: Tensor) -> Tensor:
    """input with a pending lazy conjugation applied: input itself, as mytorch has none (`conj`)."""
    return input


def _check_parts(a: Tensor, b: Tensor, op: str) -> None:
    """`complex` and `polar` take two real tensors of one floating dtype (PyTorch does not promote them)."""
    for x in (a, b):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): argument must be Tensor, not {type(x).__name__}")
    if not (a.dtype in (D.float32, D.float64, D.float16) and b.dtype in (D.float32, D.float64, D.float16)):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a.dtype.scalar_name} and {b.dtype.scalar_name}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {a.dtype.scalar_name} but got scalar type "
                           f"{b.dtype.scalar_name} for second argument")
    if a.dtype is D.float16 and op == "polar":  # complex(half, half) is complex32; PyTorch has no half polar kernel
        raise NotImplementedError("\"polar_cpu\" not implemented for 'Half'")


class Complex(Function):
    """z = re + i im (broadcast);  d re = Re dz, d im = Im dz."""

    _grad_name = "ComplexBackward0"

    @staticmethod
    def forward(ctx, re, im):
        be = re._backend
        shape = broadcast_shapes(re.shape, im.shape, op="complex")
        out = Tensor._make(be.empty(shape, re.dtype.to_complex()), be)
        parts = _real_view_data(out)
        be.assign(be.basic_index(parts, (Ellipsis, 0)), re._data)
        be.assign(be.basic_index(parts, (Ellipsis, 1)), im._data)
        return out

    @staticmethod
    def backward(ctx, g):
        return real(g), imag(g)


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001 (PyTorch's name)
    """The complex tensor real + i imag, from two float32 or two float64 tensors (broadcast)."""
    _check_parts(real, imag, "complex")
    return Complex.apply(real, imag)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002 (PyTorch's names)
    """abs (cos(angle) + i sin(angle)); differentiable through `complex`."""
    _check_parts(abs, angle, "polar")
    return Complex.apply(abs * angle.cos(), abs * angle.sin())


class Angle(Function):
    """Complex z: y = atan2(Im z, Re z), dz = g i z / |z|^2 (0 at z = 0).
    Real x: y = pi for x < 0, else 0 (NaN stays NaN); dx = 0."""

    _grad_name = "AngleBackward0"

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        if z.dtype.is_complex:
            return imag(z).detach().atan2(real(z).detach())
        x = z if z.dtype.is_floating_point else z.to(D.get_default_dtype())
        return ((x < 0).to(x.dtype) * math.pi).where(x == x, x)  # NaN stays NaN

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        if not z.dtype.is_complex:
            return g * 0
        abs2 = z.abs().square()
        return (g * z * 1j / abs2).where(abs2 != 0, 0)


def angle(input: Tensor) -> Tensor:
    """The argument of each element, in (-pi, pi]; for real tensors pi where negative, else 0."""
    reject_complex32(input.dtype, "angle_cpu")
    return Angle.apply(input)


def sgn(input: Tensor) -> Tensor:
    """z / |z| (0 where z = 0); for real tensors `sign`. Composed from differentiable ops: with
    sgn = z / |z|, dz = (g - Re(g conj(sgn)) sgn) / |z|."""
    if not input.dtype.is_complex:
        return input.sign()
    if input.dtype is D.complex32:  # PyTorch's kernel computes in complex64 and rounds once (no complex32 div)
        return sgn(input.to(D.complex64)).to(D.complex32)
    a = input.abs()
    nonzero = a != 0
    return input / a.where(nonzero, 1)


def isreal(input: Tensor) -> Tensor:
    """True where the imaginary part is 0 (everywhere for real tensors)."""
    if not input.dtype.is_complex:
        return input.new_ones(input.shape, dtype=D.bool_)
    return imag(input) == 0


def _adjoint(self: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (``mH``)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                           "tensor.")
    return conj(self.transpose(-2, -1))


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims, a view for real tensors: out = conj(input).transpose(-2, -1) (``mH``)."""
    return _adjoint(input)


__all__ = ["view_as_real", "view_as_complex", "real", "imag", "conj", "conj_physical", "is_conj", "resolve_conj",
           "complex", "polar", "angle", "sgn", "isreal", "adjoint"]
METHODS = {name: globals()[name] for name in __all__ if name not in ("complex", "polar", "view_as_real",
                                                                   "view_as_complex")}


def _tensor_is_complex(self: Tensor) -> bool:
    """Whether the tensor's dtype is complex64 or complex128."""
    return self.dtype.is_complex


METHODS.update({"real": property(real, _set_part(real)), "imag": property(imag, _set_part(imag)),
                "mH": property(_adjoint), "is_complex": _tensor_is_complex})
