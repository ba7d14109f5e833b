"""The C++ general eigensolver (csrc/linalg/eig.cpp: balancing, Hessenberg reduction, the QR algorithm,
back-substitution) against the NumPy backend's LAPACK geev: float32, float64, complex64 and complex128, batched,
transposed and broadcast views, 1x1 and empty matrices, triangular and permuted-triangular matrices (balancing's
isolated eigenvalues), repeated and defective eigenvalues, badly scaled matrices.

The eigenvalues must equal LAPACK's in LAPACK's order, to a few roundings of the matrix's norm in double
precision. Each eigenvector is checked by what defines it, A v = w v with |v| = 1 and its largest component
real, and against LAPACK's where its eigenvalue is apart from the others: for a complex matrix the same vector
(geev's normalization leaves it no freedom), for a real one up to its sign, which geev leaves to the path of the
iteration (OpenBLAS's and MKL's LAPACK disagree on 12% of them; the C++ kernel on 1.5% of OpenBLAS's).
Float32 and complex64 are computed in double precision, so they are compared to a float32 tolerance."""
import numpy as np
import pytest

import mytorch._dtype as D

from cpp_compare import backend, be, skip_without_cpp  # noqa: F401 (fixtures)
from test_cpp_linalg import DTYPES, matrix_views, pair, random

pytestmark = skip_without_cpp


def tol(dt):
    return 2e-5 if dt in (D.float32, D.complex64) else 1e-12


def host(be, x):
    return np.asarray(be[1].to_host(x))


def check_eig(be, a_np, a_cpp, dt, same_order=True, value_tol=None):
    """The C++ eig against NumPy's: values (in the same order unless told), vectors by their definition and,
    for well-separated values, equal to LAPACK's."""
    (w_ref, v_ref), (w, v) = be[0].eig(a_np), be[1].eig(a_cpp)
    w_ref, v_ref, w, v = np.asarray(w_ref), np.asarray(v_ref), host(be, w), host(be, v)
    assert (w.shape, w.dtype, v.shape, v.dtype) == (w_ref.shape, w_ref.dtype, v_ref.shape, v_ref.dtype)
    if not w.size:
        return
    a = np.asarray(be[0].to_host(a_np)).astype(np.complex128)
    norm = max(np.abs(a).max(), 1e-300)
    atol = (value_tol or tol(dt)) * norm
    if same_order:
        np.testing.assert_allclose(w, w_ref, atol=atol, rtol=0)
    else:
        np.testing.assert_allclose(np.sort_complex(np.round(w, 6)), np.sort_complex(np.round(w_ref, 6)), atol=atol)
    n = w.shape[-1]
    np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, atol=tol(dt) * n)
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=(value_tol or tol(dt)) * norm * n)
    largest = np.take_along_axis(v, np.argmax(np.abs(v), axis=-2)[..., None, :], axis=-2)
    assert np.all(largest.imag == 0) or dt in (D.float32, D.complex64)  # ties in float32 may pick another
    if not same_order:
        return
    for values, ref, got in zip(w_ref.reshape(-1, n), v_ref.reshape(-1, n, n), v.reshape(-1, n, n)):
        for i in range(n):
            gap = np.abs(np.delete(values, i) - values[i]).min(initial=np.inf)
            if gap > 1e-3 * norm:
                product = np.vdot(ref[:, i], got[:, i])
                sizes = np.sort(np.abs(ref[:, i]))
                tie = n > 1 and sizes[-1] - sizes[-2] < 1e-4  # which of them is made real is rounding's choice
                if not dt.is_complex or tie:
                    product = abs(product)
                np.testing.assert_allclose(product, 1, atol=tol(dt) * n * (1 + norm / gap))


def views_of(shape):
    return matrix_views() if len(shape) == 3 else [lambda be, v: v]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (2, 16, 16), (3, 1, 1), (0, 3, 3), (2, 0, 0), (3, 3)])
def test_eig(be, dt, shape):
    x = random(shape, dt)
    for view in views_of(shape):
        check_eig(be, *pair(be, x, view), dt)


