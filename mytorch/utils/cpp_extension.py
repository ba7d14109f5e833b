"""C++ extensions compiled at run time: PyTorch's ``torch.utils.cpp_extension.load``/``load_inline``.

A user writes functions over ``mytorch::Array`` (``csrc/core/array.h``, reached through
``#include "extension/extension.h"``), for example::

    mytorch::Array scale(const mytorch::Array& x, double s);

and ``load_inline("ops", cpp_sources=src, functions=["scale"])`` returns a module whose ``scale``
takes and returns mytorch tensors. How it works:

* **Binding.** For ``load_inline`` a nanobind module binding each listed function is generated
  (``load`` expects the sources to define ``NB_MODULE(name, m)`` themselves). It is compiled with the
  nanobind that mytorch's backend was built with, so both modules share nanobind's type registry:
  the ``_C.Array`` inside every tensor of the ``cpp`` backend is the very object the C++ function
  receives (no copy, no C shim). The loader checks this once per module and says so when it fails.
* **Sources.** The core files the Array type needs (``core/array.cpp``, ``core/allocator.cpp``,
  ``core/views.cpp``, under `include_paths`) are compiled into the extension: the backend's own symbols
  are hidden in ``_C``. (So an extension has its own pool of freed blocks; each array goes back to the
  pool of the module that made it, whose code its destructor runs.)
* **Build.** A tiny generated CMake project calls ``nanobind_add_module`` with the backend's flags
  (C++17, ``-O3 -march=native``, OpenMP, no ``-Os``); a failure raises ``RuntimeError`` carrying the
  compiler's output.
* **Cache.** The built module lives under ``MYTORCH_EXTENSIONS_DIR`` (default
  ``~/.cache/mytorch/extensions``) in ``<name>-<hash>/``, the hash covering the sources, the flags,
  the compiler, nanobind, Python, mytorch's version and its headers; a second load with the same
  inputs compiles nothing. Each build happens in a private folder and the module is moved into place
  with an atomic rename, so concurrent processes never load a half-written file.
* **Tensors.** Tensor arguments are passed as their backend arrays and must live on the ``cpp``
  backend (a tensor of another backend raises ``TypeError`` naming the function and the backend);
  returned Arrays (alone, or in a tuple or list) become tensors. The call is not recorded by
  autograd: wrap it with ``mytorch.library.custom_op`` and ``register_autograd`` to give it a backward.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Sequence

from .._tensor import Tensor

# the core sources an extension compiles in (the Array type and its views), relative to an include path
CORE_SOURCES = ("core/array.cpp", "core/allocator.cpp", "core/views.cpp")
_EXTENSION_HEADER = '#include "extension/extension.h"\n'
_BUILD_COUNT = 0  # builds run by this process (tests read it to see a cache hit)
_loaded: dict[Path, ModuleType] = {}


def include_paths() -> list[str]:
    """The folder holding mytorch's C++ headers: ``mytorch/include`` of the installed package, or the
    source tree's ``csrc/`` for an editable install from a checkout."""
    package = Path(__file__).resolve().parent.parent
    candidates = [package / "include", package.parent / "csrc"]
    try:  # an editable install serves _C from the package folder of site-packages
        from ..backends import _C
        candidates.insert(1, Path(_C.__file__).resolve().parent.parent / "include")
    except ImportError:
        pass
    for path in candidates:
        if (path / "core" / "array.h").is_file():
            return [str(path)]
    raise RuntimeError("mytorch's C++ headers were not found (looked in "
                       f"{', '.join(map(str, candidates))}); reinstall mytorch with a C++ compiler present")


def get_default_build_root() -> str:
    """``MYTORCH_EXTENSIONS_DIR``, or ``~/.cache/mytorch/extensions``."""
    return os.environ.get("MYTORCH_EXTENSIONS_DIR") or str(Path.home() / ".cache" / "mytorch" / "extensions")


def load_inline(name: str, cpp_sources: str | Sequence[str], functions: str | Sequence[str] | dict | None = None,
                extra_cflags: Sequence[str] | None = None, extra_ldflags: Sequence[str] | None = None,
                extra_include_paths: Sequence[str] | None = None, build_directory: str | None = None,
                verbose: bool = False) -> ModuleType:
    """Compile C++ source strings into a module and load it (``torch.utils.cpp_extension.load_inline``).

    ``#include "extension/extension.h"`` is prepended. ``functions`` (a name, a list of names, or a
    dict of name -> docstring) are bound under their names; without it the sources must define
    ``NB_MODULE(<name>, m)`` themselves.
    """
    sources = [cpp_sources] if isinstance(cpp_sources, str) else list(cpp_sources)
    code = _EXTENSION_HEADER + "\n".join(sources)
    if functions is not None:
        code += _bindings(name, functions)
    return _build_and_load(name, {"main.cpp": code}, extra_cflags, extra_ldflags, extra_include_paths,
                           build_directory, verbose)


