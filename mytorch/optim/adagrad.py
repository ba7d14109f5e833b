"""optim.Adagrad (Duchi et al.): per-coordinate learning rates shrinking with the sum of squared gradients.

With g = (-grad if maximize else grad) + weight_decay * param, at step t:
    clr = lr / (1 + (t - 1) * lr_decay)
    s = s + g^2                                 (s starts at initial_accumulator_value)
    param = param - clr * g / (sqrt(s) + eps)

A sparse gradient (an embedding's with sparse=True) takes PyTorch's sparse path: coalesced, it updates s and
param at the positions it lists only, with those formulas (weight_decay refuses it, as in PyTorch).
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import full_like
from ..ops.fused_optim import fused_update
from .optimizer import Optimizer, ParamsT, _check_fused_kernel_options

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: per-coordinate rates lr / sqrt(sum of squared gradients). The update rule is in this module's
    docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        """``foreach`` and ``fused`` are accepted for PyTorch's signature: the step is one fused kernel per
        parameter either way."""
        _check_fused_kernel_options("Adagrad", differentiable, foreach, fused)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                                  "maximize": maximize, "differentiable": differentiable, "fused": fused})

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """As `Optimizer.add_param_group`; the group's state starts at once (PyTorch's Adagrad state exists
        from construction, so its state_dict lists every parameter even before the first step)."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            state = self.state[p]
            state["step"] = self._new_step()
            state["sum"] = full_like(p, group["initial_accumulator_value"])

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay = group["lr"], group["lr_decay"]
            hyper = {"eps": group["eps"], "weight_decay": group["weight_decay"], "maximize": group["maximize"]}
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                state = self.state[p]
                t = self._advance(state)
                clr = lr / (1 + (t - 1) * lr_decay)
                if grad.is_sparse:
                    _sparse_step(p, grad, state["sum"], clr, **hyper)
                    continue
                fused_update("adagrad_update", p, grad, state["sum"], clr=clr, **hyper)
        return loss


def _sparse_step(param: Tensor, grad: Tensor, state_sum: Tensor, clr: float, eps: float, weight_decay: float,
                 maximize: bool) -> None:
    """Adagrad's step from a sparse COO gradient, at the positions it lists (after coalescing):
    s[i] += g_i^2, param[i] -= clr * g_i / (sqrt(s[i]) + eps)."""
    if weight_decay != 0:
        raise RuntimeError("weight_decay option is not compatible with sparse gradients")
    grad = grad.coalesce()
    where, values = tuple(grad._indices()), grad._values()
    if maximize:
        values = -values
    state_sum.index_put_(where, values * values, accumulate=True)
    std = state_sum[where].sqrt_().add_(eps)
    param.index_put_(where, values.div(std).mul_(-clr), accumulate=True)
