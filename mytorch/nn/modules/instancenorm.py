"""InstanceNorm1d/2d/3d (and their lazy forms): each channel of each sample normalized over its spatial dims
(F.instance_norm).

    y = (x - mean) / sqrt(var + eps) * weight + bias,  mean and biased var over the spatial dims of x[n, c]

Unlike batch norm, the statistics are per sample, so training and evaluation agree unless the layer
tracks running statistics (track_running_stats=True: they are updated while training with the batch mean
of the per-sample statistics, and used in eval mode). affine (learned weight and bias per channel) is off
by default. Inputs may lack the batch dim.
"""
from __future__ import annotations

import warnings
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .normalization import _NormBase, lazy_norm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _nd: int  # spatial dims

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"expected {nd + 1}D or {nd + 2}D input (got {input.ndim}D input)")
        feature_dim = input.ndim - nd - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        single = input.ndim == nd + 1
        y = F.instance_norm(input.unsqueeze(0) if single else input, self.running_mean, self.running_var,
                            self.weight, self.bias, self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return y.squeeze(0) if single else y


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L): statistics per sample and channel, over L."""

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W): statistics per sample and channel, over H and W."""

    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or (C, D, H, W): statistics per sample and channel, over D, H, W."""

    _nd = 3


# as PyTorch's: affine and track_running_stats default to True here (the lazy base's defaults), and num_features
# is read from dim 1 even of an unbatched input
LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d = (
    lazy_norm(InstanceNorm1d, __name__), lazy_norm(InstanceNorm2d, __name__), lazy_norm(InstanceNorm3d, __name__))
