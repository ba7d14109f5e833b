"""MkDocs hooks of the documentation site (mkdocs.yml names this file), and a Griffe extension of its API
reference.

MathJax is served from the built site, so that the site renders its math without a network: the
jupyter-server-mathjax package (the `docs` extra) ships MathJax 2's files, copied here into site/mathjax.
It is located without being imported (importing it needs a Jupyter server).

The reference is read by inspecting the imported package, which also finds every module's and class's
dunder attributes (``__doc__``, ``__file__``, ``__weakref__``, ...); `HideDunderAttributes` drops them so
that the pages and their tables of contents list the API only.
"""
from __future__ import annotations

import importlib.util
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
