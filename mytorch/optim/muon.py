"""optim.Muon (Jordan et al., 2024): momentum SGD for matrices whose update is orthogonalised, every singular
value of the momentum pushed towards 1, so that no direction dominates the step.

With g = grad of a 2-D parameter (m x n):
    b = momentum * b + (1 - momentum) * g                           (momentum_buffer)
    u = g + momentum * (b - g)  (nesterov)  or  b
    O = NewtonSchulz(u)                                             (~ U V^T for u = U S V^T)
    param = param * (1 - lr * weight_decay) - lr_adj * O
lr_adj = lr * sqrt(max(1, m / n)) (adjust_lr_fn None or "original"), lr * 0.2 sqrt(max(m, n))
("match_rms_adamw", the RMS of AdamW's updates), or lr.

NewtonSchulz, in bfloat16 as PyTorch computes it, on the wide orientation X (transposed when m > n):
    X = X / max(|X|_F, eps);  ns_steps times:  A = X X^T;  B = b A + c A A;  X = a X + B X
with (a, b, c) = ns_coefficients: a quintic polynomial p(s) = a s + b s^3 + c s^5 applied to the
singular values, whose large slope at 0 lifts small singular values fast.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import tensor, zeros_like
from .optimizer import Optimizer, ParamsT, _scalar

__all__ = ["Muon"]


def _addmm(input: Tensor, mat1: Tensor, mat2: Tensor, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * input + alpha * mat1 @ mat2 for bfloat16 operands, rounded as PyTorch's CPU addmm rounds them:
    the coefficients in float32, the bfloat16 products exact, one rounding to float32 of the fused
    multiply-add and then one to bfloat16. Float64 holds the exact products and short sums (here a few terms),
    so computing there and rounding twice reproduces it; three bfloat16 ops would round three times."""
    beta, alpha = (tensor(v, dtype=D.float32).item() for v in (beta, alpha))
    exact = input.double() * beta + (mat1.double() @ mat2.double()) * alpha
    return exact.float().to(input.dtype)


def _zeropower_via_newtonschulz(grad: Tensor, ns_coefficients: tuple[float, float, float], ns_steps: int,
                                eps: float) -> Tensor:
    """The orthogonalisation of the module docstring, in bfloat16."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if len(grad.shape) != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = ns_coefficients
    tall = grad.shape[0] > grad.shape[1]
    x = grad.to(D.bfloat16)
    if tall:
        x = x.t()
    x = x.div(x.float().norm().to(D.bfloat16).clamp(min=eps))  # the norm summed in float32, as PyTorch's
    for _ in range(ns_steps):
        gram = x @ x.t()
        x = _addmm(x, _addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.t() if tall else x


def _adjust_lr(lr: float | Tensor, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float | Tensor:
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """Muon: momentum SGD for matrices with the update orthogonalised by Newton-Schulz iterations. The update rule is
    in this module's docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
                 eps: float = 1e-7, ns_steps: int = 5, adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _scalar(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                                  "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                                  "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn})
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            # a tensor lr stays a tensor in the scalar arithmetic below, so the factors are rounded to its dtype
            # as PyTorch's are
            lr, momentum = group["lr"], group["momentum"]
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if grad.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = zeros_like(grad)
                buf = state["momentum_buffer"]
                buf.lerp_(grad, 1 - momentum)
                update = grad.lerp(buf, momentum) if group["nesterov"] else buf
                update = _zeropower_via_newtonschulz(update, group["ns_coefficients"], group["ns_steps"],
                                                     group["eps"])
                p.mul_(_scalar(1 - lr * group["weight_decay"]))
                # the bfloat16 update joins the parameter in its dtype before scaling, as PyTorch's add_ does
                p.add_(update.to(p.dtype), alpha=-_scalar(_adjust_lr(lr, group["adjust_lr_fn"], tuple(p.shape))))
        return loss
