"""The NumPy backend's linear-algebra primitives (the contract's "linear algebra" section).

QR, the symmetric and general eigensolvers, the SVD and Cholesky are NumPy's LAPACK calls (geqrf/orgqr,
syevd, geev, gesdd, potrf), batched by NumPy over the leading dims. NumPy exposes no LU (getrf) and no triangular solve
(trtrs), so those two are written here as loops over the columns of the batch: each step is one
vectorised NumPy operation on every matrix at once, which is quick for the small matrices models use.
"""
from __future__ import annotations

import numpy as np

from ._np_ldl import ldl_factor, ldl_solve  # noqa: F401 (the contract's LDL primitives, in their own file)


def _magnitude(x: np.ndarray) -> np.ndarray:
    """|x| for real x, |Re x| + |Im x| for complex x (LAPACK's i?amax)."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def lu_factor(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian elimination with partial pivoting (LAPACK's unblocked getf2), for every matrix of the batch.

    Step j picks the row p >= j of largest |a[p, j]| (the first one on ties; for complex entries
    |Re| + |Im|, LAPACK's cheaper magnitude, so the pivots are LAPACK's), swaps rows j and p, divides
    the column below the pivot by it (the multipliers, L's column j) and subtracts their outer product with
    the pivot row from the trailing block. A zero pivot leaves its column unscaled and sets info to j + 1
    (the first one wins), as getrf does.
    """
    *batch, m, n = a.shape
    k = min(m, n)
    lu = np.array(a, copy=True).reshape((int(np.prod(batch)), m, n))  # not -1: m or n may be 0
    rows = np.arange(lu.shape[0])
    pivots = np.zeros((lu.shape[0], k), np.int32)
    info = np.zeros(lu.shape[0], np.int32)
    with np.errstate(all="ignore"):
        for j in range(k):
            p = j + np.argmax(_magnitude(lu[:, j:, j]), axis=1)
            pivots[:, j] = p + 1
            row_j = lu[rows, j].copy()
            lu[rows, j] = lu[rows, p]
            lu[rows, p] = row_j
            pivot = lu[:, j, j]
            zero = pivot == 0
            info[(info == 0) & zero] = j + 1
            lu[:, j + 1:, j] /= np.where(zero, 1, pivot)[:, None]
            lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(*batch, k), info.reshape(batch)


def solve_triangular(a: np.ndarray, b: np.ndarray, upper: bool, unitriangular: bool) -> np.ndarray:
    """X with A X = B by substitution, one row of X per step (forward for lower A, backward for upper):
    x_i = (b_i - sum_{j before i} a_ij x_j) / a_ii (no division when unitriangular)."""
    n = a.shape[-1]
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], np.result_type(a, b))
    with np.errstate(all="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)
            xi = b[..., i:i + 1, :] - a[..., i:i + 1, done] @ x[..., done, :]
            x[..., i:i + 1, :] = xi if unitriangular else xi / a[..., i:i + 1, i:i + 1]
    return x


def cholesky(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, info) with A = L L^H: LAPACK's potrf through NumPy when every matrix is positive definite;
    otherwise the column algorithm l_jj = sqrt(Re a_jj - sum_k |l_jk|^2),
    l_ij = (a_ij - sum_k l_ik conj(l_jk)) / l_jj, which also finds info (the order of the first leading
    minor that is not positive definite)."""
    try:
        return np.linalg.cholesky(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        pass
    *batch, n, _ = a.shape
    src = a.reshape((int(np.prod(batch)), n, n))
    low = np.zeros_like(src)
    info = np.zeros(src.shape[0], np.int32)
    with np.errstate(all="ignore"):
        for j in range(n):
            d = src[:, j, j].real - np.sum(np.abs(low[:, j, :j]) ** 2, axis=1)
            info[(info == 0) & ~(d > 0)] = j + 1
            low[:, j, j] = np.sqrt(np.where(d > 0, d, 1))
            dots = np.einsum("bik,bk->bi", low[:, j + 1:, :j], low[:, j, :j].conj())
            low[:, j + 1:, j] = (src[:, j + 1:, j] - dots) / low[:, j, j, None]
    return low.reshape(a.shape), info.reshape(batch)


def qr(a: np.ndarray, complete: bool) -> tuple[np.ndarray, np.ndarray]:
    """Householder QR (geqrf + orgqr)."""
    q, r = np.linalg.qr(a, mode="complete" if complete else "reduced")
    return q, r


def eigh(a: np.ndarray, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of the symmetric matrices of the batch (syevd). A matrix whose
    read triangle holds inf or nan, on which NumPy's syevd may not converge, gets nan throughout (the C++
    backend's answer)."""
    finite = np.isfinite(np.triu(a) if upper else np.tril(a)).all(axis=(-2, -1))
    if not finite.all():
        w, v = eigh(np.where(finite[..., None, None], a, 0), upper)
        return np.where(finite[..., None], w, np.nan), np.where(finite[..., None, None], v, np.nan)
    w, v = np.linalg.eigh(a, UPLO="U" if upper else "L")
    return w, v


def eig(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and unit eigenvectors of general matrices (geev), always complex: NumPy returns real
    arrays when every eigenvalue of a real batch is real. A matrix holding inf or nan, or one on which geev does
    not converge, raises RuntimeError with NumPy's words (the C++ backend's error)."""
    complex_type = np.result_type(a.dtype, np.complex64)
    try:
        w, v = np.linalg.eig(a)
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"eig: {e}") from None
    return w.astype(complex_type, copy=False), v.astype(complex_type, copy=False)


def svd(a: np.ndarray, full_matrices: bool, compute_uv: bool):
    """(U, S, Vh) by divide and conquer (gesdd); (None, S, None) without compute_uv. A matrix holding inf or
    nan, on which gesdd does not converge, gets nan throughout (the contract's answer)."""
    finite = np.isfinite(a).all(axis=(-2, -1))
    if not finite.all():
        u, s, vh = svd(np.where(finite[..., None, None], a, 0), full_matrices, compute_uv)
        return tuple(x if x is None else np.where(finite.reshape(finite.shape + (1,) * (x.ndim - finite.ndim)), x,
                                                    np.nan) for x in (u, s, vh))
    if not compute_uv:
        return None, np.linalg.svd(a, compute_uv=False), None
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh
