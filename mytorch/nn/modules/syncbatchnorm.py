"""SyncBatchNorm: batch norm whose statistics are taken over the batch of every rank of a process group.

In one process (no initialized mytorch.distributed group, a group of one, or eval mode) it is BatchNorm. In a
training step across R ranks, each channel's statistics cover the union of the ranks' batches:

    mean = sum_r sum x_r / sum_r n_r,   var = sum_r sum (x_r - mean)^2 / sum_r n_r       (two all-reduces)
    y_r  = (x_r - mean) / sqrt(var + eps) * weight + bias

so y equals BatchNorm on the concatenated batch. The sums cross ranks through `_AllReduceSum`, whose
derivative is again an all-reduce: d(sum_r s_r)/ds_r = 1, and every rank's loss depends on the sum, so
dL/ds_r = sum over ranks of their upstream gradients. The input gradient on each rank is thereby the
gradient of the sum of all ranks' losses, as PyTorch's; weight and bias gradients stay local (DDP averages them).
The running statistics take the global mean and the unbiased global variance var * n / (n - 1).
"""
from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...ops.joining import cat
from ..module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class _AllReduceSum(Function):
    """y = sum over the group's ranks of x;  dL/dx = sum over the ranks of dL/dy (module docstring)."""

    @staticmethod
    def forward(ctx, x, group):
        from ... import distributed as dist
        ctx.group = group
        y = x.clone()
        dist.all_reduce(y, group=group)
        return y

    @staticmethod
    def backward(ctx, g):
        from ... import distributed as dist
        g = g.clone()
        dist.all_reduce(g, group=ctx.group)
        return g, None


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, *) with the statistics of all ranks' batches while training in a process group
    (module docstring); BatchNorm otherwise. `process_group` defaults to the whole world."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any = None, device: Any = None, dtype: Any = None,
                 *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def _group(self) -> Any:
        """The process group to synchronize over, or None when there is nothing to synchronize with."""
        from ... import distributed as dist
        if not dist.is_initialized():
            return None
        group = self.process_group if self.process_group is not None else dist.group.WORLD
        return group if dist.get_world_size(group) > 1 else None

    def _normalize(self, input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, use_batch: bool,
                   momentum: float) -> Tensor:
        group = self._group() if use_batch and self.training else None
        if group is None:
            return super()._normalize(input, running_mean, running_var, use_batch, momentum)
        axes = (0,) + tuple(range(2, input.ndim))
        shape = (1, -1) + (1,) * (input.ndim - 2)
        count = input.new_full((1,), input.numel() // input.shape[1])
        sums = _AllReduceSum.apply(cat([input.sum(axes), count]), group)
        n = sums[-1]
        mean = sums[:-1] / n
        centered = input - mean.reshape(shape)
        var = _AllReduceSum.apply((centered * centered).sum(axes), group) / n
        y = centered / (var + self.eps).sqrt().reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if running_mean is not None:
            with no_grad():
                total = float(n)
                if total <= 1:
                    raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                                     f"{input.shape}")
                running_mean.mul_(1 - momentum).add_(mean * momentum)
                running_var.mul_(1 - momentum).add_(var * (momentum * total / (total - 1)))
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """`module` with every BatchNorm*d in it (itself included) replaced by a SyncBatchNorm that shares its
        parameters, running statistics and training mode."""
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group)
            if module.affine:
                with no_grad():
                    out.weight, out.bias = module.weight, module.bias
            out.running_mean, out.running_var = module.running_mean, module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
