"""The C++ Bunch-Kaufman factorization and solve (csrc/linalg/ldl.cpp) against the NumPy backend's
(mytorch/backends/_np_ldl.py, LAPACK's sytf2 / hetf2 and sytrs / hetrs): the same pivots and info, LD and the
solutions to rounding, for symmetric, complex-symmetric and Hermitian matrices of the four dtypes, batched,
transposed and broadcast views, empty shapes, 1x1 and 2x2 pivots with and without interchanges, singular D."""
import numpy as np
import pytest

import mytorch._dtype as D

from cpp_compare import backend, be, skip_without_cpp  # noqa: F401 (fixtures)
from test_cpp_linalg import DTYPES, close, matrix_views, pair, random

pytestmark = skip_without_cpp


def symmetric(shape, dt, hermitian):
    x = random(shape, dt)
    return x + (x.conj() if hermitian else x).swapaxes(-1, -2)


def check_ldl(be, host, dt, hermitian, views=(lambda be, v: v,)):
    for view in views:
        a_np, a_cpp = pair(be, host, view)
        (ld, piv, info), (ld_c, piv_c, info_c) = be[0].ldl_factor(a_np, hermitian), be[1].ldl_factor(a_cpp, hermitian)
        np.testing.assert_array_equal(np.asarray(be[1].to_host(piv_c)), np.asarray(piv))
        np.testing.assert_array_equal(np.asarray(be[1].to_host(info_c)), np.asarray(info))
        assert np.asarray(be[1].to_host(piv_c)).dtype == np.int32
        close(be, ld, ld_c, dt)
        rhs = random(host.shape[:-1] + (3,), dt)
        b_np, b_cpp = pair(be, rhs, lambda be, v: v)
        if np.asarray(info).any():
            continue  # a singular D: the solution is inf/nan, as LAPACK's
        close(be, be[0].ldl_solve(ld, piv, b_np, hermitian), be[1].ldl_solve(ld_c, piv_c, b_cpp, hermitian), dt)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("shape", [(5, 5), (3, 6, 6), (2, 1, 1), (0, 3, 3), (2, 0, 0)])
def test_ldl(be, dt, hermitian, shape):
    views = matrix_views() if len(shape) == 3 else (lambda be, v: v,)
    check_ldl(be, symmetric(shape, dt, hermitian), dt, hermitian, views)


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("hermitian", [False, True])
def test_ldl_pivoting(be, dt, hermitian):
    """A zero diagonal (2x2 pivots), a dominant off-diagonal entry (interchanges), a diagonal one (no pivoting),
    a zero matrix and a singular one (info), an indefinite one with a 2x2 block at the end."""
    n = 6
    x = symmetric((n, n), dt, hermitian)
    zero_diagonal = x - np.diag(np.diagonal(x))
    dominant = x.copy()
    dominant[4, 1] = dominant[1, 4] = 40
    singular = np.zeros_like(x)
    singular[:3, :3] = x[:3, :3]
    tail = np.eye(n, dtype=x.dtype)
    tail[4:, 4:] = [[0, 1], [1, 0]]
    cases = [zero_diagonal, dominant, np.diag(np.arange(1.0, n + 1)).astype(x.dtype), np.zeros_like(x), singular, tail]
    check_ldl(be, np.stack(cases), dt, hermitian)


def test_natives_replace_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    assert not {"ldl_factor", "ldl_solve"} & set(CppBackend.host_primitives())
