"""The special functions of ``torch.special`` and their top-level aliases (``torch.lgamma``, ``torch.erfinv``,
``torch.polygamma``, ...).

The elementwise functions are backend primitives (`backends.base.SPECIAL_UNARY_OPS`), made into
differentiable ops by unary.py's machinery: each line of `_DEFS` is one op and its derivative
``dx = derivative(g, x, y)`` (y = f(x), g = dL/dy), written in tensor ops so that it is differentiable
again. The others are composed from them, each with its math in its docstring.
"""
from __future__ import annotations

import math
from typing import Callable, NoReturn

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._opmath import opmath
from ._util import float_dtype, operands
from .unary import _make_op

_2_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _with_limit_at_zero(derivative: Callable) -> Callable:
    """The derivatives of I1, e^-|x| I1 and J1 hold a y/x term; below the dtype's eps they take their limit
    1/2 at x = 0 instead (as PyTorch does), and x = 1 stands in there so that the masked branch stays finite."""
    def masked(g, x, y):
        tiny = x.abs() <= D.finfo(x.dtype).eps
        return g * derivative(x.masked_fill(tiny, 1.0), y).masked_fill(tiny, 0.5)
    return masked


_i1_derivative = _with_limit_at_zero(lambda x, y: i0(x) - y / x)  # noqa: F821 (defined from _DEFS)
_i1e_derivative = _with_limit_at_zero(lambda x, y: i0e(x) - y * (x.sign() + 1 / x))  # noqa: F821
_j1_derivative = _with_limit_at_zero(lambda x, y: bessel_j0(x) - y / x)  # noqa: F821


def _airy_ai_derivative(g, x, y) -> NoReturn:
    _no_derivative("special_airy_ai", "x")


# name: (float result for integer input, needs x, needs y, derivative, math), as unary._DEFS. erfinv's and i0e's
# derivatives recompute y from x: a half-precision backward gets x in float32 but y rounded to half, whose error
# e^(y^2) (erfinv) or the cancellation in i1e(x) - y (i0e) magnifies
_DEFS: dict[str, tuple[bool, bool, bool, Callable, str]] = {
    "erfc": (True, True, False, lambda g, x, y: g * (-x * x).exp() * -_2_SQRT_PI,
             "y = erfc(x) = 1 - erf(x); dy/dx = -2/sqrt(pi) e^(-x^2)"),
    "erfcx": (True, True, True, lambda g, x, y: g * (2 * x * y - _2_SQRT_PI),
              "y = e^(x^2) erfc(x); dy/dx = 2x y - 2/sqrt(pi)"),
    "erfinv": (True, True, False, lambda g, x, y: g * erfinv(x).square().exp() * (math.sqrt(math.pi) / 2),  # noqa: F821
               "y = erf^-1(x); dy/dx = 1 / erf'(y) = sqrt(pi)/2 e^(y^2)"),
    "ndtri": (True, False, True, lambda g, x, y: g * (y * y * 0.5).exp() * _SQRT_2PI,
              "y = Phi^-1(x), Phi the standard normal CDF; dy/dx = 1 / Phi'(y) = sqrt(2 pi) e^(y^2/2)"),
    "log_ndtr": (True, True, True, lambda g, x, y: g * (x * x * -0.5 - y).exp() / _SQRT_2PI,
                 "y = ln Phi(x); dy/dx = Phi'(x) / Phi(x) = e^(-x^2/2 - y) / sqrt(2 pi)"),
    "lgamma": (True, True, False, lambda g, x, y: g * digamma(x), "y = ln |Gamma(x)|; dy/dx = psi(x)"),
    "digamma": (True, True, False, lambda g, x, y: g * polygamma(1, x),
                "y = psi(x) = d/dx ln Gamma(x); dy/dx = psi'(x) = polygamma(1, x)"),
    "i0": (True, True, False, lambda g, x, y: g * i1(x), "y = I0(x), the modified Bessel function; dy/dx = I1(x)"),
    "i0e": (True, True, False, lambda g, x, y: g * (i1e(x) - x.sign() * i0e(x)),  # noqa: F821
            "y = e^-|x| I0(x); dy/dx = e^-|x| I1(x) - sign(x) y"),
    "i1": (True, True, True, _i1_derivative, "y = I1(x); dy/dx = I0(x) - y/x (1/2 at x = 0)"),
    "i1e": (True, True, True, _i1e_derivative,
            "y = e^-|x| I1(x); dy/dx = e^-|x| I0(x) - y (sign(x) + 1/x) (1/2 at x = 0)"),
    "bessel_j0": (True, True, False, lambda g, x, y: -g * bessel_j1(x),
                  "y = J0(x), the Bessel function of the first kind; dy/dx = -J1(x)"),
    "bessel_j1": (True, True, True, _j1_derivative, "y = J1(x); dy/dx = J0(x) - y/x (1/2 at x = 0)"),
    "bessel_y0": (True, True, False, lambda g, x, y: -g * bessel_y1(x),
                  "y = Y0(x), the Bessel function of the second kind (x > 0); dy/dx = -Y1(x)"),
    "bessel_y1": (True, True, True, lambda g, x, y: g * (bessel_y0(x) - y / x), "y = Y1(x); dy/dx = Y0(x) - y/x"),
    "modified_bessel_k0": (True, True, False, lambda g, x, y: -g * modified_bessel_k1(x),
                           "y = K0(x), the modified Bessel function of the second kind (x > 0); dy/dx = -K1(x)"),
    "modified_bessel_k1": (True, True, True, lambda g, x, y: -g * (modified_bessel_k0(x) + y / x),
                           "y = K1(x); dy/dx = -K0(x) - y/x"),
    "scaled_modified_bessel_k0": (True, True, True, lambda g, x, y: g * (y - scaled_modified_bessel_k1(x)),
                                  "y = e^x K0(x); dy/dx = y - e^x K1(x)"),
    "scaled_modified_bessel_k1": (True, True, True,
                                  lambda g, x, y: g * (y * (1 - 1 / x) - scaled_modified_bessel_k0(x)),
                                  "y = e^x K1(x); dy/dx = y (1 - 1/x) - e^x K0(x)"),
    "airy_ai": (True, False, False, _airy_ai_derivative,
                "y = Ai(x), the Airy function, the solution of y'' = x y that decays as x -> inf "
                "(not differentiable, as in PyTorch)"),
}

