"""MkDocs hooks of the documentation site (mkdocs.yml names this file).

MathJax is served from the built site, so that the site renders its math without a network: the
jupyter-server-mathjax package (the `docs` extra) ships MathJax 2's files, copied here into site/mathjax.
It is located without being imported (importing it needs a Jupyter server).
"""
from __future__ import annotations

import importlib.util
import os
import shutil


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
