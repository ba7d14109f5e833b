"""Weights, data and noise for the test programs drawn from no random stream, so that the same script
starts from the same numbers under PyTorch and under mytorch (whose random streams differ from PyTorch's)."""
import math

import torch


def wave(*shape, phase=0.0, scale=1.0, dtype=None):
    """``scale * sin(0.77 * i + phase)`` over the flat index i, in the given shape."""
    n = math.prod(shape)
    values = torch.sin(torch.arange(n, dtype=torch.float64) * 0.77 + phase) * scale
    return values.to(dtype or torch.get_default_dtype()).reshape(shape)


def fill_parameters(model):
    """Overwrite every parameter with a wave of the size PyTorch's default initialisation would give."""
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            fan_in = math.prod(p.shape[1:]) if p.dim() > 1 else p.shape[0]
            p.copy_(wave(*p.shape, phase=i, scale=1.0 / math.sqrt(fan_in), dtype=p.dtype))
