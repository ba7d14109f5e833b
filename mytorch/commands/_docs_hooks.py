"""MkDocs hooks of the documentation site (mkdocs.yml names this file), and a Griffe extension of its API
reference.

MathJax is served from the built site, so that the site renders its math without a network: the
jupyter-server-mathjax package (the `docs` extra) ships MathJax 2's files, copied here into site/mathjax.
It is located without being imported (importing it needs a Jupyter server).

The reference is read by inspecting the imported package, which also finds every module's and class's
dunder attributes (``__doc__``, ``__file__``, ``__weakref__``, ...) and every name a module imported (to
inspection an import looks like a definition, so the `public` filter keeps it); `HideDunderAttributes` and
`HideImports` drop them so that the pages and their tables of contents list the API only.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import shutil
from typing import Any

import griffe


def mathjax_dir() -> str:
    """The folder of MathJax's files inside the installed jupyter-server-mathjax package."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the documentation needs MathJax from the jupyter-server-mathjax package: "
                           "pip install -e '.[docs]'")
    return os.path.join(spec.submodule_search_locations[0], "static")


def on_post_build(config, **kwargs) -> None:
    """Copy MathJax into the built site (its localization files stay out: the site is in English)."""
    shutil.copytree(mathjax_dir(), os.path.join(config["site_dir"], "mathjax"), dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("localization"))


class HideDunderAttributes(griffe.Extension):
    """Leave dunder attributes out of the API reference (dunder methods such as ``__call__`` stay)."""

    @staticmethod
    def _drop(obj: griffe.Object) -> None:
        for name in [n for n, m in obj.members.items()
                     if n.startswith("__") and n.endswith("__") and not m.is_alias and m.is_attribute]:
            del obj.members[name]

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        self._drop(mod)

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        self._drop(cls)


class HideImports(griffe.Extension):
    """Leave out the names a module imported rather than defined (``Tensor`` in mytorch.autograd.engine, the
    command helpers in mytorch.commands.*) unless its ``__all__`` lists them; a package's imports stay (they are
    its API: mytorch.nn.modules re-exports its submodules' classes). Also a class attribute holding a class not
    defined in that class (``LazyLinear.cls_to_become = Linear``), which would render that class again under the
    attribute."""

    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        if mod.is_init_module:
            return
        exported = set(getattr(importlib.import_module(mod.path), "__all__", ()))
        for name in [n for n, m in mod.members.items() if m.is_alias and n not in exported]:
            del mod.members[name]

    def on_class_members(self, *, cls: griffe.Class, **kwargs: Any) -> None:
        owner: Any = importlib.import_module(cls.module.path)
        for part in cls.path[len(cls.module.path) + 1:].split("."):
            owner = getattr(owner, part)
        for name in list(cls.members):
            value = inspect.getattr_static(owner, name, None)
            if inspect.isclass(value) and value.__qualname__ != f"{owner.__qualname__}.{name}":
                del cls.members[name]
