"""Custom ops: PyTorch 2.4's ``torch.library.custom_op``, on `mytorch.autograd.Function`.

::

    @mytorch.library.custom_op("mylib::bias_gelu", mutates_args=())
    def bias_gelu(x: Tensor, b: Tensor) -> Tensor:
        return ext.bias_gelu(x, b)            # a Python function, or a C++ one (cpp_extension)

    def setup_context(ctx, inputs, output):  # save what backward needs
        ctx.save_for_backward(*inputs)

    def backward(ctx, g):                     # one gradient per input (None for a non-tensor)
        x, b = ctx.saved_tensors
        ...
    bias_gelu.register_autograd(backward, setup_context=setup_context)

Calling the op runs the function with grad mode off; when an input requires grad, the call is
recorded as a node of the graph whose backward is the registered one, so ``backward()``,
``autograd.grad``, ``gradcheck`` and ``create_graph`` (when backward is written in tensor ops) work
as for a built-in op. Without a registered backward, an op whose inputs require grad still runs, and
differentiating through it raises ``RuntimeError`` naming the op (PyTorch's behaviour).

``register_fake``: mytorch has no fake/meta tensors, so the fake function is stored and used only by
`opcheck`, which runs it next to the real op and checks that both give outputs of the same shapes and
dtypes (what a fake implementation promises).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Iterable, Sequence

from ._tensor import Tensor
from .autograd.function import Function

__all__ = ["CustomOpDef", "custom_op", "opcheck"]


class CustomOpDef:
    """An op made by `custom_op`: callable like its function, with autograd once registered."""

    def __init__(self, name: str, fn: Callable, mutates_args: Sequence[str], device_types: Iterable[str] | None,
                 schema: str | None) -> None:
        namespace, sep, opname = name.partition("::")
        if not sep or not namespace.isidentifier() or not opname.isidentifier():
            raise ValueError(f"custom_op(): expected a name of the form 'namespace::op_name', got {name!r}")
        if isinstance(mutates_args, str) and mutates_args != "unknown":
            raise TypeError(f"custom_op({name!r}): mutates_args must be a tuple of argument names or 'unknown'")
        self._name, self._opname, self._fn, self._schema = name, opname, fn, schema
        self._signature = inspect.signature(fn)
        self._nparams = len(self._signature.parameters)
        unknown = set() if mutates_args == "unknown" else set(mutates_args) - set(self._signature.parameters)
        if unknown:
            raise ValueError(f"custom_op({name!r}): mutates_args names {sorted(unknown)}, which are not "
                             f"arguments of {fn.__name__}{self._signature}")
        self._mutates_args = mutates_args
        self._device_types = None if device_types is None else (
            (device_types,) if isinstance(device_types, str) else tuple(device_types))
        self._fake: Callable | None = None
        self._function = _make_function(self, None, None)
        self.__name__ = opname
        self.__doc__ = fn.__doc__

    def __repr__(self) -> str:
        return f"<CustomOpDef({self._name})>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._nparams:  # Function.apply takes all arguments by position, as
            # setup_context sees them (PyTorch's inputs include the defaults)
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = bound.args
        if self._device_types is not None:
            for a in args:
                if isinstance(a, Tensor) and a._backend.device_type not in self._device_types:
                    raise RuntimeError(f"{self._name}: no implementation for device type "
                                       f"'{a._backend.device_type}' (registered for {list(self._device_types)})")
        return self._function.apply(*args)

    def register_autograd(self, backward: Callable, /, *, setup_context: Callable | None = None) -> None:
        """Use ``backward(ctx, *grads)`` (one gradient per input, None where an input is not a
        differentiable tensor) as the op's derivative; ``setup_context(ctx, inputs, output)`` runs after
        the forward to save on ctx what backward needs (``ctx.save_for_backward``)."""
        if self._mutates_args:
            raise RuntimeError(f"{self._name}: register_autograd is not supported for an op that mutates its "
                               f"arguments ({self._mutates_args})")
        self._function = _make_function(self, backward, setup_context)

    def register_fake(self, fn: Callable, /) -> Callable:
        """Store the op's fake (shape and dtype) implementation; `opcheck` compares it with the real op."""
        self._fake = fn
        return fn

    def register_kernel(self, device_types: str | Iterable[str], fn: Callable | None = None, /) -> Any:
        """Use fn as the implementation (mytorch runs one implementation for every cpu backend)."""
        def register(f: Callable) -> Callable:
            self._fn = f
            return f
        return register(fn) if fn is not None else register


