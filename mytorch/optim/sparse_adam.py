"""optim.SparseAdam: Adam that updates only the entries a gradient holds, the "lazy" Adam made for
embeddings whose gradient touches a few rows per step.

For the entries i present in the gradient g (negated when maximize), at step t (the parameter's count of
updates):
    m_i = beta1 m_i + (1 - beta1) g_i;   v_i = beta2 v_i + (1 - beta2) g_i^2
    param_i = param_i - lr sqrt(1 - beta2^t) / (1 - beta1^t) * m_i / (sqrt(v_i) + eps)
Entries absent from the gradient keep their value and moments (no decay), unlike Adam's.

A sparse gradient (a COO tensor, as PyTorch's SparseAdam takes, e.g. an ``nn.Embedding(sparse=True)``'s)
updates exactly the entries it lists, a listed zero included. Where PyTorch's SparseAdam refuses a dense
gradient ("SparseAdam does not support dense gradients"), this one reads it as the sparse gradient of its
nonzero entries, which is what ``grad.to_sparse()`` would hand PyTorch's: an embedding row that no index
looked up has an all-zero gradient and stays untouched, as with ``sparse=True``; an entry whose dense
gradient is exactly zero by coincidence is skipped too (PyTorch would decay its moments).
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.creation import ones_like, zeros_like
from ..ops.sparse import sparse_coo_tensor
from .optimizer import Optimizer, ParamsT, _scalar

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Lazy Adam: only the entries the gradient holds are updated. The update rule is in this module's docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < _scalar(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})
        complex_params = [[i, j] for i, group in enumerate(self.param_groups)
                          for j, p in enumerate(group["params"]) if p.is_complex()]
        if complex_params:
            raise ValueError(f"Complex params at indices {complex_params}: SparseAdam does not support complex "
                             "parameters")

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            (beta1, beta2), eps = group["betas"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                state["step"] += 1
                grad = p.grad
                if grad.is_sparse:  # the entries it lists are present, whatever their value
                    grad = grad.coalesce()
                    listed = sparse_coo_tensor(grad.indices(), ones_like(grad._values()), grad.shape)
                    absent, grad = listed.to_dense() == 0, grad.to_dense()
                else:
                    absent = grad == 0
                if group.get("maximize", False):
                    grad = -grad
                if absent.all().item():  # an empty sparse gradient: no update
                    continue
                exp_avg, exp_avg_sq, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
                exp_avg.add_(grad.sub(exp_avg).mul_(1 - beta1).masked_fill_(absent, 0))
                exp_avg_sq.add_(grad.pow(2).sub_(exp_avg_sq).mul_(1 - beta2).masked_fill_(absent, 0))
                # a tensor lr keeps its dtype through the step size, as in PyTorch
                step_size = _scalar(group["lr"] * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t))
                update = exp_avg.div(exp_avg_sq.sqrt().add_(eps)).mul_(-step_size)
                p.add_(update.masked_fill_(absent, 0))
        return loss
