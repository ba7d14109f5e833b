"""parametrizations.orthogonal: a weight kept orthogonal (Q^H Q = I for n >= k, Q Q^H = I otherwise) by computing
it from an unconstrained matrix X (n x k, transposed first when n < k).

The maps from X to an orthogonal Q (Lezcano-Casado & Martinez-Rubio, 2019):
    matrix_exp:   A = L - L^H with L = tril(X) (zero-padded to n x n), a skew-symmetric matrix;  Q = exp(A)[:, :k]
    cayley:       the same A;  Q = (I - A / 2)^{-1} (I + A / 2), first k columns
    householder:  Q = H_1 ... H_k from the reflectors below X's diagonal, H_i = I - tau_i v_i v_i^T with
                  tau_i = 2 / (1 + ||v_i||^2) (so each H_i is orthogonal), times the signs int(diag(X))
Each is differentiable in X through its ops (matrix_exp, solve, householder_product).

With use_trivialization=True (the default) the parametrization also holds a buffer `base`, an orthogonal matrix,
and the weight is base @ Q: assigning a weight W sets base to W (made orthogonal by a QR with R's diagonal
positive, completed with random columns when n > k) and X to the matrix that maps to the identity, so training
starts at W and moves in its tangent space. Without it, assigning W to the householder map stores W's geqrf
reflectors (and the other maps cannot be assigned to).
"""
from __future__ import annotations

from enum import Enum

from ..._tensor import Tensor
from ..._dtype import finfo
from ...ops.creation import eye, zeros_like
from ...ops.joining import cat
from ...ops.matrix_functions import matrix_exp
from ...ops.qr import geqrf, householder_product, qr
from ...ops.random import randn
from ...ops.solve import solve
from ..module import Module
from .parametrize import register_parametrization

__all__ = ["orthogonal"]


class _OrthMaps(Enum):
    matrix_exp = 1
    cayley = 2
    householder = 3


def _is_orthogonal(Q: Tensor) -> bool:
    """Q^H Q = I within 10 n eps (Q is n x k, n >= k)."""
    n, k = Q.shape[-2:]
    eye_k = eye(k, dtype=Q.dtype, device=Q.device)
    return bool(((Q.mH @ Q) - eye_k).abs().max() <= 10.0 * n * finfo(Q.dtype).eps)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = Q R with R's diagonal positive (unique for full-rank A)."""
    Q, R = qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    """X -> an orthogonal matrix by `orthogonal_map` (module docstring); `base @` it when trivialized."""

    def __init__(self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                eye_n = eye(n, dtype=A.dtype, device=A.device)
                Q = solve(eye_n - A * 0.5, eye_n + A * 0.5)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        """The X whose forward gives Q (module docstring)."""
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{Q.shape}.")
        Q_init = Q
        n, k = Q.shape[-2:]
        transposed = n < k
        if transposed:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            A, tau = geqrf(Q)
            # the forward multiplies by int(diag(X)): store the signs of R there, flipping where H_i = I (tau = 0)
            signs = A.diagonal(dim1=-2, dim2=-1).sign()
            A.diagonal(dim1=-2, dim2=-1).copy_(signs * (1 - 2 * (tau == 0).to(signs.dtype)))
            return A.mT if transposed else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:  # complete Q to an n x n orthogonal matrix with random columns
            N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(cat([Q, N], dim=-1))
        self.base = Q
        # -I maps to the identity under every map (householder: H_i = -(e_i e_i^T) terms times the signs -1)
        neg_id = zeros_like(Q_init)
        neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Keep ``module.<name>`` (a matrix or batch of matrices) orthogonal through the map `orthogonal_map`:
    "matrix_exp" (default for square or complex weights), "cayley" or "householder" (default otherwise); see
    the module docstring. The weight's current value is kept (made orthogonal first when it is not)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    register_parametrization(module, name, orth, unsafe=True)
    return module
