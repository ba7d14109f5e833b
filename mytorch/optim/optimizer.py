"""Optimizer: parameter groups, per-parameter state, and the state_dict that saves and restores both.

An optimizer holds ``param_groups`` (dicts: ``"params"``, a list of tensors,
plus that group's hyperparameters, each defaulting to the constructor's) and
``state`` (parameter -> dict of tensors such as Adam's moments). A subclass
implements `step`; the updates themselves are fused backend kernels
(`ops.fused_optim`) that write into the parameters' storage.

``state_dict()`` has PyTorch's format: parameters are replaced by integer ids
numbered in group order, ``{"state": {0: {...}, ...}, "param_groups": [{...,
"params": [0, 1]}, ...]}``; `load_state_dict` maps the ids back onto this
optimizer's parameters in the same order.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections import defaultdict
from itertools import chain
from typing import Any, Callable, Iterable, Iterator, Union

from .. import _dtype as D
from .._tensor import Tensor, _reset_grads
from ..autograd.grad_mode import enable_grad, set_grad_enabled
from ..ops.creation import tensor

__all__ = ["Optimizer"]

# devices whose optimizer steps can be captured in a graph (PyTorch: CUDA and other accelerators); none yet
CAPTURABLE_DEVICES: list[str] = []

ParamsT = Union[Iterable[Tensor], Iterable[dict[str, Any]], Iterable[tuple[str, Tensor]]]


def _typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``torch.FloatTensor`` for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _scalar(value: float | Tensor) -> float:
    """A hyperparameter that may be a 1-element tensor (PyTorch's "Tensor lr") as a Python float."""
    return value.item() if isinstance(value, Tensor) else value


def _check_lr(lr: float | Tensor) -> None:
    """PyTorch's learning-rate checks: a tensor lr holds one element, and lr is not negative."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_hyperparameters(lr: float | Tensor | None = None, eps: float | None = None,
                           betas: tuple[float, ...] | None = None, weight_decay: float | None = None) -> None:
    """PyTorch's range checks, in its order and with its messages, for the hyperparameters given:
    lr >= 0 (a 1-element tensor allowed), eps >= 0, each beta in [0, 1), weight_decay >= 0."""
    if lr is not None:
        _check_lr(lr)
    if eps is not None and not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, beta in enumerate(betas or ()):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    if weight_decay is not None and not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _weight_decay(param: Tensor, grad: Tensor, lr: float, weight_decay: float, decoupled: bool = False) -> Tensor:
    """The gradient after weight decay: L2 decay adds weight_decay * param to it; decoupled decay (AdamW's)
    leaves it and shrinks the parameter instead, param *= 1 - lr * weight_decay."""
    if weight_decay == 0:
        return grad
    if decoupled:
        param.mul_(1 - lr * weight_decay)
        return grad
    return grad.add(param, alpha=weight_decay)


def _check_fused_kernel_options(name: str, differentiable: bool, foreach: bool | None = None,
                                fused: bool | None = None) -> None:
    """For the optimizers whose step is one fused backend kernel: PyTorch's refusals of fused=True with
    foreach or differentiable, and differentiable=True at all (autograd does not record the kernel)."""
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise NotImplementedError(f"{name}(differentiable=True): mytorch's {name} steps through a fused update "
                                  "kernel that autograd does not record; differentiable steps are available for "
                                  "Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop")


def _use_grad_for_differentiable(step: Callable) -> Callable:
    """Run ``step`` with grad mode on when the optimizer was built with ``differentiable=True`` (so the
    update is recorded by autograd and can be differentiated through), off otherwise."""
    @functools.wraps(step)
    def wrapper(self: "Optimizer", *args: Any, **kwargs: Any) -> Any:
        with set_grad_enabled(bool(self.defaults.get("differentiable", False))):
            return step(self, *args, **kwargs)
    return wrapper


def _check_capturable(group: dict[str, Any], param: Tensor) -> None:
    """``capturable=True`` asks for a step that a device graph can record; as in PyTorch, that needs the
    parameters on such a device, and mytorch has none (PyTorch refuses CPU parameters the same way)."""
    if group.get("capturable") and param.device.type not in CAPTURABLE_DEVICES:
        raise AssertionError("If capturable=True, params and state_steps must be on supported devices: "
                             f"{CAPTURABLE_DEVICES}.")


class Optimizer:
    """Base class of all optimizers: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of
    dicts (parameter groups, each with its own ``"params"`` and optional
    hyperparameters); ``defaults`` holds each hyperparameter's default value.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group (a dict with ``"params"``); hyperparameters it omits take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            group["param_names"] = names
            params = [p[1] for p in params]
        group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            # a differentiable optimizer may update a non-leaf: the step is part of a graph being recorded
            if not self.defaults.get("differentiable") and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        ids = {id(p) for p in params}
        if len(ids) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        for other in self.param_groups:
            if ("param_names" in other) != ("param_names" in group):
                kind = "with names" if "param_names" in group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
            if any(id(p) in ids for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default), or detached and filled with zeros."""
        _reset_grads(chain.from_iterable(group["params"] for group in self.param_groups), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; ``closure`` (re-evaluating the loss) runs first, with grad enabled."""
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # PyTorch's message when an optimizer without a sparse path is handed a sparse gradient ("" names the class)
    _sparse_grad_error = ""

    def _dense_grad(self, p: Tensor) -> Tensor:
        """p's gradient, refused with PyTorch's error when it is sparse (embeddings with sparse=True): only SGD,
        Adagrad and SparseAdam (and LBFGS, through to_dense) update from one."""
        grad = p.grad
        if grad.is_sparse:
            raise RuntimeError(self._sparse_grad_error or f"{type(self).__name__} does not support sparse gradients")
        return grad

    def _params_with_grad(self, group: dict[str, Any]) -> Iterator[tuple[Tensor, Tensor, dict[str, Any]]]:
        """(parameter, its gradient negated when the group maximizes, its state) for each parameter of group
        that has a gradient; a capturable group is refused on a device that cannot capture."""
        for p in group["params"]:
            if p.grad is None:
                continue
            _check_capturable(group, p)
            grad = self._dense_grad(p)
            yield p, (-grad if group.get("maximize") else grad), self.state[p]

    @staticmethod
    def _new_step(value: float = 0.0) -> Tensor:
        """A parameter's step counter, or another scalar of its state (NAdam's mu_product, ASGD's eta): a 0-d
        float tensor, float64 when that is the default dtype and float32 otherwise, as PyTorch keeps them."""
        return tensor(value, dtype=D.float64 if D.get_default_dtype() is D.float64 else D.float32)

    @staticmethod
    def _advance(state: dict[str, Any]) -> float:
        """Count one more step for a parameter; its new step number."""
        step = state["step"]
        step += 1
        return step.item()

    # ---- saving and restoring ------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {id: per-parameter state}, "param_groups": [group with "params": [ids]]}``.

        Ids number the parameters in group order. The state tensors are this
        optimizer's own (not copies), as in PyTorch: save or clone them before
        stepping on if the snapshot must stay fixed.
        """
        ids: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                ids.setdefault(id(p), len(ids))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [ids[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(ids[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict` saved from an optimizer of the same parameter group sizes.

        Hyperparameters come from the saved groups; the state tensors are copied
        (cast to each parameter's dtype, except the step counters).
        """
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        params = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            # a checkpoint format with string-only keys (JSON) gives the ids back as "0", "1", ...
            key = int(key) if isinstance(key, str) and key.isdigit() else key
            if key in params:
                p = params[key]
                state[p] = {k: _copy_state_value(p, k, v) for k, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            for key, default in self.defaults.items():  # a state dict from before an option existed
                saved.setdefault(key, default)
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def __getstate__(self) -> dict[str, Any]:
        # copies and pickles carry the optimization state only: not a scheduler's wrapper of `step`,
        # which would keep driving the original optimizer
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"


def _copy_state_value(param: Tensor, key: str, value: Any) -> Any:
    """A loaded state entry: tensors copied, floating ones cast to param's dtype (the step counter keeps its own)."""
    if not isinstance(value, Tensor):
        return value
    if key != "step" and param.is_floating_point() and value.dtype is not param.dtype:
        return value.to(param.dtype)
    return value.clone()
