"""Running a script the way a user does: ``python -m mytorch run SCRIPT`` (with mytorch as torch) or
``python SCRIPT`` (PyTorch itself), in a subprocess on the backend under test."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# A `torch` package that refuses to load, put first on the path of every `mytorch run`: the run passes
# only if `import torch` never reaches the file system, i.e. PyTorch is never imported.
POISON = Path(__file__).parent / "programs" / "poisoned_torch"


def mytorch_run(script: Path | str, *args: str, backend: str, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYTORCH_CPU_BACKEND": backend,
           "PYTHONPATH": os.pathsep.join([str(POISON), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "mytorch", "run", str(script), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def python_run(script: Path | str, *args: str, cwd: Path | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess:
    """The same script under real PyTorch."""
    return subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
