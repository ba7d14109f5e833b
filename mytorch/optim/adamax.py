"""optim.Adamax (Kingma & Ba, section 7.1): Adam with the infinity norm in place of the second moment.

With g = (-grad if maximize else grad) + weight_decay * param, at step t:
    m = beta1 * m + (1 - beta1) * g                    (exp_avg, as lerp(m, g, 1 - beta1))
    u = max(beta2 * u, |g| + eps)                      (exp_inf)
    param = param - lr / (1 - beta1^t) * m / u
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import zeros_like
from .optimizer import (Optimizer, ParamsT, _check_hyperparameters, _scalar, _use_grad_for_differentiable,
                        _weight_decay)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_hyperparameters(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, weight_decay = _scalar(group["lr"]), group["betas"], group["eps"], \
                group["weight_decay"]
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_inf"] = zeros_like(p)
                t = self._advance(state)
                grad = _weight_decay(p, grad, lr, weight_decay)
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_inf.copy_(exp_inf.mul(beta2).maximum(grad.abs().add_(eps)))  # out of place: differentiable
                p.addcdiv_(exp_avg, exp_inf, value=-lr / (1 - beta1 ** t))
        return loss
