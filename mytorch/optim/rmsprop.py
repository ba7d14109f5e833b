"""optim.RMSprop (Hinton): divide the gradient by a running root mean square of recent gradients.

With g = (-grad if maximize else grad) + weight_decay * param, each step:
    s = alpha * s + (1 - alpha) * g^2
    a = alpha * a + (1 - alpha) * g;  avg = sqrt(s - a^2) + eps       (centered)
    avg = sqrt(s) + eps                                               (otherwise)
    b = momentum * b + g / avg;  param = param - lr * b               (momentum > 0)
    param = param - lr * g / avg                                      (otherwise)
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..ops.fused_optim import fused_update
from .optimizer import Optimizer, ParamsT, _check_capturable, _check_fused_kernel_options

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: the gradient divided by a running RMS of recent gradients. The update rule is in this module's
    docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        """``foreach`` is accepted for PyTorch's signature: the step is one fused kernel per parameter;
        ``capturable=True`` is refused at the step, as PyTorch refuses it on the CPU."""
        _check_fused_kernel_options("RMSprop", differentiable)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        super().__init__(params, {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                                  "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable})

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]
            hyper = {"lr": group["lr"], "alpha": group["alpha"], "eps": group["eps"], "momentum": momentum,
                     "weight_decay": group["weight_decay"], "maximize": group["maximize"]}
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = self._dense_grad(p)
                _check_capturable(group, p)
                state = self.state[p]
                if not state:
                    state["step"] = self._new_step()
                    state["square_avg"] = zeros_like(p)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_like(p)
                    if centered:
                        state["grad_avg"] = zeros_like(p)
                self._advance(state)
                fused_update("rmsprop_update", p, grad, state["square_avg"], state["grad_avg"] if centered else None,
                             state["momentum_buffer"] if momentum > 0 else None, **hyper)
        return loss
