"""DataParallel: split a batch over several GPUs of one process, run a replica on each, gather the outputs.

On a machine without GPUs (mytorch's CPU backends) PyTorch's DataParallel has no devices to split over
and calls the wrapped module directly; so does this one. What scripts rely on stays: the wrapped model is
``.module``, and the state_dict keys carry the ``module.`` prefix. Device ids are ignored, as PyTorch
ignores them when CUDA is unavailable.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..module import Module


class DataParallel(Module):
    """nn.DataParallel: splits the input along `dim` across devices; with one CPU device it runs the wrapped module
    directly, keeping the `module.` prefix in state_dict as PyTorch does.
    """
    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list = []
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                  dim: int = 0, module_kwargs: dict | None = None) -> Any:
    """The functional form: ``module(*inputs, **module_kwargs)`` where no GPU is present."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
