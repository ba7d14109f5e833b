"""torch.special's Bessel functions of the second kind (bessel_y0/y1, modified_bessel_k0/k1 and their scaled
forms) and airy_ai vs torch and mpmath: values over wide ranges and at the edges in float64 and float32,
integer and bool inputs, gradcheck of the derivatives (which PyTorch does not have), airy_ai's refusal."""
import math

import mpmath
import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck

EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-300, -1e-300, 1e-10, 1e300, -1.0, -2.5, 1.0, 2.0, 4.0, 25.0]
SECOND_KIND = {"bessel_y0": mpmath.bessely, "bessel_y1": mpmath.bessely, "modified_bessel_k0": mpmath.besselk,
               "modified_bessel_k1": mpmath.besselk,
               "scaled_modified_bessel_k0": lambda v, x: mpmath.besselk(v, x) * mpmath.exp(x),
               "scaled_modified_bessel_k1": lambda v, x: mpmath.besselk(v, x) * mpmath.exp(x)}
# torch's own float64 kernels stray from the exact values by up to 9e-7 (Y between 4 and 9, Ai near -2.1)
TORCH_ATOL = 1e-6


def _values(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (getattr(mytorch.special, name)(mytorch.tensor(x)).numpy(),
            getattr(torch.special, name)(torch.from_numpy(x)).numpy())


@pytest.mark.parametrize("name", sorted(SECOND_KIND))
def test_second_kind_matches_torch_and_mpmath(name):
    x = np.concatenate([np.linspace(0.0, 60.0, 1201), np.geomspace(1e-8, 1e4, 200), EDGES])
    for dt in (np.float64, np.float32):
        ours, ref = _values(name, x.astype(dt))
        assert ours.dtype == ref.dtype
        np.testing.assert_allclose(ours, ref, rtol=1e-6 if dt is np.float64 else 1e-5,
                                   atol=TORCH_ATOL if dt is np.float64 else 1e-5, equal_nan=True)
    v = int(name[-1])
    for z in (1e-5, 0.3, 1.9999, 2.0001, 3.9999, 4.0001, 5.01, 7.3, 13.0, 24.99, 25.01, 80.0, 700.0):
        exact = float(SECOND_KIND[name](v, z))
        got = getattr(mytorch.special, name)(mytorch.tensor([z], dtype=mytorch.float64)).item()
        scale = max(1.0, abs(exact)) if name.startswith("bessel") else abs(exact)
        assert abs(got - exact) <= 2e-15 * scale, (z, got, exact)


def test_airy_ai_matches_torch_and_mpmath():
    x = np.concatenate([np.linspace(-40.0, 40.0, 1601), [-1e4, -10.0001, -10.0, -9.9999, 1.0, 1.0001, 103.0,
                                                           105.0, 1e10, math.inf, -math.inf, math.nan, 0.0, -0.0]])
    for dt in (np.float64, np.float32):
        # torch's float32 kernel takes zeta = 2/3 |x|^(3/2) in float32: at x = -1e4 its phase is 0.02 rad off
        ours, ref = _values("airy_ai", x.astype(dt) if dt is np.float64 else x[x > -1e4].astype(dt))
        assert ours.dtype == ref.dtype
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=TORCH_ATOL * 3 if dt is np.float64 else 1e-5,
                                   equal_nan=True)
    for z in (-600.0, -30.3, -10.2, -9.9, -4.7, -2.1, -0.26, 0.0, 0.7, 1.3, 6.0, 30.0, 100.0):
        exact = float(mpmath.airyai(z))
        got = mytorch.special.airy_ai(mytorch.tensor([z], dtype=mytorch.float64)).item()
        # zeta = 2/3 |x|^(3/2) carries its own rounding, a few zeta * 2^-53, into the phase (x < 0) or into
        # e^-zeta (x > 0)
        scale = abs(exact) if z > 0 else max(abs(exact), 1.0)
        assert abs(got - exact) <= scale * (1e-14 + 4 * 2.0 ** -53 * abs(z) ** 1.5), (z, got, exact)


@pytest.mark.parametrize("name", sorted(SECOND_KIND) + ["airy_ai"])
def test_integer_and_bool_inputs(name):
    check(lambda T, k: getattr(T.special, name)(k), np.array([-3, 0, 1, 2, 7, 30]), grad=False, atol=1e-6)
    check(lambda T, b: getattr(T.special, name)(b), np.array([True, False]), grad=False, atol=1e-6)


def test_derivatives_gradcheck():
    x = np.linspace(0.3, 40.0, 6)
    for name in SECOND_KIND:
        fn = getattr(mytorch.special, name)
        gradcheck(lambda T, x: fn(x), x)
        assert mytorch.autograd.gradgradcheck(fn, [mytorch.tensor(x[:3], requires_grad=True)])


def test_airy_ai_is_not_differentiable():
    x = mytorch.tensor([0.5], dtype=mytorch.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="special_airy_ai: x"):
        mytorch.special.airy_ai(x).sum().backward()
