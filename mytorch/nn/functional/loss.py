"""Functional losses with PyTorch's signatures, argument checks and errors.

Every loss reduces its per-element values with ``reduction``: "none" keeps them, "sum" adds them,
"mean" averages them (cross-entropy and NLL with class weights divide by the total weight of the
counted targets instead). The legacy ``size_average`` / ``reduce`` flags map to a reduction as in
PyTorch. The kernels of cross-entropy, NLL and binary cross-entropy are in `mytorch.ops.loss`; the
other losses are short compositions of tensor ops.
"""
from __future__ import annotations

import math
import warnings

from ... import _dtype as D
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...ops._util import broadcast_shapes
from ...ops.binary import where
from ...ops.loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy, SoftCrossEntropy
from ...ops._autocast import FP32, autocast_policy
from ...ops._opmath import opmath

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
           "gaussian_nll_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The reduction the deprecated flags stand for (each defaults to True), with PyTorch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=3)
    return reduction


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def _not_implemented_for_integers(kernel: str, *tensors: Tensor) -> None:
    for t in tensors:
        if not t.dtype.is_floating_point:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{t.dtype.scalar_name}\'')


def _no_grad_arg(op: str, name: str, t: Tensor | None) -> None:
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument '{name}'. "
                           "This input cannot have requires_grad True.")


# ---- regression losses on the difference d = input - target -----------------------------------

def _pointwise(loss_of, input: Tensor, target: Tensor, reduction: str, weight: Tensor | None,
               weighted_mean: bool, kernel: str | None) -> Tensor:
    """Reduce loss_of(input - target), broadcast as PyTorch does (warning when the sizes differ).

    With `weight` (of the input's size) the per-element losses are multiplied by it; "mean" then
    divides by the sum of the weights when `weighted_mean`, else by the number of elements
    (PyTorch's huber_loss).
    """
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)
    if kernel is not None:
        _not_implemented_for_integers(kernel, input, target)
    loss = loss_of(input - target)
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and weighted_mean:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


@autocast_policy(FP32)
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Squared error: l = (x - y)^2;  dl/dx = 2 (x - y)."""
    reduction = _reduction(size_average, reduce, reduction)
    return _pointwise(lambda d: d * d, input, target, reduction, weight, True, "mse_cpu")


@autocast_policy(FP32)
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Absolute error: l = |x - y|;  dl/dx = sign(x - y)."""
    reduction = _reduction(size_average, reduce, reduction)
    return _pointwise(lambda d: d.abs(), input, target, reduction, weight, True, None)


def _huber(d: Tensor, delta: float) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): quadratic near 0, linear beyond;
    the derivative d, clipped to [-delta, delta], is continuous at |d| = delta."""
    a = d.abs()
    return where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta)


@autocast_policy(FP32)
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """l = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta  (= huber(d, beta) / beta; the L1 loss
    for beta = 0);  dl/dd = d / beta clipped to [-1, 1]."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    loss_of = (lambda d: d.abs()) if beta == 0 else (lambda d: _huber(d, beta) / beta)
    return _pointwise(loss_of, input, target, reduction, None, True, "smooth_l1_cpu")


@autocast_policy(FP32)
@opmath  # float16 in float32, rounded once, as PyTorch's kernel computes it (bit for bit on random values)
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """l = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta);  dl/dd = d clipped to [-delta, delta]."""
    _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise(lambda d: _huber(d, delta), input, target, reduction, weight, False, "huber_cpu")


# ---- classification over C classes ------------------------------------------------------------

def _check_input_and_weight(input: Tensor, weight: Tensor | None, kernel: str, weight_prefix: str = "") -> None:
    """PyTorch's checks of the input (N, C, d1, ...) or (C,) and of the class weights (C,)."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    _not_implemented_for_integers(kernel, input)
    if weight is not None:
        classes = input.shape[1 if input.ndim > 1 else 0]
        if weight.ndim != 1 or weight.shape[0] != classes:
            raise RuntimeError(f"{weight_prefix}weight tensor should be defined either for all {classes} classes or "
                               f"no classes but got weight tensor of shape: {list(weight.shape)}")


def _class_index_target(input: Tensor, target: Tensor, weight: Tensor | None, kernel: str) -> Tensor:
    """Validate class indices of shape (N,), (N, d1, ...) or () and the weights against the input; returns
    the target (a 1-element target of a 1-D input is read as the one sample's class, as PyTorch does)."""
    _check_input_and_weight(input, weight, kernel)
    if target.dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.scalar_name}")
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim == 1:
            if target.shape[0] != 1:
                raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
            target = target.reshape(())
    else:
        if target.ndim == 0 or input.shape[0] != target.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0] if target.ndim else 0}).")
        if input.ndim == 2 and target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    # the weight is a constant of the input's dtype here (PyTorch differentiates it for probabilities only)
    _no_grad_arg("nll_loss_forward", "weight", weight)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found {weight.dtype.scalar_name}")
    return target


@autocast_policy(FP32)
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices t under log-probabilities x (N, C, d1, ...):
    l_i = -w_{t_i} x_{i, t_i} (0 where t_i = ignore_index); "mean" divides by sum_i w_{t_i}.
    dl_i/dx_ic = -w_{t_i} [c = t_i]."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _class_index_target(input, target, weight, "nll_loss_out_frame")
    return CrossEntropy.apply(input, target, weight, ignore_index, 0.0, reduction, False)


