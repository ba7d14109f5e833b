"""optim.Rprop (Riedmiller & Braun, 1993): resilient backpropagation. Each coordinate keeps its own step
size, grown while the gradient keeps its sign and shrunk when the sign flips; only the sign of the
gradient moves the parameter.

With g = (-grad if maximize else grad) and s the product g * g_prev of this and the last used gradient:
    step_size = clamp(step_size * (etaplus if s > 0, etaminus if s < 0, 1 if s == 0), *step_sizes)
    g = 0 where s < 0                    (after a sign flip, wait one step: no move, no sign memory)
    param = param - sign(g) * step_size;   g_prev = g
step_size starts at lr.
"""
from __future__ import annotations

from typing import Any, Callable

from ..ops.creation import full_like, zeros_like
from .optimizer import Optimizer, ParamsT, _check_lr, _scalar, _use_grad_for_differentiable

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    @_use_grad_for_differentiable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            (etaminus, etaplus), (step_size_min, step_size_max) = group["etas"], group["step_sizes"]
            for p, grad, state in self._params_with_grad(group):
                if not state:
                    state["step"] = self._new_step()
                    state["prev"] = zeros_like(p)
                    state["step_size"] = full_like(p, _scalar(group["lr"]))
                self._advance(state)
                prev, step_size = state["prev"], state["step_size"]
                # a differentiable step records prev's value before the copy_ below overwrites it
                agreement = grad.mul(prev.clone() if group["differentiable"] else prev)
                flipped = agreement < 0
                factor = agreement.masked_fill(agreement > 0, etaplus).masked_fill_(flipped, etaminus)
                factor.masked_fill_(agreement == 0, 1)
                step_size.mul_(factor).clamp_(step_size_min, step_size_max)
                grad = grad.masked_fill(flipped, 0)
                p.addcmul_(grad.sign(), step_size, value=-1)
                prev.copy_(grad)
        return loss
