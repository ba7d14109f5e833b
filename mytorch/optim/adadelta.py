"""optim.Adadelta (Zeiler, 2012): steps sized by the ratio of running RMS of past updates to that of
gradients, so the units of the update match the parameter's and lr (default 1) is only a multiplier.

With g = (-grad if maximize else grad) + weight_decay * param:
    v = rho * v + (1 - rho) * g^2                       (square_avg)
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta^2                   (acc_delta)
    param = param - lr * delta
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import zeros_like
from .optimizer import Optimizer, ParamsT, _use_grad_for_differentiable

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: steps sized by the ratio of the running RMS of updates to that of gradients. The update rule is in
    this module's docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by
        parameter; ``capturable=True`` is refused at the step, as PyTorch refuses it on the CPU."""
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "capturable": capturable, "foreach": foreach,
                                  "differentiable": differentiable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps, weight_decay = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["square_avg"] = zeros_like(p)
                    state["acc_delta"] = zeros_like(p)
                self._advance(state)
                if weight_decay:
                    grad = grad + weight_decay * p
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
                acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.sub_(lr * delta)
        return loss
