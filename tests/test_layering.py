"""DESIGN.md's layering, checked on the source: imports point downward only.

Every ``.py`` file under ``mytorch/`` is parsed with `ast` (so a docstring or
comment that mentions numpy does not count) and each import, including
``importlib.import_module("x")`` / ``__import__("x")`` with a literal name, is
resolved to an absolute module name.
"""
from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.backend_independent  # it reads the source

PACKAGE = Path(__file__).resolve().parent.parent / "mytorch"

# The layers, bottom up, as module-name prefixes (DESIGN.md "Layers"). A module
# may import, at module level, modules of its own layer or any layer below it.
# An import inside a function runs only when called, after the whole package
# has loaded, so it may point upward (``Tensor.__repr__`` importing the
# printer, the engine creating zeros); backends may not do even that: a
# backend is a self-contained set of kernels, testable without the rest.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("mytorch._dtype", "mytorch._device")),  # plain descriptors, used by every layer
    ("backend", ("mytorch.backends",)),  # storage and primitive kernels; the only home of NumPy
    ("tensor", ("mytorch._tensor", "mytorch._tensor_str")),  # the data structure
    ("autograd", ("mytorch.autograd",)),  # Function/Node, engine, grad mode
    ("ops", ("mytorch.ops",)),  # differentiable ops built on Function
    # nn, optim, data, serialization, and any other top-level module not listed (a new namespace such
    # as mytorch.linalg or mytorch.testing is a user-facing layer over the ops)
    ("framework", ()),
    ("apps", ("mytorch.cli", "mytorch.__main__", "mytorch.commands", "mytorch.models", "mytorch.datasets",
              "mytorch.generation", "mytorch.training", "mytorch.atlas", "mytorch.transforms", "mytorch.text",
              "mytorch.speech")),
    ("package", ()),  # mytorch/__init__.py: re-exports everything, so nothing below may import it eagerly
]
LEVEL = {name: i for i, (name, _) in enumerate(LAYERS)}

# _tensor.py holds what a tensor *is*; at module level it needs only these (ops attach methods to it later).
TENSOR_MODULE_LEVEL_IMPORTS = {"mytorch._dtype", "mytorch._device"}

# Modules outside mytorch/backends/ allowed to import NumPy/ml_dtypes, each with the DESIGN.md edge it
# serves. from_numpy and .numpy() go through backend methods (share_host / to_host).
NUMPY_EDGES: dict[str, str] = {
    "mytorch.utils.dlpack": "DLPack capsules are made and adopted by NumPy's DLPack code on zero-copy host views",
    "mytorch.onnx._graph": "ONNX initializers are written from host arrays (onnx.numpy_helper)",
    "mytorch.onnx.symbolic_ops": "ONNX constants (shapes, scalars) are host arrays",
    "mytorch.onnx.symbolic_nn": "ONNX constants (scalars) are host arrays",
    "mytorch.onnx.symbolic_rnn": "the LSTM weights are re-stacked in ONNX's gate order on the host",
    "mytorch.utils.tensorboard.summary": "TensorBoard's summary protos are filled from host arrays (log output)",
    "mytorch.models.ctranslate2_format": "a weight-file parser: the file's bytes are viewed as host arrays (loading)",
    "mytorch.models.whisper_loader": "CTranslate2's fused host arrays are split and converted before from_numpy",
}
HOST_LIBRARIES = ("numpy", "ml_dtypes")


def layer_of(module: str) -> str:
    if module == "mytorch":
        return "package"
    for name, prefixes in LAYERS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return "framework"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_from(path: Path, node: ast.ImportFrom) -> list[str]:
    """Absolute names imported by ``from X import a, b``: X.a when that is a module, else X."""
    if node.level:
        pkg = module_name(path).split(".")
        if path.name != "__init__.py":
            pkg.pop()
        base_parts = pkg[:len(pkg) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        file = PACKAGE.parent.joinpath(*sub.split("."))
        is_module = file.with_suffix(".py").exists() or (file / "__init__.py").exists()
        out.append(sub if is_module else base)
    return out


@functools.lru_cache(maxsize=None)  # each file is checked by three tests on every backend: parse it once
def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(absolute module name, line, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno, top) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.extend((m, node.lineno, top) for m in _resolve_from(path, node))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if fname in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.args[0].value, node.lineno, top))
        inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, True)
    return found


