"""``mytorch.jit``: TorchScript's entry points, for scripts that use them. mytorch has no TorchScript
compiler: ``script`` and ``trace`` hand back the function or module itself, which then runs eagerly with
the same results, and the decorators that steer the compiler (``ignore``, ``unused``, ``export``) leave
their function as it is. Saving or loading a compiled program (``save``, ``load``) is not supported and
says so."""
from __future__ import annotations

from typing import Any, Callable

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "annotate", "Final", "save", "load", "freeze", "optimize_for_inference", "fork", "wait"]


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:
    """`obj` itself (a function, module or class), run eagerly."""
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """`func` itself: tracing records the ops an example runs, and eager execution already runs them."""
    return func


def trace_module(mod: Any, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """No TorchScript here: returns the module unchanged, so scripts that trace still run eagerly."""
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@ignore`` or ``@ignore(drop=True)``: the function, unchanged."""
    return drop if callable(drop) else (lambda fn: fn)


def unused(fn: Callable) -> Callable:
    """Decorator kept for scripts: returns the function unchanged."""
    return fn


def export(fn: Callable) -> Callable:
    """Decorator kept for scripts: returns the function unchanged."""
    return fn


def is_scripting() -> bool:
    """False: code never runs under the TorchScript compiler here."""
    return False


def is_tracing() -> bool:
    """False: nothing is ever traced."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """Returns `the_value` (a TorchScript type hint only)."""
    return the_value


Final = Any


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Any:
    """Returns the module unchanged (freezing is a TorchScript optimisation)."""
    return mod


def optimize_for_inference(mod: Any, other_methods: Any = None) -> Any:
    """Returns the module unchanged (a TorchScript optimisation)."""
    return mod


def fork(func: Callable, *args: Any, **kwargs: Any) -> Any:
    """Runs func at once; `wait` returns its result (TorchScript's asynchronous tasks, done eagerly)."""
    return _Done(func(*args, **kwargs))


def wait(future: Any) -> Any:
    """The value of a future made by jit.fork (which runs the call at once)."""
    return future.value


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value

    def wait(self) -> Any:
        return self.value


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Raises NotImplementedError: mytorch has no TorchScript archives (save a state_dict instead)."""
    raise NotImplementedError("torch.jit.save: mytorch has no TorchScript; save the state_dict with "
                              "mytorch.save(model.state_dict(), path) instead")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Raises NotImplementedError: mytorch cannot read TorchScript archives."""
    raise NotImplementedError("torch.jit.load: mytorch cannot read TorchScript archives; load a state_dict saved "
                              "with torch.save instead")
