"""Functional dropout in PyTorch's signatures: elementwise, channel-wise in 1-D/2-D/3-D, and alpha dropout (the
masks and their math: mytorch/ops/dropout.py)."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from ...ops.dropout import _dropout, _feature_mask_shape

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _warn_unusual_rank(input: Tensor, spatial: int) -> None:
    """PyTorch's deprecation warning for dropout{spatial}d given neither a batched nor an unbatched input."""
    if input.ndim not in (spatial + 1, spatial + 2):
        fn = f"dropout{spatial}d"
        warnings.warn(f"{fn}: Received a {input.ndim}-D input to {fn}, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {fn} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (identity when not training)."""
    return _dropout(input, p, training, inplace, tuple(input.shape))


def _channel_dropout(input: Tensor, p: float, training: bool, inplace: bool, unbatched: bool) -> Tensor:
    """Channel dropout of (N, C, *) input, or of (C, *) through a batch dim of one when `unbatched`."""
    x = input.unsqueeze(0) if unbatched else input
    if inplace:  # the in-place write goes through the view into input's storage
        _dropout(x, p, training, True, _feature_mask_shape(x))
        return input
    y = _dropout(x, p, training, False, _feature_mask_shape(x))
    return y.squeeze(0) if unbatched else y


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels input[n, c] of (N, C, L) or (C, L) with probability p; scale the rest by 1 / (1 - p)."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _channel_dropout(input, p, training, inplace, input.ndim == 2)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels input[n, c] with probability p and scale the rest by 1 / (1 - p)."""
    _check_p(p)
    _warn_unusual_rank(input, 2)
    if input.ndim == 3:  # PyTorch's historical reading of a 3-D input: (N, C, L), not an unbatched (C, H, W)
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    return _channel_dropout(input, p, training, inplace, False)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels input[n, c] of (N, C, D, H, W) or (C, D, H, W) with probability p; scale the rest
    by 1 / (1 - p)."""
    _check_p(p)
    _warn_unusual_rank(input, 3)
    return _channel_dropout(input, p, training, inplace, input.ndim != 5)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout (for SELU networks): dropped elements become SELU's saturation value, then an affine map
    restores zero mean and unit variance: y = a (x m + alpha' (m - 1)) + a alpha' p; dL/dx = g a m."""
    return _dropout(input, p, training, inplace, tuple(input.shape), alpha=True)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels input[n, c] (one mask value per channel)."""
    _check_p(p)
    return _dropout(input, p, training, inplace, _feature_mask_shape(input), alpha=True)