@autocast_policy(FP32)
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    r"""Cross-entropy between the softmax of logits x (N, C, d1, ...) or (C,) and the target: class indices
    (N, d1, ...) or class probabilities of x's shape. With label smoothing e the target distribution is
    mixed with the uniform one: (1 - e) target + e / C. Numerically stable (log-softmax with the max
    subtracted). Math and derivative: `mytorch.ops.loss.CrossEntropy`.

    For sample n with probabilities \(p_{n} = \mathrm{softmax}(x_{n})\), target distribution \(q_{n}\)
    (one-hot for a class index \(y_n\)), smoothing \(\varepsilon\) and class weights \(w\), the smoothed
    target \(s_n\), the loss and its derivative are

    \[ s_{n} = (1 - \varepsilon)\, q_{n} + \frac{\varepsilon}{C}, \qquad
       \ell_n = -\sum_{c=1}^{C} w_c\, s_{n,c} \log p_{n,c}, \]

    \[ \frac{\partial \ell_n}{\partial x_{n,j}} = p_{n,j} \sum_{c=1}^{C} w_c\, s_{n,c} - w_j\, s_{n,j}. \]

    ``reduction="mean"`` divides \(\sum_n \ell_n\) by \(\sum_n w_{y_n}\) for class indices (ignored
    targets excluded) and by N for probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    smoothing = max(float(label_smoothing), 0.0)  # PyTorch ignores a negative smoothing
    if input.shape == target.shape:  # class probabilities
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                               f"{target.dtype.scalar_name}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_input_and_weight(input, weight, "log_softmax_lastdim_kernel_impl", "cross_entropy: ")
        return SoftCrossEntropy.apply(input, target, weight, smoothing, reduction)
    target = _class_index_target(input, target, weight, "log_softmax_lastdim_kernel_impl")
    return CrossEntropy.apply(input, target, weight, ignore_index, smoothing, reduction, True)


# ---- binary classification ---------------------------------------------------------------------

def _weighted(loss: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    """Reduce w * loss; the weight takes the loss's dtype (it never promotes the result)."""
    return _reduce(loss * weight.to(loss.dtype) if weight is not None else loss, reduction)


@autocast_policy(FP32)
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """l = -w (y log x + (1 - y) log(1 - x)) for probabilities x in [0, 1], each log clamped at -100.
    Math and derivative: `mytorch.ops.loss.BinaryCrossEntropy`."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    _not_implemented_for_integers("binary_cross_entropy", input)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected {input.dtype.scalar_name}")
    _check_weight_shape(weight, input)
    _no_grad_arg("binary_cross_entropy", "weight", weight)
    if input.numel() and ((input < 0) | (input > 1)).any().item():
        raise RuntimeError("all elements of input should be between 0 and 1")
    return _weighted(BinaryCrossEntropy.apply(input, target), weight, reduction)


def _check_weight_shape(weight: Tensor | None, input: Tensor) -> None:
    """The weight must broadcast to the input's shape without growing it."""
    if weight is not None:
        shape = list(input.shape)
        grown = list(broadcast_shapes(weight.shape, input.shape, op="binary_cross_entropy"))
        if grown != shape:
            raise RuntimeError(f"output with shape {shape} doesn't match the broadcast shape {grown}")


@autocast_policy(FP32)
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """l = -w (pw y log s(x) + (1 - y) log(1 - s(x))) with s = sigmoid, computed without overflow from
    the logits x; pos_weight pw (broadcast over the last, class dim) weighs the positive term.
    Math and derivative: `mytorch.ops.loss.BinaryCrossEntropyWithLogits`."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _not_implemented_for_integers("log_sigmoid_cpu", input)
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {input.dtype.scalar_name} can't be cast to the desired output type "
                           f"{target.dtype.scalar_name}")
    _no_grad_arg("binary_cross_entropy_with_logits", "weight", weight)
    _no_grad_arg("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    _check_weight_shape(weight, input)
    _check_weight_shape(pos_weight, input)
    if pos_weight is not None:
        pos_weight = pos_weight.to(D.promote_types(input.dtype, target.dtype))
    return _weighted(BinaryCrossEntropyWithLogits.apply(input, target, pos_weight), weight, reduction)


# ---- distributions -------------------------------------------------------------------------------

@autocast_policy(FP32)
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of the target distribution from log-probabilities x:
    l = y (log y - x) (0 where y = 0), or e^y (y - x) when the target is given as log y (`log_target`);
    dl/dx = -y,  dl/dy = log y + 1 - x (NaN at y = 0, as PyTorch's)  (e^y (y - x + 1) with log_target).
    "batchmean" divides the sum by the batch size (the KL divergence's definition); "mean" divides by
    the number of elements."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    elif reduction not in ("batchmean",) + _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # y log y is 0 at y = 0 (its limit) and NaN below; its derivative log y + 1 is NaN at y = 0 (0 * log 0
        # in the branch `where` leaves out), as PyTorch's xlogy gives it
        loss = where(target == 0, 0.0, target * target.log()) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


@autocast_policy(FP32)
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of counts y under a Poisson distribution of rate r, without the constant log y!:
    l = r - y log r, with r = e^x given the log-rate x (log_input: l = e^x - y x), else r = x (l = x - y log(x + eps)).
    full adds Stirling's approximation of log y!, y log y - y + log(2 pi y) / 2, where y > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


@autocast_policy(FP32)
def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of y under a normal distribution of mean x and variance v, without the constant
    (unless full): l = (log v + (x - y)^2 / v) / 2 (+ log(2 pi) / 2), with v clamped below at eps (the clamp
    passes the gradient unchanged). v may have the input's shape, or one dim of size 1 (or the last one
    missing): one variance shared along it."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif (var < 0).any().item():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(v for n, v in zip(input.shape, var.shape) if n != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():  # clamped values, the identity's gradient
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