def load(name: str, sources: str | Sequence[str], extra_cflags: Sequence[str] | None = None,
         extra_ldflags: Sequence[str] | None = None, extra_include_paths: Sequence[str] | None = None,
         build_directory: str | None = None, verbose: bool = False) -> ModuleType:
    """Compile C++ files into a module and load it (``torch.utils.cpp_extension.load``). The sources
    include ``"extension/extension.h"`` and define ``NB_MODULE(<name>, m)`` binding their functions;
    their folders are on the include path. The cache key covers the listed sources' text, not the
    headers they include from their own folders (change a source, or clear the cache, after editing one)."""
    paths = [Path(sources)] if isinstance(sources, (str, os.PathLike)) else [Path(s) for s in sources]
    files = {}
    for i, path in enumerate(paths):
        if not path.is_file():
            raise FileNotFoundError(f"load(): source file {path} of extension '{name}' does not exist")
        files[f"{i}_{path.name}"] = path.read_text()
    folders = dict.fromkeys(str(p.resolve().parent) for p in paths)
    return _build_and_load(name, files, extra_cflags, extra_ldflags, [*folders, *(extra_include_paths or [])],
                           build_directory, verbose)


# ---- the generated module ---------------------------------------------------------------------
def _bindings(name: str, functions: str | Sequence[str] | dict) -> str:
    if isinstance(functions, str):
        functions = [functions]
    docs = functions if isinstance(functions, dict) else {f: None for f in functions}
    defs = "".join(f'  m.def("{f}", &{f}' + (f', {_c_string(d)}' if d else "") + ");\n" for f, d in docs.items())
    return f"\n\nNB_MODULE({name}, m) {{\n{defs}{_PROBE}}}\n"


# bound by load_inline next to the user's functions: the loader calls it once with a _C.Array to see
# that the extension shares nanobind's type registry with _C (same nanobind ABI)
_PROBE = '  m.def("_mytorch_probe", [](const mytorch::Array& a) { return a.ndim(); });\n'


def _c_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_CMAKE = """cmake_minimum_required(VERSION 3.18)
project({name} LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
find_package(Python 3.10 COMPONENTS Interpreter Development.Module REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nanobind CONFIG REQUIRED)
# the flags of mytorch's backend (CMakeLists.txt); NOMINSIZE keeps -O3 instead of nanobind's -Os
add_compile_options(-O3 -march=native -Wall -Wno-unused-parameter)
nanobind_add_module({name} NB_STATIC NOMINSIZE {sources})
target_include_directories({name} PRIVATE {includes})
target_compile_options({name} PRIVATE {cflags})
target_link_options({name} PRIVATE {ldflags})
target_link_libraries({name} PRIVATE OpenMP::OpenMP_CXX)
"""


def _cmake_list(items: Iterable[str]) -> str:
    return " ".join('"' + str(i).replace("\\", "/").replace('"', '\\"') + '"' for i in items)


# ---- build, cache, load -------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _compiler_id() -> str:
    cxx = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or "c++"
    try:
        return subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return cxx


@functools.lru_cache(maxsize=None)
def _nanobind_cmake_dir() -> str:
    try:
        import nanobind
    except ImportError:
        raise RuntimeError("compiling a C++ extension needs nanobind, cmake and ninja: "
                           "pip install 'mytorch[cpp]'") from None
    return nanobind.cmake_dir()


def _hash(files: dict[str, str], cflags: Sequence[str], ldflags: Sequence[str], includes: Sequence[str]) -> str:
    import nanobind
    from .. import __version__
    h = hashlib.sha256()
    for part in (*files, *files.values(), *cflags, "\0", *ldflags, "\0", *includes, _compiler_id(),
                 nanobind.__version__, sys.version, sysconfig.get_config_var("EXT_SUFFIX") or "", __version__):
        h.update(part.encode() + b"\0")
    include = Path(includes[0])  # mytorch's headers: the extension's ABI depends on them
    for header in sorted(p for p in include.rglob("*") if p.suffix in (".h", ".cpp")):
        h.update(str(header.relative_to(include)).encode() + b"\0" + header.read_bytes())
    return h.hexdigest()[:16]


def _build_and_load(name: str, files: dict[str, str], extra_cflags, extra_ldflags, extra_includes,
                    build_directory, verbose: bool) -> ModuleType:
    if not name.isidentifier():
        raise ValueError(f"extension name must be a valid Python identifier, got {name!r}")
    cflags, ldflags = list(extra_cflags or []), list(extra_ldflags or [])
    includes = include_paths() + [str(p) for p in extra_includes or []]
    _nanobind_cmake_dir()
    root = Path(build_directory or get_default_build_root())
    key = _hash(files, cflags, ldflags, includes)
    target = root / f"{name}-{key}" / (name + sysconfig.get_config_var("EXT_SUFFIX"))
    if target in _loaded:
        return _loaded[target]
    if target.is_file():
        if verbose:
            print(f"mytorch.utils.cpp_extension: using cached {target}")
    else:
        _build(name, files, cflags, ldflags, includes, target, verbose)
    module = _import(name, target)
    _loaded[target] = module
    return module