def custom_op(name: str, fn: Callable | None = None, /, *, mutates_args: Sequence[str] | str = (),
              device_types: str | Iterable[str] | None = None, schema: str | None = None) -> Any:
    """Make ``fn`` an op named ``"namespace::name"`` (a decorator when fn is omitted).

    ``mutates_args`` names the arguments fn writes in place (PyTorch requires it; here it documents
    the op and forbids a backward); ``device_types`` limits the devices the op accepts; ``schema`` is
    kept for reference (the Python signature is the schema)."""
    def make(f: Callable) -> CustomOpDef:
        return CustomOpDef(name, f, mutates_args, device_types, schema)
    return make(fn) if fn is not None else make


def _make_function(op: CustomOpDef, backward: Callable | None, setup_context: Callable | None) -> type:
    """The `Function` that runs op: forward calls op's function, backward the registered one."""
    def forward(ctx: Any, *args: Any) -> Any:
        out = op._fn(*args)
        if setup_context is not None:
            setup_context(ctx, args, out)
        return out

    def run_backward(ctx: Any, *grads: Any) -> Any:
        if backward is None:
            raise RuntimeError(f"Autograd has not been implemented for operator {op._name}. Please use "
                               "register_autograd to register a backward formula.")
        result = backward(ctx, *grads)
        n = len(ctx._edges)
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != n:
            raise RuntimeError(f"{op._name}: the backward registered with register_autograd returned "
                               f"{len(result)} gradients, expected {n} (one per input, None for a non-tensor)")
        return result

    cls_name = "".join(part.capitalize() for part in op._opname.split("_")) or "CustomOp"
    return type(cls_name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(run_backward),
                                       "__module__": __name__})


def opcheck(op: CustomOpDef, args: tuple, kwargs: dict | None = None) -> None:
    """Check a custom op on example inputs: that its fake implementation (if registered) predicts the
    real outputs' shapes and dtypes, and that its backward (if registered) returns gradients of the
    inputs' shapes. Raises ``AssertionError`` describing the first mismatch."""
    kwargs = kwargs or {}
    real = op(*args, **kwargs)
    reals = real if isinstance(real, (tuple, list)) else (real,)
    if op._fake is not None:
        fake = op._fake(*args, **kwargs)
        fakes = fake if isinstance(fake, (tuple, list)) else (fake,)
        if len(fakes) != len(reals):
            raise AssertionError(f"{op._name}: the fake returns {len(fakes)} outputs, the op {len(reals)}")
        for i, (f, r) in enumerate(zip(fakes, reals)):
            if isinstance(r, Tensor) and (tuple(f.shape) != tuple(r.shape) or f.dtype != r.dtype):
                raise AssertionError(f"{op._name}: output {i} is {tuple(r.shape)} {r.dtype}, the fake says "
                                     f"{tuple(f.shape)} {f.dtype}")
    inputs = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor) and a.requires_grad]
    outs = [r for r in reals if isinstance(r, Tensor) and r.requires_grad]
    if inputs and outs:
        from .autograd import grad
        from .ops.creation import ones_like
        grads = grad(outs, inputs, [ones_like(o) for o in outs], allow_unused=True)
        for a, g in zip(inputs, grads):
            if g is not None and (tuple(g.shape) != tuple(a.shape) or g.dtype != a.dtype):
                raise AssertionError(f"{op._name}: backward gives a gradient of {tuple(g.shape)} {g.dtype} for an "
                                     f"input of {tuple(a.shape)} {a.dtype}")
