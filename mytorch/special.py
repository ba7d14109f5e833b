"""``torch.special``: PyTorch's special functions under their torch.special names.

The functions live in `mytorch.ops.special` (their math and derivatives there) and `mytorch.ops.polynomials`;
this namespace adds PyTorch's aliases: gammaln is lgamma, psi digamma, expit sigmoid, multigammaln mvlgamma,
gammainc igamma, modified_bessel_i0/i1 are i0/i1 (PyTorch computes them with other series; the values agree
to rounding). The Bessel functions carry derivatives here, where PyTorch has none; airy_ai has none, as in PyTorch.
"""
from __future__ import annotations

from .ops.activation import log_softmax, softmax
from .ops.out import SPECIAL_OUT, add_out_argument
from .ops.special import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, digamma, entr, erfc, erfcx, erfinv,
                          gammainc, gammaincc, i0, i0e, i1, i1e, log_ndtr, logit, modified_bessel_k0, modified_bessel_k1,
                          multigammaln, ndtr, ndtri, polygamma, scaled_modified_bessel_k0, scaled_modified_bessel_k1,
                          sinc, spherical_bessel_j0, xlog1py, xlogy, zeta)
from .ops.special import lgamma as gammaln
from .ops.polynomials import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
                              chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                              laguerre_polynomial_l, legendre_polynomial_p, shifted_chebyshev_polynomial_t,
                              shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                              shifted_chebyshev_polynomial_w)
from .ops.statistics import logsumexp
from .ops.unary import erf, exp2, expm1, log1p, round
from .ops.unary import sigmoid as expit

psi = digamma
modified_bessel_i0, modified_bessel_i1 = i0, i1

__all__ = ["bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py",
           "xlogy", "zeta", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "modified_bessel_i0",
           "modified_bessel_i1", "spherical_bessel_j0", "bessel_y0", "bessel_y1", "modified_bessel_k0",
           "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai"]

add_out_argument(globals(), SPECIAL_OUT)
