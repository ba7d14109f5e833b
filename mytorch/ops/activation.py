"""Activation functions as fused ops: one graph node each, with the derivative beside the forward.

A pointwise activation y = f(x; params) is one `Function` whose forward runs f
and whose backward is ``df(g, t, *params)``, where ``t`` is the tensor the
derivative reads (the input x, or the output y where that is cheaper) and g is
dL/dy. Both are written in tensor ops, so the backward is itself differentiable.

Softmax, log-softmax and GELU run the backend's fused primitives (`Backend.softmax` & co., which
state their math); their backward is the backward primitive, or its composite on Tensors under
create_graph (see `_tensor_backend`).
"""
from __future__ import annotations

from typing import Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._opmath import opmath
from ._tensor_backend import fused
from ._util import conj
from .binary import where
from .inplace import inplace

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _pointwise(name: str, f: Callable, df: Callable, saves: str, doc: str) -> type[Function]:
    """The Function of y = f(x, *params) with dL/dx = df(g, t, *params), t = x or y as `saves` says."""
    def forward(ctx, x, *params):
        y = f(x, *params)
        ctx.params = params
        ctx.save_for_backward(x if saves == "x" else y)
        return y

    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return (df(g, t, *ctx.params),) + (None,) * len(ctx.params)

    return type(name, (Function,), {"__doc__": doc, "_grad_name": name + "Backward0",
                                    "forward": staticmethod(forward), "backward": staticmethod(backward)})


def _softplus(x: Tensor, beta: float, threshold: float) -> Tensor:
    # beta * x is clamped so the discarded branch of `where` never overflows (inf * 0 would poison gradients)
    z = x * beta
    return where(z > threshold, x, z.clamp_max(threshold).exp().log1p() / beta)


