"""Functional activations, softmax and dropout (PyTorch's signatures, over the fused ops in mytorch.ops)."""
from __future__ import annotations

import warnings
from typing import Callable

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops import activation as A
from ...ops import piecewise as P
from ...ops.inplace import inplace as _inplace
from ...ops.piecewise import hardshrink, prelu
from ...ops.rrelu import rrelu as _rrelu
from ...ops.rrelu import rrelu_
from ...ops.unary import sigmoid, tanh

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu",
           "mish", "sigmoid", "tanh", "softplus", "logsigmoid", "hardtanh", "hardtanh_", "softmax", "log_softmax",
           "softmin", "hardsigmoid", "hardswish", "hardshrink", "softshrink", "threshold",
           "threshold_", "prelu", "softsign", "tanhshrink", "glu", "rrelu", "rrelu_", "celu_", "selu_",
           "gumbel_softmax"]


def _maybe_inplace(fn: Callable[..., Tensor], input: Tensor, inplace: bool, name: str, *args) -> Tensor:
    """fn(input, *args), written into input's storage when inplace (PyTorch's in-place rules apply)."""
    if inplace:
        return _inplace(input, lambda x: fn(x, *args), name=name + "_")
    return fn(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _maybe_inplace(A.relu, input, inplace, "relu")


def relu_(input: Tensor) -> Tensor:
    """In-place relu: x = max(x, 0);  dx = dy where x > 0, else 0."""
    return relu(input, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) (a hardtanh on [0, 6], as PyTorch)."""
    return _maybe_inplace(A.hardtanh, input, inplace, "hardtanh", 0.0, 6.0)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """min(max(x, min_val), max_val)."""
    return _maybe_inplace(A.hardtanh, input, inplace, "hardtanh", min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place hardtanh: x = clamp(x, min_val, max_val);  dx = dy inside the range, else 0."""
    return hardtanh(input, min_val, max_val, inplace=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x."""
    return _maybe_inplace(A.leaky_relu, input, inplace, "leaky_relu", negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place leaky_relu: x = x if x > 0 else negative_slope * x;  dx = dy or negative_slope * dy."""
    return leaky_relu(input, negative_slope, inplace=True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha (e^x - 1)."""
    return _maybe_inplace(A.elu, input, inplace, "elu", alpha)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place elu: x = x if x > 0 else alpha (e^x - 1);  dx = dy, or dy * (y + alpha) where x <= 0."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha), alpha = 1.6733, scale = 1.0507."""
    return _maybe_inplace(A.selu, input, inplace, "selu")


def selu_(input: Tensor) -> Tensor:
    """In-place selu: x = scale * elu(x, alpha)."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))."""
    return _maybe_inplace(A.celu, input, inplace, "celu", alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place celu: x = max(0, x) + min(0, alpha (e^(x/alpha) - 1))."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF (approximate='tanh': its tanh approximation)."""
    return A.gelu(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x)."""
    return _maybe_inplace(A.silu, input, inplace, "silu")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    return _maybe_inplace(A.mish, input, inplace, "mish")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold."""
    return A.softplus(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""
    return -A.softplus(-input, 1.0, 20.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x + 3, 0), 6) / 6."""
    return _maybe_inplace(P.hardsigmoid, input, inplace, "hardsigmoid")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x min(max(x + 3, 0), 6) / 6."""
    return _maybe_inplace(P.hardswish, input, inplace, "hardswish")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 for |x| <= lambd, else x - sign(x) lambd."""
    return P.softshrink(input, lambd)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    return _maybe_inplace(P.threshold, input, inplace, "threshold", threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place threshold: x = x if x > threshold else value;  dx = dy where x > threshold, else 0."""
    return P.threshold_(input, threshold, value)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2 (autograd derives it from the composition)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x);  d/dx = tanh(x)^2."""
    return input - input.tanh()


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a sigmoid(b), where a and b are the two halves of input along dim;
    dL/da = G sigmoid(b), dL/db = G a sigmoid(b) (1 - sigmoid(b))."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = input._wrap_dim(dim, "glu")
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: D.dtype | None = None) -> Tensor:
    """e^x / sum e^x along dim (dim=None: PyTorch's deprecated implicit choice, with its warning)."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return A.softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: D.dtype | None = None) -> Tensor:
    """softmax(-x) along dim; with dtype, x is negated in its own dtype first (unsigned integers wrap), as PyTorch's
    (-input).softmax(dim, dtype=dtype)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return A.softmax(-input if dtype is None else (-input).to(dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: D.dtype | None = None) -> Tensor:
    """x - logsumexp(x) along dim."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return A.log_softmax(input, dim, dtype)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: x where x > 0, else r x with r ~ U(lower, upper) per element while training
    (dL/dx = g r there) and r = (lower + upper) / 2 otherwise."""
    if inplace:
        return rrelu_(input, lower, upper, training)
    return _rrelu(input, lower, upper, training)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax (concrete) distribution: y = softmax((logits + g) / tau) along dim with
    g = -log(e), e ~ Exponential(1) (Gumbel noise, drawn as PyTorch draws it); dL/dlogits is softmax's.
    hard=True returns the one-hot of y's argmax in the forward pass with y's gradient (straight-through:
    y_hard - y.detach() + y). `eps` is unused, as in PyTorch."""
    gumbels = -logits.new_empty(tuple(logits.shape)).exponential_().log()
    y_soft = A.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = logits.new_zeros(tuple(logits.shape)).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
