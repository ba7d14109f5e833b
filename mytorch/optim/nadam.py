"""optim.NAdam (Dozat, 2016): Adam with Nesterov momentum, the momentum coefficient warming up over steps.

With g = (-grad if maximize else grad) (+ weight_decay * param, or param *= 1 - lr * weight_decay when
decoupled, as in AdamW), at step t:
    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))             (the momentum schedule)
    P_t = mu_1 * ... * mu_t                                           (mu_product)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    denom = sqrt(v / (1 - beta2^t)) + eps
    param = param - lr * (1 - mu_t) / (1 - P_t) * g / denom
                  - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / denom
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import zeros_like
from .optimizer import (Optimizer, ParamsT, _check_hyperparameters, _scalar, _use_grad_for_differentiable,
                        _weight_decay)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_hyperparameters(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize, "foreach": foreach, "capturable": capturable,
                                  "differentiable": differentiable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = _scalar(group["lr"]), group["betas"], group["eps"]
            weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["mu_product"] = self._new_step(1.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                t = self._advance(state)
                grad = _weight_decay(p, grad, lr, weight_decay, group["decoupled_weight_decay"])
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                mu_product = state["mu_product"].mul_(mu)  # kept in the step counter's dtype, as PyTorch
                if not group["differentiable"]:  # PyTorch's differentiable step rounds the factors below to it
                    mu_product = mu_product.item()
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = exp_avg_sq.div(1 - beta2 ** t).sqrt().add(eps)  # out of place: sqrt keeps its output
                p.addcdiv_(grad, denom, value=_scalar(-lr * (1.0 - mu) / (1.0 - mu_product)))
                p.addcdiv_(exp_avg, denom, value=_scalar(-lr * mu_next / (1.0 - mu_product * mu_next)))
        return loss