_OPS = {name: _make_op(name, *spec, module=__name__) for name, spec in _DEFS.items()}
globals().update({name: op for name, (_, op) in _OPS.items()})


def _float_operands(a, b, name: str):
    """Both operands as arrays of their promoted dtype, integers promoted to the default float."""
    dt = D.result_type(a, b)
    return operands(a, b, name, dt if dt.is_floating_point else float_dtype(dt))


def _no_derivative(name: str, argument: str) -> NoReturn:
    raise NotImplementedError(f"the derivative for '{name}: {argument}' is not implemented.")


def _binary_function(name: str, math_doc: str, forward: Callable, backward: Callable) -> Callable:
    """The public op ``name(input, other)`` on a Function made of forward and backward."""
    cls = type(name.capitalize(), (Function,), {
        "__doc__": math_doc, "_grad_name": name.capitalize() + "Backward0",
        "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def op(input, other) -> Tensor:
        return cls.apply(input, other)

    op.__name__ = name
    op.__doc__ = math_doc
    return op


def _binary_special(name: str, derivative: Callable | None, math_doc: str):
    """A differentiable op on the binary primitive `name`: PyTorch differentiates these in their second
    argument only (`derivative(g, a, x)`); a gradient asked of the first raises, as in PyTorch."""

    def forward(ctx, a, x):
        ad, xd, be, _ = _float_operands(a, x, name)
        ctx.save_for_backward(a if isinstance(a, Tensor) else None, x if isinstance(x, Tensor) else None)
        ctx.a = a
        return Tensor._make(getattr(be, name)(ad, xd), be)

    def backward(ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            _no_derivative(name, "input")
        if derivative is None:
            _no_derivative(name, "other")
        return None, derivative(g, a if a is not None else ctx.a, x)

    return _binary_function(name, math_doc, forward, backward)


def _igamma_density(g, a, x):
    return g * ((a - 1) * x.log() - x - lgamma(a if isinstance(a, Tensor) else x.new_full((), a))).exp()


zeta = _binary_special("zeta", None, "Hurwitz zeta(x, q) = sum_{k>=0} (q + k)^-x (not differentiable, as in PyTorch).")
igamma = _binary_special(
    "igamma", _igamma_density,
    "P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt, the regularized lower incomplete gamma function; "
    "dP/dx = x^(a-1) e^-x / Gamma(a) (d/da is not implemented, as in PyTorch).")
igammac = _binary_special(
    "igammac", lambda g, a, x: -_igamma_density(g, a, x),
    "Q(a, x) = 1 - P(a, x), the regularized upper incomplete gamma function; dQ/dx = -x^(a-1) e^-x / Gamma(a).")
gammainc, gammaincc = igamma, igammac


class Polygamma(Function):
    """y = psi^(n)(x), the n-th derivative of digamma;  dy/dx = psi^(n+1)(x).

    n = 0: digamma. n = 1: zeta(2, x), and for x < 1/2 the reflection psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x)
    (so negative x work). n >= 2: psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)."""

    _grad_name = "PolygammaBackward0"

    @staticmethod
    def forward(ctx, n: int, x: Tensor) -> Tensor:
        ctx.n = n
        ctx.save_for_backward(x)
        if not x.dtype.is_floating_point:
            x = x.to(float_dtype(x.dtype))
        if n == 0:
            return digamma(x)
        if n == 1:
            reflected = (math.pi ** 2) / (x * math.pi).sin() ** 2 - zeta(2.0, 1 - x)
            return zeta(2.0, x).where(x >= 0.5, reflected)
        return zeta(float(n + 1), x) * ((-1) ** (n + 1) * math.factorial(n))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return None, g * polygamma(ctx.n + 1, x)


def polygamma(n: int, input: Tensor) -> Tensor:
    """psi^(n)(x), the n-th derivative of the digamma function (see `Polygamma`)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Polygamma.apply(n, input)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension p:
    ln Gamma_p(x) = p (p - 1)/4 ln pi + sum_{i=0}^{p-1} lgamma(x - i/2);
    d/dx = sum_i psi(x - i/2) (by autograd through lgamma). Like PyTorch's, no domain check: x <= (p-1)/2
    meets a pole of lgamma (inf) or its real part."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input if input.dtype.is_floating_point else input.to(float_dtype(input.dtype))
    offsets = x.new_tensor([-0.5 * i for i in range(p)])
    return lgamma(x.unsqueeze(-1) + offsets).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


multigammaln = mvlgamma


def _xlog_family(name: str, shift: float):
    """x ln(y + shift): 0 where x = 0 (unless y is nan), with PyTorch's derivatives
    d/dx = ln(y + shift) (0 where x = 0 and y + shift <= 0), d/dy = x / (y + shift)."""

    def log(y: Tensor) -> Tensor:
        return y.log1p() if shift else y.log()

    def forward(ctx, x, y):
        xd, yd, be, dt = _float_operands(x, y, name)
        xt = Tensor._make(xd if isinstance(x, Tensor) else be.full((), x, dt), be)
        yt = Tensor._make(yd if isinstance(y, Tensor) else be.full((), y, dt), be)
        ctx.save_for_backward(xt, yt)
        return (xt * log(yt)).masked_fill((xt == 0) & ~yt.isnan(), 0.0)

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = (g * log(y)).masked_fill(g == 0, 0.0).masked_fill((x == 0) & (y + shift <= 0), 0.0)
        if ctx.needs_input_grad[1]:
            gy = g * x / (y + shift)
        return gx, gy

    y_ = "y + 1" if shift else "y"
    return _binary_function(name, f"out = x ln({y_}), 0 where x = 0; d/dx = ln({y_}), d/dy = x / ({y_}).",
                            forward, backward)


xlogy = _xlog_family("xlogy", 0.0)
xlog1py = _xlog_family("xlog1py", 1.0)


class Entr(Function):
    """Elementwise entropy y = -x ln x for x > 0, 0 at x = 0, -inf for x < 0;  dy/dx = -(1 + ln x)."""

    _grad_name = "SpecialEntrBackward0"

    @staticmethod
    def forward(ctx, x):
        if not x.dtype.is_floating_point:
            x = x.to(float_dtype(x.dtype))
        ctx.save_for_backward(x)
        out = (-x * x.log()).masked_fill(x == 0, 0.0).masked_fill(x < 0, -math.inf)
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * -(1 + x.log())


def entr(input: Tensor) -> Tensor:
    return Entr.apply(input)


@opmath
def sinc(input: Tensor) -> Tensor:
    """sinc(x) = sin(pi x) / (pi x), 1 at x = 0;
    d/dx = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0 (autograd through the quotient, which
    is evaluated at a stand-in x = 1 where x = 0 so that its masked-out derivative stays finite)."""
    x = input if input.dtype.is_floating_point or input.dtype.is_complex else input.to(float_dtype(input.dtype))
    zero = x == 0
    px = x.masked_fill(zero, 1.0) * math.pi
    return (px.sin() / px).masked_fill(zero, 1.0)


@opmath
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """logit(x) = ln(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given;
    d/dx = 1 / (z (1 - z)) inside the clamp, 0 outside (through clamp's derivative)."""
    x = input if input.dtype.is_floating_point else input.to(float_dtype(input.dtype))
    z = x if eps is None else x.clamp(eps, 1 - eps)
    return (z / (1 - z)).log()


@opmath
def ndtr(input: Tensor) -> Tensor:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2, the standard normal CDF (the erfc form keeps
    the left tail's relative accuracy); dPhi/dx = e^(-x^2/2) / sqrt(2 pi), by autograd through erfc."""
    return erfc(input * -math.sqrt(0.5)) * 0.5  # noqa: F821 (defined from _DEFS)


def spherical_bessel_j0(input: Tensor) -> Tensor:
    """j0(x) = sin(x) / x, the spherical Bessel function of the first kind of order 0 (1 at x = 0);
    dj0/dx = (x cos x - sin x) / x^2, by autograd through the quotient."""
    x = input if input.dtype.is_floating_point else input.to(float_dtype(input.dtype))
    zero = x == 0
    return (x.sin() / x.masked_fill(zero, 1.0)).masked_fill(zero, 1.0)


__all__ = ["erfc", "erfinv", "lgamma", "digamma", "i0", "polygamma", "mvlgamma", "xlogy", "sinc", "logit",
           "igamma", "igammac"]


def _tensor_polygamma(self: Tensor, n: int) -> Tensor:
    """Tensor.polygamma(n): the n-th derivative of the digamma function at self, polygamma(n, self);  d/dself =
    polygamma(n + 1, self).
    """
    return polygamma(n, self)


METHODS = {name: globals()[name] for name in __all__ if name != "polygamma"}
METHODS["polygamma"] = _tensor_polygamma
