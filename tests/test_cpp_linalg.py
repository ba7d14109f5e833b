"""The C++ factorizations (csrc/linalg/: LU, triangular solve, Cholesky, Householder QR) equal the NumPy
backend's (NumPy's LAPACK, or its column loops) to rounding: float32, float64, complex64 and complex128,
batched, strided and broadcast views, empty shapes, pivots and info exactly (singular and indefinite inputs
included)."""
import numpy as np
import pytest

import mytorch._dtype as D

from cpp_compare import backend, be, same, skip_without_cpp, views  # noqa: F401 (fixtures)

pytestmark = skip_without_cpp

rng = np.random.default_rng(5)
SHAPES = [(4, 4), (3, 5, 5), (5, 3), (3, 2, 6), (0, 3, 3), (4, 0), (3, 1, 1)]
DTYPES = [D.float32, D.float64, D.complex64, D.complex128]
NP_DTYPES = {D.float32: np.float32, D.float64: np.float64, D.complex64: np.complex64, D.complex128: np.complex128}


def random(shape, dt):
    """Standard normal values of dtype dt (both parts random for a complex one)."""
    x = rng.standard_normal(shape)
    if dt.is_complex:
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(NP_DTYPES[dt])


def close(be, expected, got, dt):
    e, g = np.asarray(expected), np.asarray(be[1].to_host(got))
    assert e.shape == g.shape and e.dtype == g.dtype, (e.shape, g.shape, e.dtype, g.dtype)
    tol = 2e-5 if dt in (D.float32, D.complex64) else 1e-12
    np.testing.assert_allclose(g, e, rtol=tol, atol=tol)


def factor_views(shape, dt):
    """views(shape), less for a complex matrix the broadcast view that repeats its first row (rank one): its
    elimination cancels to exact zeros or to rounding noise depending on how complex division rounds
    (NumPy's and std::complex's differ in the last bit), and the pivots then follow the noise."""
    all_views = list(views(shape))
    return all_views[:3] if dt.is_complex and len(shape) == 2 and len(all_views) == 4 else all_views


def matrix_views():
    """A batch of matrices as itself, transposed matrix by matrix, and one matrix broadcast over the batch."""
    yield lambda be, x: x
    yield lambda be, x: be.permute(x, (0, 2, 1))
    yield lambda be, x: be.expand(be.basic_index(x, (slice(0, 1),)), x.shape)


def pair(be, host, view):
    npb, cpp = be
    return view(npb, npb.from_host(host, None)), view(cpp, cpp.share_host(np.ascontiguousarray(host)))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_and_qr(be, dt, shape):
    host = random(shape, dt)
    for view in factor_views(shape, dt):
        a_np, a_cpp = pair(be, host, view)
        (lu, piv, info), (lu_c, piv_c, info_c) = be[0].lu_factor(a_np), be[1].lu_factor(a_cpp)
        close(be, lu, lu_c, dt)
        same(piv, piv_c)
        same(info, info_c)
        for complete in (False, True):
            (q, r), (q_c, r_c) = be[0].qr(a_np, complete), be[1].qr(a_cpp, complete)
            if full_rank(be[0].to_host(a_np)):
                close(be, q, q_c, dt)
                close(be, r, r_c, dt)
            else:
                factors_of(be, be[0].to_host(a_np), q_c, r_c, dt)


def full_rank(a):
    return a.size == 0 or bool(np.all(np.linalg.matrix_rank(a) == min(a.shape[-2:])))


def factors_of(be, a, q, r, dt):
    """QR of a rank-deficient matrix (the broadcast view repeating one row): Q's columns past the rank
    complete an orthonormal basis from rounding noise, so they differ with how each LAPACK build rounds;
    check what defines the factorization instead: Q^H Q = I, R upper triangular, QR = A."""
    q, r = (np.asarray(be[1].to_host(x)) for x in (q, r))
    eye = np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2)
    tol = 2e-5 if dt in (D.float32, D.complex64) else 1e-12
    np.testing.assert_allclose(q.conj().swapaxes(-1, -2) @ q, eye, atol=tol)
    np.testing.assert_array_equal(r, np.triu(r))
    np.testing.assert_allclose(q @ r, a, atol=tol * 10)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 4, 7])
def test_cholesky_and_solve_triangular(be, dt, n):
    x = random((3, n, n), dt)
    spd = (x @ x.conj().swapaxes(-1, -2) + n * np.eye(n)).astype(x.dtype)
    b = random((3, n, 2), dt)
    for view in matrix_views():
        a_np, a_cpp = pair(be, spd, view)
        for e, g in zip(be[0].cholesky(a_np), be[1].cholesky(a_cpp)):
            close(be, e, g, dt)
        b_np, b_cpp = pair(be, b, lambda _, v: v)
        for upper in (True, False):
            for unit in (True, False):
                close(be, be[0].solve_triangular(a_np, b_np, upper, unit), be[1].solve_triangular(a_cpp, b_cpp, upper,
                                                                                                      unit), dt)


def test_singular_and_indefinite_info(be):
    npb, cpp = be
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]])
    for e, g in zip(npb.lu_factor(npb.from_host(singular, None))[1:], cpp.lu_factor(cpp.share_host(singular))[1:]):
        same(e, g)
    indefinite = np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0]), -np.eye(3), np.diag([1.0, 1.0, np.nan])])
    same(npb.cholesky(npb.from_host(indefinite, None))[1], cpp.cholesky(cpp.share_host(indefinite))[1])


def test_natives_replace_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    host = CppBackend.host_primitives()
    assert not {"lu_factor", "solve_triangular", "cholesky", "qr"} & set(host)
