"""What the torch.linalg ops share: PyTorch's input checks and errors, LinAlgError, the named-tuple
results (``torch.return_types.linalg_qr`` ...), and small matrix helpers."""
from __future__ import annotations

from collections import namedtuple

from .. import _dtype as D
from .._tensor import Tensor
from ._util import broadcast_shapes


class LinAlgError(RuntimeError):
    """A numerical failure of a linear-algebra op (a singular or indefinite matrix); ``torch.linalg.LinAlgError``,
    a RuntimeError as PyTorch's."""


def return_type(name: str, fields: str):
    """A result tuple with named fields, as ``torch.return_types.<name>``."""
    cls = namedtuple(name, fields.split())
    cls.__module__ = "mytorch.return_types"
    return cls


def check_floating(A: Tensor, op: str, low_precision: bool = False) -> None:
    """A is float32/float64/complex64/complex128 (LAPACK's four types), or float16/bfloat16 with `low_precision`
    (ops that PyTorch computes without LAPACK)."""
    if not (A.dtype.is_floating_point or A.dtype.is_complex) or (A.dtype in (D.float16, D.bfloat16)
                                                                  and not low_precision):
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {A.dtype.scalar_name}")


def check_matrix(A: Tensor, op: str, name: str = "A", floating: bool = True) -> None:
    """A is a (batch of) matrix, floating unless told."""
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if floating:
        check_floating(A, op)


def check_square(A: Tensor, op: str, floating: bool = True) -> None:
    """A is a (batch of) square matrix, floating unless told."""
    check_matrix(A, op, floating=floating)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def raise_for_info(info: Tensor, op: str, message, error: type = LinAlgError) -> None:
    """PyTorch's error (LinAlgError unless told) for the first matrix of the batch whose LAPACK info is
    positive; message(i) words the failure for info i, and a batch names the element: "(Batch element b): "."""
    flat = info.reshape(-1)
    bad = (flat > 0).nonzero()
    if bad.shape[0]:
        b = int(bad[0, 0])
        where = f"(Batch element {b}): " if info.ndim else ""
        raise error(f"{op}: {where}{message(int(flat[b]))}")


def eye_like(A: Tensor, n: int | None = None) -> Tensor:
    """The n x n identity (n: A's last dim) in A's dtype, on A's backend."""
    be = A._backend
    n = A.shape[-1] if n is None else n
    i = be.arange(0, n, 1, D.int64)
    return Tensor._make(be.cast(be.eq(be.view(i, (n, 1)), i), A.dtype), be)


def batch_shape(*tensors: Tensor) -> tuple[int, ...]:
    """The broadcast of the batch dims (all but the last two) of matrices."""
    return tuple(broadcast_shapes(*(t.shape[:-2] for t in tensors)))



PHASE_MESSAGES = {
    "linalg_eigh_backward": "The eigenvectors in the complex case are specified up to multiplication by e^{i phi}. "
                            "The specified loss function depends on this quantity, so it is ill-defined.",
    "svd_backward": "The singular vectors in the complex case are specified up to multiplication by e^{i phi}. The "
                    "specified loss function depends on this phase term, making it ill-defined."}
PHASE_MESSAGES["linalg_eig_backward"] = PHASE_MESSAGES["linalg_eigh_backward"]


def check_phase_invariance(d: Tensor, op: str) -> None:
    """Complex singular / eigen vectors are determined only up to a phase each; a loss invariant under those
    phases has Im(d) = 0 for d = diag(V^H gV) (summed over both sides for the SVD). PyTorch's RuntimeError
    otherwise (with its lax tolerance, 1e-2), since such a loss has no derivative."""
    if d.dtype.is_complex and not bool((d.imag.abs() <= 1e-2).all()):
        raise RuntimeError(f"{op}: {PHASE_MESSAGES[op]}")
