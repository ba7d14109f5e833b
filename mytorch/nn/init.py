"""nn.init: in-place initialisers with PyTorch's fan/gain conventions.

Every function fills its tensor in place under no_grad (so it works on
Parameters that require grad) and returns it; random ones take
``generator=`` like their PyTorch namesakes.

Fans. For a weight of shape (out, in, *kernel) the receptive field is
r = prod(kernel) (1 for a Linear weight), fan_in = in * r and
fan_out = out * r. The variance-preserving schemes pick the standard
deviation from them:

- Xavier/Glorot: std = gain * sqrt(2 / (fan_in + fan_out));
- Kaiming/He:    std = gain / sqrt(fan), fan = fan_in or fan_out (`mode`);

and the uniform variants draw from U(-sqrt(3) std, sqrt(3) std), which has
that standard deviation.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import empty_like, eye
from ..ops.binary import where
from ..ops.joining import triu
from ..ops.linalg import outer
from ..ops.random import Generator, randperm

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance stable through `nonlinearity`:
    1 for linear/conv/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for
    leaky_relu (slope = `param`, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) = (shape[1] * r, shape[0] * r), r = prod(shape[2:])."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ---- plain fills ----------------------------------------------------------------------------------------------

def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with samples of U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill `tensor` with `val` in place (outside autograd) and return it."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill `tensor` with 1 in place (outside autograd) and return it."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill `tensor` with 0 in place (outside autograd) and return it."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (ones on the main diagonal), preserving a Linear's inputs."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        return tensor.copy_(eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3/4/5-D conv weight with the Dirac delta: output channel d of each group copies input
    channel d at the kernel's centre (a convolution that preserves its input)."""
    if tensor.dim() not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels, in_channels = tensor.shape[:2]
    if out_channels % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    centre = tuple(k // 2 for k in tensor.shape[2:])
    with no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(per_group, in_channels)):
                tensor[(g * per_group + d, d) + centre] = 1
    return tensor


# ---- variance-preserving schemes ------------------------------------------------------------------------------

def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float | None:
    """gain / sqrt(fan), or None (after PyTorch's warning) for a tensor with no elements."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """U(-b, b) with b = sqrt(3) * gain / sqrt(fan) (He et al., 2015); `a` is leaky_relu's slope."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return tensor if std is None else normal_(tensor, 0.0, std, generator)


# ---- truncated normal -----------------------------------------------------------------------------------------

def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Samples of N(mean, std^2) restricted to [a, b], drawn as PyTorch draws them (same seed, same tensor).

    With p = Phi(beta) - Phi(alpha) the mass inside, alpha = (a - mean)/std, beta = (b - mean)/std:
    - p > 0.3: normal samples; while any falls outside [a, b], a whole new normal tensor is drawn and
      its values replace the ones outside;
    - otherwise rejection from U(a, b): a candidate x is kept when log v <= log pdf(x) - log pdf(mode),
      v ~ U(0, 1), mode the point of [a, b] nearest the mean; the rejected ones get new candidates
      (a whole new uniform tensor of candidates and of v each round)."""
    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    def log_pdf(x: Tensor) -> Tensor:  # up to the constant log pdf(mode), in PyTorch's order of operations
        return ((x - mean) / std).pow(2) * -0.5 - log_peak

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    with no_grad():
        if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
            lo, hi = (tensor.new_tensor(v).item() for v in (a, b))  # the bounds as the dtype holds them
            result = tensor.normal_(mean, std, generator=generator)
            while bool(((result < lo) | (result > hi)).any()):
                outside = (result < lo) | (result > hi)
                result = where(outside, empty_like(result).normal_(mean, std, generator=generator), result)
            return tensor if result is tensor else tensor.copy_(result)
        log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
        result = tensor.uniform_(a, b, generator=generator).clone()
        pending = empty_like(tensor).uniform_(generator=generator).log() > log_pdf(result)
        while bool(pending.any()):
            candidates = empty_like(tensor).uniform_(a, b, generator=generator)
            result = where(pending, candidates, result)
            v = empty_like(tensor).uniform_(generator=generator)
            pending = where(pending, v.log() > log_pdf(candidates), pending)
        return tensor.copy_(result)


# ---- orthogonal and sparse ------------------------------------------------------------------------------------

def _householder_qr(a: Tensor) -> tuple[Tensor, Tensor]:
    """Reduced QR of a tall matrix (rows m >= cols n) by Householder reflections.

    Step k reflects column k below the diagonal, x, onto alpha e_1 with H = I - 2 v v^T,
    v = (x - alpha e_1) / |x - alpha e_1| and alpha = -sign(x_0) |x| (the sign that avoids
    cancellation, as LAPACK). R = H_n ... H_1 A is upper triangular and Q = H_1 ... H_n I[:, :n].
    """
    m, n = a.shape
    r = a.clone()
    reflectors = []
    for k in range(n):
        x = r[k:, k]
        norm = x.norm().item()
        alpha = -norm if x[0].item() >= 0 else norm
        v = x.clone()
        v[0] -= alpha
        v_norm = v.norm().item()
        if v_norm == 0:  # the column is already zero below the diagonal
            reflectors.append(None)
            continue
        v = v / v_norm
        r[k:, k:] -= 2 * outer(v, v @ r[k:, k:])
        reflectors.append(v)
    q = eye(m, n, dtype=a.dtype)
    for k in reversed(range(n)):
        v = reflectors[k]
        if v is not None:
            q[k:, :] -= 2 * outer(v, v @ q[k:, :])
    return q, triu(r[:n])


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (Saxe et al., 2013) times `gain`: the QR factor Q of a
    Gaussian matrix, with column signs fixed so R's diagonal is positive (which makes Q uniformly
    distributed). Dims after the first are flattened; the result has orthonormal rows or columns."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        gaussian = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)
        tall = gaussian.t() if rows < cols else gaussian
        q, r = _householder_qr(tall.double())
        q = q * r.diagonal().sign()
        if rows < cols:
            q = q.t()
        tensor.view_as(q).copy_(q)
        return tensor.mul_(gain)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """Fill a 2-D tensor with N(0, std^2) and zero ceil(sparsity * rows) random entries per column
    (Martens, 2010)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = int(math.ceil(sparsity * rows))
    with no_grad():
        tensor.normal_(0, std, generator=generator)
        for col in range(cols):
            tensor[randperm(rows, generator=generator)[:num_zeros], col] = 0
    return tensor


def _layer_default_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and convolutions: kaiming_uniform(a=sqrt(5)) on the weight, which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)


class _Skip:
    """While active (inside `nn.utils.skip_init`), every initialiser leaves its tensor as it is."""

    active = False


def _skippable(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    @functools.wraps(fn)
    def init(tensor: Tensor, *args, **kwargs) -> Tensor:
        return tensor if _Skip.active else fn(tensor, *args, **kwargs)
    return init


for _name in __all__[1:]:  # every initialiser (calculate_gain computes, it doesn't fill)
    globals()[_name] = _skippable(globals()[_name])


def _deprecated(new: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The name without the trailing underscore, from before PyTorch marked in-place functions with one."""
    old = new.__name__[:-1]

    def init(*args, **kwargs) -> Tensor:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning,
                      stacklevel=2)
        return new(*args, **kwargs)
    init.__name__ = init.__qualname__ = old
    init.__doc__ = f"Deprecated: `{new.__name__}`."
    return init


for _name in ("uniform_", "normal_", "constant_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
              "kaiming_normal_", "orthogonal_", "sparse_", "dirac_"):
    globals()[_name[:-1]] = _deprecated(globals()[_name])
