"""optim.SGD: stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

With g = (-grad if maximize else grad) + weight_decay * param, each step:
    b = g (first step) or momentum * b + (1 - dampening) * g      (when momentum != 0)
    d = g + momentum * b (nesterov) or b  (or g without momentum)
    param = param - lr * d

A sparse gradient (an embedding's with sparse=True) takes PyTorch's sparse path step for step: the momentum
buffer is a sparse COO tensor too (the first gradient's clone, then momentum * b + (1 - dampening) * g with
sparse adds, so its positions accumulate uncoalesced as PyTorch's do), and the parameter adds -lr * d at the
positions d lists, one listed entry after another. As in PyTorch, weight decay refuses it (it would add the
dense parameter to the sparse gradient).
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.fused_optim import fused_update
from .optimizer import Optimizer, ParamsT, _check_fused_kernel_options

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay. The update rule is in
    this module's docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        """``foreach`` and ``fused`` are accepted for PyTorch's signature: the step is one fused kernel per
        parameter either way."""
        _check_fused_kernel_options("SGD", differentiable, foreach, fused)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                                  "foreach": foreach, "differentiable": differentiable, "fused": fused})

    @no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = self._evaluate(closure)
        for group in self.param_groups:
            momentum = group["momentum"]
            hyper = {"lr": group["lr"], "momentum": momentum, "dampening": group["dampening"],
                     "nesterov": group["nesterov"], "weight_decay": group["weight_decay"],
                     "maximize": group["maximize"]}
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if grad.is_sparse:
                    _sparse_step(p, grad, self.state[p] if momentum != 0 else None, **hyper)
                    continue
                buf, init = None, False
                if momentum != 0:  # only then does a parameter get state, as in PyTorch
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = grad.new_empty(grad.shape)
                        init = True
                fused_update("sgd_update", p, grad, buf, init_buffer=init, **hyper)
        return loss


def _sparse_step(param: Tensor, grad: Tensor, state: dict | None, lr: float, momentum: float, dampening: float,
                 nesterov: bool, weight_decay: float, maximize: bool) -> None:
    """SGD's step from a sparse COO gradient, as PyTorch's `_single_tensor_sgd` takes it (`state` is None
    without momentum): the buffer b stays sparse, b = clone(g), then b * momentum + (1 - dampening) g."""
    if weight_decay != 0:
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    if maximize:
        grad = -grad
    if state is not None:
        buf = state.get("momentum_buffer")
        buf = grad.clone() if buf is None else (buf * momentum).add(grad, alpha=1 - dampening)
        state["momentum_buffer"] = buf
        grad = grad.add(buf, alpha=momentum) if nesterov else buf
    param.index_put_(tuple(grad._indices()), grad._values() * -lr, accumulate=True)
