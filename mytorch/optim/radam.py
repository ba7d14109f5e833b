"""optim.RAdam (Liu et al., 2019): Adam whose adaptive step is switched on, and scaled, only once the
variance of the adaptive learning rate is tractable.

With g = (-grad if maximize else grad) (+ weight_decay * param, or param *= 1 - lr * weight_decay when
decoupled), at step t:
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    m_hat = m / (1 - beta1^t)
    if rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                   param = param - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
    else:          param = param - lr * m_hat                 (plain momentum while the variance is unbounded)
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import zeros_like
from .optimizer import (Optimizer, ParamsT, _check_hyperparameters, _scalar, _use_grad_for_differentiable,
                        _weight_decay)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_hyperparameters(lr, eps, betas, weight_decay)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "foreach": foreach, "capturable": capturable,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "differentiable": differentiable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, weight_decay = _scalar(group["lr"]), group["betas"], group["eps"], \
                group["weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                t = self._advance(state)
                grad = _weight_decay(p, grad, lr, weight_decay, group["decoupled_weight_decay"])
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction2 = 1 - beta2 ** t
                m_hat = exp_avg / (1 - beta1 ** t)
                rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive_lr = bias_correction2 ** 0.5 / exp_avg_sq.sqrt().add(eps)  # sqrt keeps its output
                    p.sub_(m_hat * lr * adaptive_lr * rect)
                else:
                    p.sub_(m_hat * lr)
        return loss
