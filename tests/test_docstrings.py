"""Every public op, module, optimizer and function of mytorch has a docstring, and every one is findable by
name in the file that defines it.

The walk covers the top-level namespace, every method and property of Tensor, and each public module of the
package (no path part starting with an underscore): the names it exports (`__all__`, else its public
globals) that are functions or classes defined in mytorch. The API reference of the documentation site is
generated from these docstrings, so a missing one is a hole in the reference.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys

import pytest

import mytorch
from mytorch import backends

pytestmark = pytest.mark.backend_independent  # it reads docstrings


def _public_module_names() -> list[str]:
    names = ["mytorch"]
    for info in pkgutil.walk_packages(mytorch.__path__, "mytorch."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _importable(name: str):
    # the C++ backend's module imports the compiled `_C`, absent from an install without a C++ compiler
    if name == "mytorch.backends.cpp_backend" and "cpp" not in backends.available_backends():
        return None
    return importlib.import_module(name)


def _documentable(obj) -> bool:
    return ((inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj))
            and (getattr(obj, "__module__", None) or "").startswith("mytorch"))


def _exported(module) -> dict[str, object]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    objs = {n: getattr(module, n) for n in names if hasattr(module, n)}
    if module.__name__ != "mytorch":
        # a submodule answers for what it (or a module below it) defines, not for what it imported
        objs = {n: o for n, o in objs.items() if (getattr(o, "__module__", None) or "").startswith(module.__name__)}
    return {n: o for n, o in objs.items() if _documentable(o)}


def _public_objects() -> dict[str, object]:
    found = {}
    for name in _public_module_names():
        module = _importable(name)
        if module is not None:
            found.update({f"{name}.{n}": o for n, o in _exported(module).items()})
    return found


def _has_doc(obj) -> bool:
    return bool((obj.__doc__ or "").strip())


def test_the_walk_sees_the_api():
    objs = _public_objects()
    # a walk that silently found nothing would pass the tests below
    for name in ("mytorch.mul", "mytorch.exp", "mytorch.nn.Linear", "mytorch.nn.functional.cross_entropy",
                 "mytorch.optim.SGD", "mytorch.optim.lr_scheduler.StepLR", "mytorch.utils.data.DataLoader",
                 "mytorch.autograd.grad", "mytorch.distributions.Normal"):
        assert name in objs, name
    assert len(objs) > 1000


def test_every_public_function_and_class_has_a_docstring():
    missing = sorted(name for name, obj in _public_objects().items() if not _has_doc(obj))
    assert missing == [], f"{len(missing)} public names without a docstring: {missing}"


def test_every_tensor_method_and_property_has_a_docstring():
    missing = []
    for name, attr in vars(mytorch.Tensor).items():
        if name.startswith("_"):
            continue
        if isinstance(attr, property):
            if not (_has_doc(attr) or (attr.fget is not None and _has_doc(attr.fget))):
                missing.append(name)
        elif _documentable(attr) and not _has_doc(attr):
            missing.append(name)
    assert missing == [], f"Tensor members without a docstring: {sorted(missing)}"


def test_functions_built_from_tables_are_findable_by_name():
    """A function made by a factory from a table (the unary ops) is found by grepping its name: the file that
    defines it, or that of the module it names as its home (the table's), holds its `def` or its entry `"name"`."""
    unfound = []
    for qualified, obj in _public_objects().items():
        if not inspect.isfunction(obj):
            continue
        obj = inspect.unwrap(obj)  # past decorators (autocast policies) to the defining file
        source = inspect.getsourcefile(obj)
        home = sys.modules[obj.__module__].__file__
        text = "".join(open(f, encoding="utf-8").read() for f in {source, home})
        name = obj.__name__
        if not re.search(rf"def {re.escape(name)}\(|[\"']{re.escape(name)}[\"']", text):
            unfound.append(f"{qualified} ({name} in {source})")
    assert unfound == [], unfound


def test_table_built_unary_ops_carry_their_table_math():
    from mytorch.ops import unary
    for name, (*_, math_doc) in unary._DEFS.items():
        assert math_doc in getattr(mytorch, name).__doc__, name
