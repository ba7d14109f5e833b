"""Parametrizations: a module's tensor computed from other tensors each time it is read.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` into
``module.parametrizations.weight.original`` (a `ParametrizationList`) and makes ``module.weight`` read
``P(original)``. The optimizer then trains ``original``; the module's forward is unchanged. A
parametrization may define ``right_inverse(value)``: it turns a value of the parametrized tensor into
the original(s), when registering and when ``module.weight = value`` is assigned. If it returns a tuple,
the originals are ``original0``, ``original1``, …, and the forward takes them as separate arguments
(weight norm's g and v). Several parametrizations on one tensor compose in registration order.

How the property is attached: each parametrized module gets its own subclass of its class
("ParametrizedLinear"), holding a property per parametrized name, so other instances of the class are
untouched. ``cached()`` computes each parametrized tensor once inside its block.

state_dict keys follow PyTorch's: ``parametrizations.weight.original`` (or ``original0``, …).
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ...autograd.grad_mode import no_grad
from ..module import Module
from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

_cache_enabled = 0
_cache: dict[tuple[int, str], Any] = {}


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside this block each parametrized tensor is computed once, at its first read (for a module
    used several times in one forward, e.g. a recurrent cell)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s) they start from."""

    def __init__(self, modules: list[Module], original: Any, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        value = original
        with no_grad():  # the originals are computed from the current value by the right inverses
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        value = module.right_inverse(value)
                    except NotImplementedError:  # a right inverse that can't be computed counts as the identity
                        pass
        self.is_tensor = not isinstance(value, (tuple, list))
        self.ntensors = 1 if self.is_tensor else len(value)
        values = (value,) if self.is_tensor else tuple(value)
        names = ("original",) if self.is_tensor else tuple(f"original{i}" for i in range(self.ntensors))
        for name, v in zip(names, values):
            if self.is_tensor and v is original and isinstance(original, Parameter):
                # the original Parameter object itself is kept when the inverse returns it unchanged, so an
                # optimizer built before the registration still trains it
                self.original = original
            elif isinstance(original, Parameter):
                setattr(self, name, Parameter(v.detach().clone(), original.requires_grad))
            else:  # a parametrized buffer keeps its originals as buffers
                self.register_buffer(name, v.detach().clone())
        if not unsafe:
            self._check(original)

    def _originals(self) -> tuple:
        return (self.original,) if self.is_tensor else tuple(getattr(self, f"original{i}") for i in range(self.ntensors))

    def _check(self, original: Any) -> None:
        new = self()
        if new.shape != original.shape or new.dtype != original.dtype:
            raise ValueError(f"Registering a parametrization may not change the shape or dtype of the tensor, "
                             f"unless `unsafe` flag is enabled.\nunparametrized dtype: {original.dtype}\n"
                             f"parametrized dtype: {new.dtype}\nunparametrized shape: {tuple(original.shape)}\n"
                             f"parametrized shape: {tuple(new.shape)}")

    def right_inverse(self, value: Any) -> None:
        """Assigning ``module.name = value``: the originals become the right inverses of value."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
            values = (value,) if self.is_tensor else tuple(value)
            if len(values) != self.ntensors:
                raise ValueError(f"'right_inverse' must return a sequence of {self.ntensors} tensors, got "
                                 f"{len(values)}")
            for original, v in zip(self._originals(), values):
                if v.shape != original.shape or v.dtype != original.dtype:
                    raise ValueError(f"the right inverse gives a tensor of shape {tuple(v.shape)} and dtype "
                                     f"{v.dtype} for an original of shape {tuple(original.shape)} and dtype "
                                     f"{original.dtype}")
                original.copy_(v)

    def forward(self) -> Any:
        modules = list(self)
        x = modules[0](*self._originals())
        for module in modules[1:]:
            x = module(x)
        return x


def _parametrized_property(name: str) -> property:
    def get(module: Module) -> Any:
        plist = module.parametrizations[name]
        if not _cache_enabled:
            return plist()
        key = (id(module), name)
        if key not in _cache:
            _cache[key] = plist()
        return _cache[key]

    def set(module: Module, value: Any) -> None:
        module.parametrizations[name].right_inverse(value)

    return property(get, set, doc=f"``{name}`` computed by module.parametrizations.{name}")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether `module` has a parametrization (on `tensor_name`, when given)."""
    plists = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plists, ModuleDict):
        return False
    return len(plists) > 0 if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module: Module) -> type:
    """The module's class as it was before its first parametrization."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` read ``parametrization(original)`` (see the module docstring). A second
    registration on the same name composes: the new one applies to the result of the earlier ones."""
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            new = parametrization(current)
            if new.shape != current.shape or new.dtype != current.dtype:
                raise ValueError("Registering a parametrization may not change the shape or dtype of the tensor, "
                                 "unless `unsafe` flag is enabled.")
        plist.append(parametrization)
        plist.unsafe |= unsafe
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {})
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    setattr(type(module), tensor_name, _parametrized_property(tensor_name))
    return module


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo `register_parametrization`: ``module.<tensor_name>`` becomes a plain Parameter again, holding the
    parametrized value (``leave_parametrized=True``) or the original one."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        requires_grad = plist._originals()[0].requires_grad
        param = Parameter(value.detach(), requires_grad)
    elif plist.is_tensor:
        param = plist.original if isinstance(plist.original, Parameter) else Parameter(plist.original)
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
                         "parametrized in terms of a sequence of tensors.")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    module.register_parameter(tensor_name, param)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


__all__ = ["cached", "ParametrizationList", "register_parametrization", "remove_parametrizations",
           "is_parametrized", "type_before_parametrizations"]