def _elu(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    negative = (x.clamp_max(0) * input_scale).expm1() * (alpha * scale)  # clamped: no overflow where unused
    return where(x > 0, x * scale, negative)


def _elu_grad(g: Tensor, x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    return where(x > 0, g * scale, g * (x.clamp_max(0) * input_scale).exp() * (alpha * scale * input_scale))


def _mish_grad(g: Tensor, x: Tensor) -> Tensor:
    t = _softplus(x, 1.0, 20.0).tanh()
    return g * (t + x * x.sigmoid() * (1 - t * t))


Relu = _pointwise(
    "Relu", lambda x: x.clamp_min(0), lambda g, y: where(y <= 0, 0.0, g), "y",
    "y = max(x, 0);  dy/dx = 0 where y <= 0, else 1 (a NaN passes its gradient, as in PyTorch).")
Hardtanh = _pointwise(
    "Hardtanh", lambda x, lo, hi: x.clamp(lo, hi), lambda g, x, lo, hi: where((x > lo) & (x < hi), g, 0.0), "x",
    "y = min(max(x, lo), hi);  dy/dx = 1 where lo < x < hi, else 0 (0 at a NaN, as PyTorch's vectorised kernel;\n"
    "its scalar tail passes a NaN's gradient).")
LeakyRelu = _pointwise(
    "LeakyRelu", lambda x, s: where(x > 0, x, x * s), lambda g, x, s: where(x > 0, g, g * s), "x",
    "y = x where x > 0, else s x;  dy/dx = 1 where x > 0, else s.")
Elu = _pointwise(
    "Elu", _elu, _elu_grad, "x",
    "y = scale x where x > 0, else scale alpha (e^(input_scale x) - 1);\n"
    "dy/dx = scale where x > 0, else scale alpha input_scale e^(input_scale x).")
Celu = _pointwise(
    "Celu", lambda x, alpha: _elu(x, alpha, 1.0, 1.0 / alpha),
    lambda g, x, alpha: _elu_grad(g, x, alpha, 1.0, 1.0 / alpha), "x",
    "y = x where x > 0, else alpha (e^(x / alpha) - 1);  dy/dx = 1 where x > 0, else e^(x / alpha).")
Gelu = _pointwise(
    "Gelu", lambda x, approximate: fused("gelu", x, approximate),
    lambda g, x, approximate: fused("gelu_backward", g, x, approximate), "x",
    "y = x Phi(x) (approximate='none') or its tanh form; the formulas and derivatives are those of\n"
    "`Backend.gelu` and `Backend.gelu_backward`, which this runs.")
Silu = _pointwise(
    "Silu", lambda x: x / (1 + (-x).exp()), lambda g, x: g * conj(x.sigmoid() * (1 + x * (1 - x.sigmoid()))), "x",
    "y = x sigmoid(x), computed as x / (1 + e^-x) as PyTorch does;\n"
    "dy/dx = sigmoid(x) (1 + x (1 - sigmoid(x))) (conjugated for complex x).")
Mish = _pointwise(
    "Mish", lambda x: x * _softplus(x, 1.0, 20.0).tanh(), _mish_grad, "x",
    "y = x tanh(softplus(x));  dy/dx = tanh(sp) + x sigmoid(x) (1 - tanh^2(sp)), sp = softplus(x).")
Softplus = _pointwise(
    "Softplus", _softplus, lambda g, x, beta, th: where(x * beta > th, g, g * (x * beta).sigmoid()), "x",
    "y = log(1 + e^(beta x)) / beta (y = x where beta x > threshold);  dy/dx = sigmoid(beta x) (1 there).")


def _floating(x: Tensor, kernel: str, complex_ok: bool = False) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{kernel}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not (x.dtype.is_floating_point or complex_ok and x.dtype.is_complex):
        raise NotImplementedError(f'"{kernel}" not implemented for \'{x.dtype.scalar_name}\' (a floating point '
                                  f"input is required, got {x.dtype})")


def relu(input: Tensor) -> Tensor:
    """max(input, 0);  the gradient is 1 where the output is positive, else 0."""
    if not isinstance(input, Tensor):
        raise TypeError(f"relu(): argument 'input' must be Tensor, not {type(input).__name__}")
    return Relu.apply(input)


def relu_(input: Tensor) -> Tensor:
    """In-place relu."""
    return inplace(input, relu, name="relu_")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """Clamp to [min_val, max_val];  the gradient is 1 strictly inside, 0 elsewhere (as PyTorch)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if not input.dtype.is_floating_point:  # integer inputs keep their dtype (relu6 of an int tensor is int)
        min_val, max_val = int(min_val), int(max_val)
    return Hardtanh.apply(input, min_val, max_val)


@opmath
def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    _floating(input, "leaky_relu_cpu")
    return LeakyRelu.apply(input, negative_slope)


@opmath
def elu(input: Tensor, alpha: float = 1.0, scale: float = 1.0, input_scale: float = 1.0) -> Tensor:
    """ELU and its scaled forms (SELU, CELU) in one op, as PyTorch's elu kernel."""
    _floating(input, "elu_cpu")
    return Elu.apply(input, alpha, scale, input_scale)


def selu(input: Tensor) -> Tensor:
    """scale * elu(x, alpha) with the self-normalizing constants of Klambauer et al."""
    return elu(input, _SELU_ALPHA, _SELU_SCALE)


@opmath
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu(): alpha must be nonzero")
    _floating(input, "elu_cpu")
    return Celu.apply(input, alpha)


@opmath
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got {approximate!r})")
    _floating(input, "GeluKernelImpl")
    return Gelu.apply(input, approximate)


@opmath
def silu(input: Tensor) -> Tensor:
    _floating(input, "silu_cpu", complex_ok=True)  # holomorphic: PyTorch's silu takes complex inputs
    return Silu.apply(input)


@opmath
def mish(input: Tensor) -> Tensor:
    _floating(input, "mish_cpu")
    return Mish.apply(input)


@opmath
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    _floating(input, "softplus_cpu")
    return Softplus.apply(input, beta, threshold)


# ---- softmax -----------------------------------------------------------------------------------------

class Softmax(Function):
    """softmax(x) (``log=False``) or log_softmax(x) along dim. The forward formulas are those of
    `Backend.softmax` / `Backend.log_softmax`, the derivatives those of `Backend.softmax_backward` /
    `Backend.log_softmax_backward`, which these run (the device kernels, or their composites on Tensors
    under create_graph).

    ``safe`` is PyTorch's ``_safe_softmax``: a line whose entries are all -inf, where softmax is 0/0 = NaN,
    gives 0 instead. The backward reads y, so y (g - sum(g y)) is 0 on such a line too."""

    _grad_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, log, safe=False):
        kernel = "log_softmax" if log else "softmax"
        y = fused(kernel, x, dim)
        if safe:
            y = where((x == float("-inf")).all(dim, keepdim=True), y.new_zeros(()), y)
        ctx._name = "SafeSoftmaxBackward0" if safe else "LogSoftmaxBackward0" if log else "SoftmaxBackward0"
        ctx.meta = (kernel + "_backward", dim)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        kernel, dim = ctx.meta
        return fused(kernel, y, g, dim), None, None, None


def _softmax_input(input: Tensor, dim: int, dtype: D.dtype | None, name: str) -> tuple[Tensor, int]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = input._wrap_dim(dim, name)
    if dtype is not None:
        input = input.to(dtype)
    _floating(input, f"{name}_lastdim_kernel_impl")
    return input, d


@opmath
def _softmax(input: Tensor, dim: int, dtype: D.dtype | None, log: bool, safe: bool = False) -> Tensor:
    x, d = _softmax_input(input, dim, dtype, "log_softmax" if log else "softmax")
    if x.ndim == 0:  # the kernels normalize along a real axis
        return Softmax.apply(x.reshape(1), 0, log, safe).reshape(())
    return Softmax.apply(x, d, log, safe)


def softmax(input: Tensor, dim: int, dtype: D.dtype | None = None) -> Tensor:
    """e^x / sum e^x along dim (computed in `dtype` when given), stable for any logits."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input: Tensor, dim: int, dtype: D.dtype | None = None) -> Tensor:
    """x - logsumexp(x) along dim (computed in `dtype` when given), stable for any logits."""
    return _softmax(input, dim, dtype, True)


def _safe_softmax(input: Tensor, dim: int, dtype: D.dtype | None = None) -> Tensor:
    """softmax along dim, with 0 (not NaN) on lines whose entries are all -inf (PyTorch's attention masks
    that hide a whole row)."""
    return _softmax(input, dim, dtype, False, safe=True)


__all__ = ["relu", "relu_", "selu", "celu", "softmax", "log_softmax", "_safe_softmax"]
METHODS = {"relu": relu, "relu_": relu_, "softmax": softmax, "log_softmax": log_softmax}