FILES = sorted(PACKAGE.rglob("*.py"))
IDS = [str(p.relative_to(PACKAGE.parent)) for p in FILES]


def _root(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_numpy_only_in_backends(path: Path) -> None:
    mod = module_name(path)
    if layer_of(mod) == "backend" or mod in NUMPY_EDGES:
        return
    bad = [(m, line) for m, line, _ in imports(path) if _root(m) in HOST_LIBRARIES]
    assert not bad, (f"{mod} imports {bad}: above mytorch/backends/ call backend primitives instead "
                     "(or, for a documented edge, add the module to NUMPY_EDGES with its reason)")


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_torch(path: Path) -> None:
    bad = [(m, line) for m, line, _ in imports(path) if _root(m) == "torch"]
    assert not bad, f"{module_name(path)} imports PyTorch {bad}: torch is the test oracle only"


def upward_imports(path: Path) -> list[str]:
    """Imports of a higher layer: at module level, or anywhere in a backend."""
    mod = module_name(path)
    level = LEVEL[layer_of(mod)]
    strict = layer_of(mod) == "backend"
    return [f"line {line}: {m} ({layer_of(m)})" for m, line, top in imports(path)
            if _root(m) == "mytorch" and (top or strict) and LEVEL[layer_of(m)] > level]


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_imports_point_down(path: Path) -> None:
    mod = module_name(path)
    bad = upward_imports(path)
    where = "anywhere" if layer_of(mod) == "backend" else "at module level"
    assert not bad, f"{mod} ({layer_of(mod)} layer) imports a higher layer {where}: {bad}"


def test_tensor_module_level_imports() -> None:
    path = PACKAGE / "_tensor.py"
    eager = {m for m, _, top in imports(path) if top and _root(m) == "mytorch"}
    assert eager <= TENSOR_MODULE_LEVEL_IMPORTS, (
        f"_tensor.py imports {sorted(eager - TENSOR_MODULE_LEVEL_IMPORTS)} at module level; "
        "import them inside the function that needs them")


def test_layer_table_covers_the_package() -> None:
    """The rules above see every file, and the resolver understands the package's own import styles."""
    assert len(FILES) > 10
    assert layer_of("mytorch.ops.binary") == "ops" and layer_of("mytorch.nn.functional") == "framework"
    found = {m for m, _, _ in imports(PACKAGE / "ops" / "binary.py")}
    assert {"mytorch._dtype", "mytorch._tensor", "mytorch.autograd.function", "mytorch.ops._util"} <= found


def test_checker_catches_violations(tmp_path: Path, monkeypatch) -> None:
    """The checker itself: a lazy import is not module level, a docstring is not an import."""
    fake = tmp_path / "mytorch" / "autograd"
    fake.mkdir(parents=True)
    (tmp_path / "mytorch" / "ops").mkdir()
    (tmp_path / "mytorch" / "ops" / "__init__.py").write_text("")
    src = fake / "bad.py"
    src.write_text('"""import numpy"""\nfrom ..ops import x\nimport importlib\n'
                   'def f():\n    import numpy as np\n    return importlib.import_module("torch")\n')
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "mytorch")
    assert imports(src) == [("mytorch.ops", 2, True), ("importlib", 3, True), ("numpy", 5, False),
                            ("torch", 6, False)]
    assert upward_imports(src) == ["line 2: mytorch.ops (ops)"]
    backend = tmp_path / "mytorch" / "backends"
    backend.mkdir()
    (backend / "k.py").write_text("def f():\n    from .._tensor import Tensor\n")
    assert upward_imports(backend / "k.py") == ["line 2: mytorch._tensor (tensor)"]
