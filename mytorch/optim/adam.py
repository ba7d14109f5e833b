"""optim.Adam: adaptive moment estimation (Kingma & Ba), with amsgrad and L2 or decoupled weight decay.

With g = (-grad if maximize else grad) (+ weight_decay * param for Adam's L2
penalty), at step t:
    param = param * (1 - lr * weight_decay)            (decoupled decay: AdamW)
    m = beta1 * m + (1 - beta1) * g                    (computed as lerp(m, g, 1 - beta1))
    v = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v), used for v below            (amsgrad)
    param = param - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..ops.fused_optim import fused_update
from .optimizer import Optimizer, ParamsT, _check_capturable, _check_hyperparameters, _check_fused_kernel_options

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma & Ba): steps scaled by bias-corrected running moments of the gradient and its square. The update
    rule is in this module's docstring.
    """
    _sparse_grad_error = "Adam does not support sparse gradients, please consider SparseAdam instead"

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        """``foreach`` and ``fused`` are accepted for PyTorch's signature: the step is one fused kernel per
        parameter either way; ``capturable=True`` is refused at the step, as PyTorch refuses it on the CPU."""
        _check_hyperparameters(lr, eps, betas, weight_decay)
        _check_fused_kernel_options(type(self).__name__, differentiable, foreach, fused)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                                  "capturable": capturable, "differentiable": differentiable, "fused": fused,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), wd, amsgrad = group["lr"], group["betas"], group["weight_decay"], group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            hyper = {"beta1": beta1, "beta2": beta2, "eps": group["eps"], "maximize": group["maximize"],
                     "weight_decay": 0 if decoupled else wd, "param_scale": 1 - lr * wd if decoupled else 1}
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = self._dense_grad(p)
                _check_capturable(group, p)
                state = self.state[p]
                if not state:
                    state["step"] = self._new_step()
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_like(p)
                t = self._advance(state)
                fused_update("adam_update", p, grad, state["exp_avg"], state["exp_avg_sq"],
                             state["max_exp_avg_sq"] if amsgrad else None, step_size=lr / (1 - beta1 ** t),
                             bias_correction2_sqrt=(1 - beta2 ** t) ** 0.5, **hyper)
        return loss