def special_matrices(n, dt):
    """Matrices whose structure the solver treats apart: triangular ones and a permuted one (balancing isolates
    their eigenvalues), zero, identity and diagonal ones with repeated values, a block-diagonal one, a companion
    matrix, a badly scaled one (balancing scales it), a rotation (a complex pair of a real matrix)."""
    x = random((n, n), dt)
    perm = np.random.default_rng(5).permutation(n)
    scaling = np.diag(2.0 ** np.arange(-10, -10 + 4 * n, 4))
    block = np.zeros_like(x)
    block[:3, :3], block[3:, 3:] = x[:3, :3], x[3:, 3:]
    companion = np.diag(np.ones(n - 1), -1).astype(x.dtype)
    companion[0] = x[0]
    rotation = np.eye(n, dtype=x.dtype)
    rotation[:2, :2] = [[0.6, -0.8], [0.8, 0.6]]
    partly = np.triu(x)
    partly[3:, 1:3] = x[3:, 1:3]  # isolated rows at the bottom and columns at the left, a block between
    return [np.triu(x), np.tril(x), np.triu(x)[perm][:, perm], partly, np.zeros_like(x), np.eye(n, dtype=x.dtype),
            np.diag([2.0, 1.0, 2.0, 3.0, 1.0, 2.0][:n]).astype(x.dtype), block, companion,
            scaling @ x @ np.linalg.inv(scaling), rotation]


@pytest.mark.parametrize("dt", DTYPES)
def test_eig_special_matrices(be, dt):
    for x in special_matrices(6, dt):
        check_eig(be, *pair(be, x, lambda _, v: v), dt)


@pytest.mark.parametrize("dt", [D.float64, D.complex128])
def test_eig_defective(be, dt):
    """Jordan blocks (nilpotent, a non-zero eigenvalue, and one hidden by a similarity): a single eigenvector
    each, which back-substitution finds through its smin pivots without overflowing. Their eigenvalues are
    sensitive to rounding (an error of eps^(1/k) for a block of order k), so they are compared as sets."""
    n = 4
    nilpotent = np.diag(np.ones(n - 1), 1)
    jordan = 2 * np.eye(n) + nilpotent
    s = random((n, n), D.float64) + 4 * np.eye(n)
    hidden = s @ jordan @ np.linalg.inv(s)
    big_nilpotent = np.diag(np.ones(24), 1)  # components of order smlnum^-k: scaled down as they are solved
    cases = [(nilpotent, 1e-12), (jordan, 1e-12), (hidden, 1e-3), (big_nilpotent, 1e-12)]
    for x, value_tol in cases:
        x = x.astype(random((1,), dt).dtype)
        a_np, a_cpp = pair(be, x, lambda _, v: v)
        (w, v) = be[1].eig(a_cpp)
        w, v = host(be, w), host(be, v)
        assert np.isfinite(v).all()
        np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, atol=1e-12)
        check_eig(be, a_np, a_cpp, dt, same_order=False, value_tol=value_tol)


def test_eig_order_matches_lapack(be):
    """LAPACK's order over many random matrices of orders 1-12: real ones (complex pairs and real eigenvalues
    interleaved as deflation finds them) and complex ones; sparse ones (isolated eigenvalues, exact zeros that
    rounding's signed zeros and the order of deflation are sensitive to) as sets: 1 of their 96 came out in another
    order when measured, as 6 of the 288 do between OpenBLAS's and MKL's LAPACK."""
    rng = np.random.default_rng(7)
    for n in range(1, 13):
        for kind in ("real", "complex", "sparse"):
            x = rng.standard_normal((8, n, n))
            if kind == "complex":
                x = x + 1j * rng.standard_normal((8, n, n))
            if kind == "sparse":
                x = x * (rng.random((8, n, n)) < 0.3)
            dt = D.complex128 if kind == "complex" else D.float64
            check_eig(be, *pair(be, x, lambda _, v: v), dt, same_order=kind != "sparse")


def test_eig_errors(be):
    """inf or nan: both backends raise RuntimeError with NumPy's words (the ops layer refuses such input first)."""
    from cpp_compare import raises_same
    x = np.array([[1.0, np.nan], [0.0, 1.0]])
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    raises_same(lambda: be[0].eig(a_np), lambda: be[1].eig(a_cpp))


def test_native_replaces_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    assert "eig" not in CppBackend.host_primitives()
