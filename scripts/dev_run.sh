#!/usr/bin/env bash
# Build this checkout's C++ backend in its own folder and run a command against this checkout.
#   bash scripts/dev_run.sh python -m pytest tests/test_cpp_fused.py
# For work in a git worktree beside an editable install of another checkout: the editable install's
# import finder would load the other checkout's Python files and its installed _C. Here the module is
# built into build/dev (MYTORCH_DEV_BUILD overrides), copied next to this checkout's Python files
# (mytorch/backends/_C*.so is git-ignored), and the finder is told to stand aside. For work that does not
# touch csrc/, MYTORCH_DEV_SO=path/to/_C*.so skips the build and uses that module.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
BUILD="${MYTORCH_DEV_BUILD:-build/dev}"
if [ -n "${MYTORCH_DEV_SO:-}" ]; then
    SO="$MYTORCH_DEV_SO"    # Python-only work: reuse a module built elsewhere instead of a 10-30 min build
else
    mkdir -p "$BUILD"
    if [ ! -f "$BUILD/build.ninja" ]; then
        cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
              -DPython_EXECUTABLE="$(command -v "$PYTHON")" > "$BUILD/configure.log"
    fi
    cmake --build "$BUILD" --target _C -j 2 > "$BUILD/build.log" || { tail -40 "$BUILD/build.log" >&2; exit 1; }
    SO="$(ls "$BUILD"/_C*.so)"
fi
# a fresh file, never an overwrite: overwriting a loaded .so crashes the processes that have it mapped
rm -f mytorch/backends/_C*.so && cp "$SO" mytorch/backends/
export SKBUILD_EDITABLE_SKIP="$(cd / && "$PYTHON" -c "import sys; print(next((f.path for f in sys.meta_path
    if type(f).__name__ == 'ScikitBuildRedirectingFinder'), ''))")"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
"$PYTHON" -c "import mytorch.backends._C as c, os; assert c.__file__.startswith(os.getcwd()), c.__file__"
exec "$@"
