"""LazyModuleMixin: modules whose parameter shapes come from their first input (PyTorch's lazy modules).

A lazy module is built with UninitializedParameters (and UninitializedBuffers). A forward pre-hook calls its
`initialize_parameters(*input)` on the first call, which materializes them from the input's shape and initializes
them as the eager module would; the hook then removes itself and the module becomes `cls_to_become` (LazyConv2d
becomes a Conv2d). Loading a state dict first materializes each uninitialized tensor it has an entry for with
that entry's shape (the values are then copied in, as for any module), so a lazy module takes a trained eager
module's state dict; the first forward then finds nothing left to initialize.
"""
from __future__ import annotations

import itertools
from typing import Any

from ..._tensor import Tensor
from ..parameter import is_lazy

__all__ = ["LazyModuleMixin"]


class LazyModuleMixin:
    """A module whose parameters take their shapes from its first input: they start as
    `UninitializedParameter` and are materialized (and initialized) by the first forward."""
    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module still waits for its shape."""
        return any(is_lazy(t) for t in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialize and initialize the parameters from the first forward's arguments."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            value = state_dict.get(prefix + name)
            if is_lazy(t) and isinstance(value, Tensor) and not is_lazy(value):
                t.materialize(tuple(value.shape))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


def _infer_parameters(module: LazyModuleMixin, args: tuple, kwargs: dict) -> None:
    module.initialize_parameters(*args, **kwargs)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become
