"""`mytorch docs [--out DIR] [--serve]`: build the documentation site from this checkout, offline.

The site is MkDocs with mkdocstrings (`mkdocs.yml` at the repository root): the API reference is generated
from the docstrings, beside the architecture document and the tutorials in `docs/`. The build is strict: a
broken link, a missing reference or a docstring warning fails it. It needs a source checkout (the pages are
not installed with the package) and the `docs` extra (`pip install -e '.[docs]'`).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys


def repository_root() -> str:
    """The checkout holding mkdocs.yml: the folder above the mytorch package."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `mytorch docs` subcommand and its arguments to the CLI's subparsers."""
    p = subparsers.add_parser("docs", help="build the documentation site (API reference, architecture, tutorials)",
                              description="Build the documentation site into site/ (or --out DIR) in strict mode, "
                                          "offline; --serve serves it with live reload instead.")
    p.add_argument("--out", default=None, help="folder of the built site (default: site/ in the checkout)")
    p.add_argument("--serve", action="store_true", help="serve the site on http://127.0.0.1:8000 while editing")
    p.add_argument("--addr", default="127.0.0.1:8000", help="address for --serve (default 127.0.0.1:8000)")
    p.set_defaults(func=main)


def build(out: str | None = None) -> str:
    """Build the site strictly into `out` (default: site/ in the checkout) and return its folder."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    root = repository_root()
    config = load_config(os.path.join(root, "mkdocs.yml"), strict=True,
                         site_dir=os.path.abspath(out) if out else os.path.join(root, "site"))
    mkdocs_build(config)
    return config["site_dir"]


def main(args: argparse.Namespace) -> int:
    """Run `mytorch docs` with the parsed arguments; returns the process exit code."""
    root = repository_root()
    if not os.path.isfile(os.path.join(root, "mkdocs.yml")):
        print(f"mytorch docs: no mkdocs.yml in {root}: the documentation builds from a source checkout",
              file=sys.stderr)
        return 2
    try:
        import mkdocs  # noqa: F401
        import mkdocstrings  # noqa: F401
    except ImportError as e:
        print(f"mytorch docs: {e.name} is not installed: pip install -e '.[docs]'", file=sys.stderr)
        return 2
    from mkdocs.exceptions import Abort, ConfigurationError

    # MkDocs reports warnings through logging, which its own command line sets up: do the same
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s %(message)s")
    try:
        if args.serve:
            from mkdocs.commands.serve import serve
            serve(os.path.join(root, "mkdocs.yml"), dev_addr=args.addr, strict=True)
            return 0
        print(f"site built in {build(args.out)}")
    except (Abort, ConfigurationError) as e:
        print(f"mytorch docs: {e}", file=sys.stderr)
        return 1
    return 0
