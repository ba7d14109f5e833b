"""The C++ eigensolver and SVD (csrc/linalg/eigh.cpp, svd.cpp) against the NumPy backend's LAPACK (syevd,
gesdd): float32, float64, complex64 and complex128, batched, transposed and broadcast views, empty shapes.

Eigen- and singular vectors are determined only up to a sign (a phase for complex matrices), so the vectors
are checked by what defines them: A = V diag(w) V^H and A = U diag(S) Vh, orthonormal columns, and, for each
value well apart from the others, |v^H v_lapack| = 1; the eigensolver makes LAPACK's choices of sign and
phase (for the orders up to 25 at which syevd runs steqr), so there v^H v_lapack = 1.
The values themselves must equal LAPACK's to a few roundings of the matrix's norm."""
import numpy as np
import pytest

import mytorch._dtype as D

from cpp_compare import backend, be, skip_without_cpp  # noqa: F401 (fixtures)
from test_cpp_linalg import DTYPES, matrix_views, pair, random

pytestmark = skip_without_cpp


def tol(dt):
    return 3e-5 if dt in (D.float32, D.complex64) else 1e-12


def host(be, x):
    return np.asarray(be[1].to_host(x))


def mH(x):
    return x.conj().swapaxes(-1, -2)


def unitary(q, dt):
    """q's columns are orthonormal."""
    eye = np.broadcast_to(np.eye(q.shape[-1]), q.shape[:-2] + (q.shape[-1],) * 2)
    np.testing.assert_allclose(mH(q) @ q, eye, atol=tol(dt) * max(1, q.shape[-2]))


def same_directions(ref, got, values, dt, same_phase=False):
    """|got_i^H ref_i| = 1 for each column i whose value is apart from the others (its vector is determined up
    to a phase there): the gap is at least 1e-3 of the largest value. Columns shorter than their count
    (singular vectors of a non-square matrix) have zeros among the others: the singular values past min(m, n).
    With same_phase, got_i^H ref_i = 1: the same sign (phase) too."""
    values = np.asarray(values, np.float64).reshape(-1, values.shape[-1])
    ref, got = ref.reshape(-1, *ref.shape[-2:]), got.reshape(-1, *got.shape[-2:])
    for w, r, g in zip(values, ref, got):
        scale = max(np.abs(w).max(initial=0), 1e-300)
        others = np.append(w, [0.0] * (r.shape[0] > w.size))
        for i in range(w.size):
            gap = np.abs(np.delete(others, i) - w[i]).min(initial=np.inf)
            if gap > 1e-3 * scale:
                product = np.vdot(r[:, i], g[:, i])
                np.testing.assert_allclose(product if same_phase else abs(product), 1,
                                           atol=tol(dt) * (1 + 10 * scale / gap))


def hermitian(a, upper):
    """The Hermitian matrix eigh reads from a's upper (or lower) triangle: its diagonal's real part."""
    tri = np.triu(a, 1) if upper else np.tril(a, -1)
    diagonal = np.real(np.diagonal(a, 0, -2, -1))[..., None] * np.eye(a.shape[-1])
    return (tri + mH(tri) + diagonal).astype(a.dtype)


def views_of(shape):
    """matrix_views for a batch of matrices, the matrix itself otherwise."""
    return matrix_views() if len(shape) == 3 else [lambda be, v: v]


def check_eigh(be, a_np, a_cpp, upper, dt):
    (w_ref, v_ref), (w, v) = be[0].eigh(a_np, upper), be[1].eigh(a_cpp, upper)
    w_ref, v_ref, w, v = np.asarray(w_ref), np.asarray(v_ref), host(be, w), host(be, v)
    assert (w.shape, w.dtype, v.shape, v.dtype) == (w_ref.shape, w_ref.dtype, v_ref.shape, v_ref.dtype)
    if not w.size:
        return
    norm = np.abs(w_ref).max()
    np.testing.assert_allclose(w, w_ref, atol=tol(dt) * norm)
    assert np.all(np.diff(w, axis=-1) >= 0)
    unitary(v, dt)
    a = hermitian(np.asarray(be[0].to_host(a_np)), upper)
    np.testing.assert_allclose((v * w[..., None, :]) @ mH(v), a, atol=tol(dt) * norm * 4)
    same_directions(v_ref, v, w_ref, dt, same_phase=True)  # steqr's choices, which syevd makes up to order 25


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 5, 5), (2, 16, 16), (3, 1, 1), (0, 3, 3), (2, 0, 0)])
def test_eigh(be, dt, shape):
    x = random(shape, dt)
    for view in views_of(shape):
        a_np, a_cpp = pair(be, x, view)
        for upper in (False, True):
            check_eigh(be, a_np, a_cpp, upper, dt)


