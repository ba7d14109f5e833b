"""parameters_to_vector, vector_to_parameters: a model's parameters as one flat vector and back
(for methods that work on a single vector, such as line searches or evolution strategies)."""
from __future__ import annotations

from typing import Any, Iterable

from ..._tensor import Tensor
from ...ops.joining import cat
from ..module import _typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param: Tensor, device: Any) -> Any:
    """The device all parameters share so far; TypeError when `param` is elsewhere."""
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """cat([p.view(-1) for p in parameters]): differentiable, a copy of the values."""
    device = None
    flat = []
    for param in parameters:
        device = _check_param_device(param, device)
        flat.append(param.view(-1))
    return cat(flat)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Point each parameter's data at its consecutive slice of `vec` (as PyTorch: the parameters then
    share `vec`'s storage)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    device = None
    start = 0
    for param in parameters:
        device = _check_param_device(param, device)
        n = param.numel()
        param.data = vec[start:start + n].view_as(param).data
        start += n
