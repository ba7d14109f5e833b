"""Functional convolution, pooling, upsampling (PyTorch's signatures; the ops live in mytorch.ops)."""
from __future__ import annotations

from ...ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ...ops.pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, fold, max_pool1d,
                            max_pool2d, unfold)
from ...ops.upsample import interpolate

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "unfold", "fold", "interpolate"]