def _build(name: str, files: dict[str, str], cflags: list[str], ldflags: list[str], includes: list[str],
           target: Path, verbose: bool) -> None:
    global _BUILD_COUNT
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=target.parent))
    try:
        for fname, text in files.items():
            (work / fname).write_text(text)
        sources = [work / f for f in files] + [Path(includes[0]) / s for s in CORE_SOURCES]
        (work / "CMakeLists.txt").write_text(_CMAKE.format(
            name=name, sources=_cmake_list(sources), includes=_cmake_list(includes),
            cflags=_cmake_list(cflags), ldflags=_cmake_list(ldflags)))
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        steps = [["cmake", "-S", str(work), "-B", str(work / "build"), *generator, "-DCMAKE_BUILD_TYPE=Release",
                  f"-DPython_EXECUTABLE={sys.executable}", f"-Dnanobind_DIR={_nanobind_cmake_dir()}"],
                 ["cmake", "--build", str(work / "build"), "--parallel", str(os.cpu_count() or 1)]]
        for cmd in steps:
            if verbose:
                print(" ".join(cmd))
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if verbose:
                print(done.stdout)
            if done.returncode != 0:
                raise RuntimeError(f"Error building extension '{name}':\n{done.stdout}")
        _BUILD_COUNT += 1
        built = next((work / "build").glob(name + "*" + sysconfig.get_config_var("EXT_SUFFIX")))
        os.replace(built, target)  # atomic: another process sees either no module or the whole one
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _import(name: str, path: Path) -> ModuleType:
    """Load the compiled module and return a module of the same functions over tensors."""
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    native = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path, loader=loader))
    loader.exec_module(native)  # nanobind modules use multi-phase initialisation (PEP 489)
    if hasattr(native, "_mytorch_probe"):
        _check_shared_types(name, native._mytorch_probe)
    module = ModuleType(name, native.__doc__)
    module.__file__ = str(path)
    module._native = native  # the raw nanobind module, over _C.Arrays
    for attr in dir(native):
        value = getattr(native, attr)
        if not attr.startswith("_") and callable(value) and type(value).__name__ == "nb_func":
            setattr(module, attr, _over_tensors(attr, value))
    return module


def _check_shared_types(name: str, probe: Callable) -> None:
    from ..backends import _C
    try:
        probe(_C.empty((2, 3), 0))
    except TypeError:
        import nanobind
        raise RuntimeError(
            f"extension '{name}' was built with nanobind {nanobind.__version__}, whose ABI differs from the one "
            "mytorch.backends._C was built with, so it cannot receive mytorch's arrays; install the nanobind "
            "version mytorch was built with (pip install 'mytorch[cpp]' after reinstalling mytorch)") from None


def _over_tensors(fname: str, native: Callable) -> Callable:
    """`native` called with each tensor argument's backend array; returned arrays become tensors."""
    def call(*args: Any, **kwargs: Any) -> Any:
        backend = []
        out = native(*[_array_of(fname, a, backend) for a in args],
                     **{k: _array_of(fname, v, backend) for k, v in kwargs.items()})
        return _tensor_of(out, backend[0] if backend else _cpp_backend(fname))
    call.__name__ = call.__qualname__ = fname
    call.__doc__ = native.__doc__
    return call


def _array_of(fname: str, x: Any, backend: list) -> Any:
    if isinstance(x, Tensor):
        if x._backend.name != "cpp":
            raise TypeError(f"{fname}(): a C++ extension takes tensors of the 'cpp' backend, got one of the "
                            f"'{x._backend.name}' backend (mytorch.backends.set_cpu_backend('cpp') before "
                            "creating the tensors)")
        if not backend:
            backend.append(x._backend)
        return x._data
    if type(x) in (list, tuple):
        return type(x)(_array_of(fname, y, backend) for y in x)
    return x


def _tensor_of(x: Any, backend: Any) -> Any:
    from ..backends import _C
    if type(x) is _C.Array:
        return Tensor._make(x, backend)
    if type(x) in (list, tuple):
        return type(x)(_tensor_of(y, backend) for y in x)
    return x


def _cpp_backend(fname: str) -> Any:
    from .. import backends
    if "cpp" not in backends.available_backends():
        raise RuntimeError(f"{fname}(): C++ extensions need mytorch's 'cpp' backend, which is not built here")
    return backends.backend("cpp")
