"""optim.Adafactor (Shazeer & Stern, 2018): Adam-like steps whose second moment of a matrix is kept
factored, as a row vector and a column vector, so its memory is O(rows + cols) instead of O(rows * cols).

With g = (-grad if maximize else grad), at step t:
    beta2_t = 1 - t^beta2_decay;   rho_t = min(lr, 1 / sqrt(t))
    alpha = max(eps2, RMS(param)) * rho_t                     (steps relative to the parameter's scale)
    param = param * (1 - lr * weight_decay)
    matrices (over the last two dims):
        R = beta2_t R + (1 - beta2_t) mean_cols(g^2);  C = beta2_t C + (1 - beta2_t) mean_rows(g^2)
        v = R C / max(mean(R), eps1)                        (a rank-1 estimate of the second moment)
    vectors:  v = beta2_t v + (1 - beta2_t) g^2
    u = g / sqrt(max(v, eps1^2))
    param = param - alpha / max(1, RMS(u) / d) * u            (update clipping at threshold d)
eps1 defaults to the machine epsilon of the parameter's dtype.
"""
from __future__ import annotations

from typing import Any, Callable

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import zeros_like
from ..ops.statistics import norm
from .optimizer import Optimizer, ParamsT, _scalar

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """``foreach`` is accepted for PyTorch's signature: there is one implementation, parameter by parameter."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= _scalar(lr):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize})

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (eps1, eps2), d, weight_decay = _scalar(group["lr"]), group["eps"], group["d"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = self._dense_grad(p)
                if group["maximize"]:
                    grad = -grad
                state = self.state[p]
                if not state:
                    state["step"] = self._new_step()
                    if grad.dim() > 1:
                        state["row_var"] = grad.new_zeros(grad.shape[:-1] + (1,))
                        state["col_var"] = grad.new_zeros(grad.shape[:-2] + (1, grad.shape[-1]))
                    else:
                        state["variance"] = zeros_like(grad)
                t = self._advance(state)
                e1 = D.finfo(p.dtype).eps if eps1 is None else eps1
                one_minus_beta2_t = t ** group["beta2_decay"]
                alpha = max(eps2, p.norm(2).item() / p.numel() ** 0.5) * min(lr, 1 / t ** 0.5)
                if weight_decay != 0:
                    p.mul_(1 - lr * weight_decay)
                if grad.dim() > 1:
                    row_var, col_var = state["row_var"], state["col_var"]
                    row_var.lerp_(norm(grad, dim=-1, keepdim=True).square_().div_(grad.shape[-1]), one_minus_beta2_t)
                    col_var.lerp_(norm(grad, dim=-2, keepdim=True).square_().div_(grad.shape[-2]), one_minus_beta2_t)
                    var_estimate = (row_var @ col_var).div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=e1))
                else:
                    state["variance"].lerp_(grad * grad, one_minus_beta2_t)
                    var_estimate = state["variance"].clone()
                update = var_estimate.clamp_(min=e1 * e1).rsqrt_().mul_(grad)
                clip = max(1.0, update.norm(2).item() / (update.numel() ** 0.5 * d))
                p.add_(update, alpha=-alpha / clip)
        return loss
