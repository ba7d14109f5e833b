"""torch.special's orthogonal polynomials vs torch: a grid of x (the endpoints +-1, 0 and 1/2 included) against
degrees -1 .. 14 (the recurrences and, past their thresholds, the Chebyshev closed forms), float and
integer operands, scalars for either argument; the modified Bessel aliases and spherical_bessel_j0."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import check

NAMES = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
         "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
         "legendre_polynomial_p"]

X = np.array([-1.5, -1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0, 1.3, 2.5]).reshape(-1, 1)
N = np.arange(-1, 15).reshape(1, -1)


@pytest.mark.parametrize("name", NAMES)
def test_against_torch(name):
    check(lambda T, x, n: getattr(T.special, name)(x, n), X, N.astype(np.float64), grad=False, rtol=1e-9,
          atol=1e-9)
    check(lambda T, x, n: getattr(T.special, name)(x.float(), n), X, N, grad=False, rtol=2e-5, atol=1e-4)
    check(lambda T, x, n: getattr(T.special, name)(x, n), np.arange(-3, 4).reshape(-1, 1), N, grad=False)
    check(lambda T, x: getattr(T.special, name)(x, 5), X, grad=False, rtol=1e-9)
    check(lambda T, n: getattr(T.special, name)(0.25, n), N.astype(np.float64) + 0.6, grad=False, rtol=1e-9)


def test_hermite_degree_limit():
    x = mytorch.tensor([0.5], dtype=mytorch.float32)
    assert mytorch.special.hermite_polynomial_h(x, 129).isnan().all()
    assert not mytorch.special.hermite_polynomial_he(x.double(), 129).isnan().any()
    assert torch.special.hermite_polynomial_h(torch.tensor([0.5]), 129).isnan().all()


def test_bessel_aliases_and_spherical_j0():
    x = np.array([-30.0, -4.2, -0.5, 0.0, 1e-8, 0.3, 2.0, 9.5, 40.0])
    for name in ("modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0"):
        check(lambda T, x: getattr(T.special, name)(x), x, grad=False, rtol=1e-12)
        check(lambda T, i: getattr(T.special, name)(i), np.arange(-3, 4), grad=False, rtol=1e-6)
