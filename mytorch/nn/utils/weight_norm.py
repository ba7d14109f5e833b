"""The original weight norm API, ``nn.utils.weight_norm`` (PyTorch deprecates it in favour of
``nn.utils.parametrizations.weight_norm``, but a great deal of published code, and its checkpoints, use
it): ``module.<name>`` is replaced by two Parameters ``<name>_g`` and ``<name>_v`` and recomputed as
g * v / ||v|| by a forward pre-hook before every call (the math is `parametrizations._WeightNorm`'s)."""
from __future__ import annotations

import warnings
from typing import Any

from ..module import Module
from ..parameter import Parameter
from .parametrizations import _WeightNorm, norm_except_dim


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim
        self.norm = _WeightNorm(dim)

    def compute_weight(self, module: Module) -> Any:
        return self.norm(getattr(module, self.name + "_g"), getattr(module, self.name + "_v"))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace ``module.<name>`` by ``<name>_g`` (the norms over every dim but `dim`; dim=None: one norm)
    and ``<name>_v`` (the weight), recombined before each forward."""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and hook.name == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    dim = -1 if dim is None else dim
    fn = WeightNorm(name, dim)
    weight = getattr(module, name)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    module.register_forward_pre_hook(fn)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo `weight_norm`: ``module.<name>`` is a plain Parameter again, holding g * v / ||v||."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            weight = hook.compute_weight(module)
            delattr(module, name)
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            module.register_parameter(name, Parameter(weight.detach()))
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


__all__ = ["weight_norm", "remove_weight_norm"]
