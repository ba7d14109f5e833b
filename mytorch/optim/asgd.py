"""optim.ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992), with the step-size schedule
of Bottou's SGD: SGD on the parameters while ``ax`` keeps their running average from step t0 on.

With g = (-grad if maximize else grad) + weight_decay * param, at step t (eta starts at lr, mu at 1):
    param = param * (1 - lambd * eta) - eta * g
    ax = param  if mu == 1,  else  ax + mu * (param - ax)
    eta = lr / (1 + lambd * lr * t)^alpha;   mu = 1 / max(1, t - t0)
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import zeros_like
from .optimizer import (Optimizer, ParamsT, _check_hyperparameters, _scalar, _use_grad_for_differentiable,
                        _weight_decay)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_hyperparameters(lr, weight_decay=weight_decay)
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                                  "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = _scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["eta"] = self._new_step(lr)
                    state["mu"] = self._new_step(1.0)
                    state["ax"] = zeros_like(p)
                t = self._advance(state)
                grad = _weight_decay(p, grad, lr, group["weight_decay"])
                eta, mu, ax = state["eta"].item(), state["mu"], state["ax"]
                p.mul_(1 - lambd * eta).add_(grad, alpha=-eta)
                if mu.item() != 1:
                    ax.add_(p.sub(ax).mul_(mu))
                else:
                    ax.copy_(p)
                # through a default-dtype scalar, as PyTorch: the rounding stays the same after a load has cast
                # eta and mu to the parameter's dtype
                state["eta"].copy_(self._new_step(lr / (1 + lambd * lr * t) ** alpha))
                mu.copy_(self._new_step(1 / max(1, t - t0)))
        return loss