@pytest.mark.parametrize("dt", DTYPES)
def test_eigh_special_matrices(be, dt):
    """Repeated eigenvalues (zero, identity, a rank-one projector), a diagonal one, extreme scales."""
    n = 6
    u = random((n, 1), dt)
    big, small = (1e30, 1e-30) if dt in (D.float32, D.complex64) else (1e300, 1e-300)
    cases = [np.zeros((n, n)), np.eye(n), u @ mH(u), np.diag(np.arange(n, 0, -1.0)),
             hermitian(random((n, n), dt), False) * big, hermitian(random((n, n), dt), False) * small]
    x = np.stack([c.astype(random((1,), dt).dtype) for c in cases])
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    check_eigh(be, a_np, a_cpp, False, dt)


def test_non_finite_gives_nan(be):
    x = np.stack([np.eye(3), np.diag([1.0, np.nan, 2.0]), np.diag([1.0, np.inf, 2.0])])
    w, v = be[1].eigh(be[1].share_host(x), False)
    assert not np.isnan(host(be, w)[0]).any() and np.isnan(host(be, w)[1:]).all() and np.isnan(host(be, v)[1:]).all()
    _, s, _ = be[1].svd(be[1].share_host(x), False, True)
    assert not np.isnan(host(be, s)[0]).any() and np.isnan(host(be, s)[1:]).all()


def check_svd(be, a_np, a_cpp, dt):
    a = np.asarray(be[0].to_host(a_np))
    k = min(a.shape[-2:])
    for full in (False, True):
        (u_ref, s_ref, vh_ref), (u, s, vh) = be[0].svd(a_np, full, True), be[1].svd(a_cpp, full, True)
        u_ref, s_ref, vh_ref, u, s, vh = (np.asarray(x) for x in (u_ref, s_ref, vh_ref, be[1].to_host(u),
                                                                  be[1].to_host(s), be[1].to_host(vh)))
        assert [(x.shape, x.dtype) for x in (u, s, vh)] == [(x.shape, x.dtype) for x in (u_ref, s_ref, vh_ref)]
        if not a.size:
            continue
        norm = s_ref.max()
        np.testing.assert_allclose(s, s_ref, atol=tol(dt) * norm)
        assert np.all(np.diff(s, axis=-1) <= 0) and np.all(s >= 0)
        unitary(u, dt)
        unitary(mH(vh), dt)
        np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, atol=tol(dt) * max(norm, 1) * 4)
        same_directions(u_ref[..., :k], u[..., :k], s_ref, dt)
        same_directions(mH(vh_ref[..., :k, :]), mH(vh[..., :k, :]), s_ref, dt)
    none_u, s_only, none_vh = be[1].svd(a_cpp, False, False)
    assert none_u is None and none_vh is None
    # the values alone come from the QR sweeps, with vectors past order 25 from the divide and conquer (as LAPACK's
    # gesdd): equal to a few roundings
    np.testing.assert_allclose(host(be, s_only), s, atol=tol(dt) * max(s.max(initial=0), 1e-300))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 6, 4), (3, 4, 6), (2, 1, 5), (5, 1), (3, 16, 16), (0, 3, 3), (4, 0)])
def test_svd(be, dt, shape):
    x = random(shape, dt)
    for view in views_of(shape):
        a_np, a_cpp = pair(be, x, view)
        check_svd(be, a_np, a_cpp, dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5)])
def test_svd_rank_deficient(be, dt, shape):
    """Exactly zero singular values: their vectors (and, with full_matrices, those past min(m, n)) complete an
    orthonormal basis. Equal columns leave rounding noise that the rotations shrink to subnormal numbers: their
    vectors stay orthonormal too (a complex rotation's phase lost |phase| = 1 there: U^H U - I was 4e-4)."""
    m, n = shape
    u, v = random((m, 1), dt), random((1, n), dt)
    zero_column = random(shape, dt)
    zero_column[:, 1] = 0
    x = np.stack([np.zeros(shape, u.dtype), u @ v, zero_column, u @ np.ones((1, n), u.dtype)])
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    check_svd(be, a_np, a_cpp, dt)


def test_natives_replace_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    assert not {"eigh", "svd"} & set(CppBackend.host_primitives())


def with_singular_values(shape, values, dt):
    """A matrix Q_1 diag(values) Q_2^H with random orthonormal Q_1, Q_2 (complex ones for a complex dt)."""
    m, n = shape
    q1 = np.linalg.qr(random((m, m), dt).astype(np.complex128 if dt.is_complex else np.float64))[0]
    q2 = np.linalg.qr(random((n, n), dt).astype(q1.dtype))[0]
    k = min(m, n)
    return ((q1[:, :k] * values) @ mH(q2)[:k]).astype(random((1,), dt).dtype)


SPECTRA = {
    "graded": lambda k: 10.0 ** -np.linspace(0, 12, k),
    "clustered": lambda k: 1 + 1e-9 * np.arange(k),
    "repeated": lambda k: np.repeat([3.0, 1.0, 1e-3], -(-k // 3))[:k],
    "rank_deficient": lambda k: np.where(np.arange(k) < k // 2, 1.0 + np.arange(k), 0.0),
    "tiny": lambda k: 1e-290 * (1 + np.arange(k)),
    "huge": lambda k: 1e290 * (1 + np.arange(k)),
}


@pytest.mark.parametrize("dt", (D.float32, D.float64))
@pytest.mark.parametrize("shape", [(130, 150), (200, 70)])
@pytest.mark.parametrize("spectrum", sorted(SPECTRA))
def test_svd_past_a_block_of_reflectors(be, dt, shape, spectrum):
    """Orders of 128 and more, where real matrices' reflectors go to U and V a block of 32 at a time (compact WY,
    csrc/linalg/block_reflector.h), and a tall one's QR (here 200 x 70) a panel at a time, on prescribed spectra: graded
    down to 1e-12 (beside a random matrix), clustered within 1e-9, repeated, half zero, near the smallest and the
    largest normal numbers (float64 only, as are graded values past float32's precision). Complex matrices take the
    one-reflector-at-a-time path that test_svd covers (the GEMM is real)."""
    if spectrum in ("tiny", "huge") and dt is D.float32:
        pytest.skip("outside float32's range")
    values = SPECTRA[spectrum](min(shape))
    x = with_singular_values(shape, values, dt)
    x = np.stack([x, random(shape, dt)]) if spectrum == "graded" else x
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    check_svd(be, a_np, a_cpp, dt)


def bidiagonal(diagonal, superdiagonal):
    return np.diag(diagonal) + np.diag(superdiagonal, 1)


def dc_matrices(k):
    """Order-k inputs for the divide and conquer's deflations (csrc/linalg/bidiagonal_dc.h): a constant matrix,
    whose bidiagonal shrinks by eps^2 a row into the subnormals (which made the reflectors overflow to nan),
    repeated values on a diagonal (every z deflated or rotated away), a bidiagonal with zero and subnormal
    superdiagonal entries (splits and zero z), repeated singular values with a random basis, and a random one."""
    values = np.repeat([2.0, 1.0, 0.5], -(-k // 3))[:k]
    superdiagonal = np.where(np.arange(k - 1) % 7 == 3, 0.0, np.where(np.arange(k - 1) % 5 == 2, 1e-320, 0.5))
    return [np.ones((k, k)), np.diag(values), bidiagonal(np.linspace(1, 2, k), superdiagonal),
            with_singular_values((k, k), values, D.float64), random((k, k), D.float64)]


def test_svd_of_a_constant_matrix(be):
    """Its bidiagonalization leaves columns that shrink by eps^2 a step into the subnormals; the reflectors scale
    them up first (LAPACK's larfg), else 1 / (alpha - beta) overflowed and the SVD was nan."""
    x = np.ones((3, 24, 24))
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    check_svd(be, a_np, a_cpp, D.float64)


@pytest.mark.parametrize("k", [26, 27, 52, 77])
def test_svd_divide_and_conquer(be, k):
    """Past order 25 the bidiagonal's SVD is found by divide and conquer when the vectors are wanted: the halves
    at each level have one column more than rows but for the last (orders 26 and 27 split once, 52 and 77 twice,
    into leaves of both shapes)."""
    x = np.stack(dc_matrices(k))
    for view in (lambda _, v: v, lambda b, v: b.permute(v, (0, 2, 1))):
        a_np, a_cpp = pair(be, x, view)
        check_svd(be, a_np, a_cpp, D.float64)


@pytest.mark.parametrize("dt", (D.complex128, D.float32))
@pytest.mark.parametrize("shape", [(60, 30), (30, 45)])
def test_svd_divide_and_conquer_other_dtypes(be, dt, shape):
    x = np.stack([random(shape, dt), with_singular_values(shape, SPECTRA["repeated"](min(shape)), dt)])
    a_np, a_cpp = pair(be, x, lambda _, v: v)
    check_svd(be, a_np, a_cpp, dt)
