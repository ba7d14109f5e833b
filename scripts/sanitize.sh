#!/usr/bin/env bash
# Build the C++ backend with AddressSanitizer and UndefinedBehaviorSanitizer (its own build folder) and run
# the tests of every kernel family on it. Any out-of-bounds access, use after free or undefined behaviour
# in a kernel aborts the run with the sanitizer's report.
#   bash scripts/sanitize.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
BUILD=build/sanitize
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMYTORCH_SANITIZE=address,undefined \
      -DPython_EXECUTABLE="$(command -v "$PYTHON")" > "$BUILD/build.log"
cmake --build "$BUILD" --target _C -j 2 >> "$BUILD/build.log"

# a copy of the package holding the sanitized module, imported ahead of the installed one
PKG="$BUILD/python"
rm -rf "$PKG" && mkdir -p "$PKG" && cp -r mytorch "$PKG/" && cp "$BUILD"/_C*.so "$PKG/mytorch/backends/"
# an editable install redirects `import mytorch.backends._C`; this tells its finder to stand aside
export SKBUILD_EDITABLE_SKIP="$("$PYTHON" -c "import sys; print(next((f.path for f in sys.meta_path
    if type(f).__name__ == 'ScikitBuildRedirectingFinder'), ''))")"
export PYTHONPATH="$PWD/$PKG"
ROOT="$PWD"
cd "$PKG"  # `python -m` puts the working directory first on sys.path: make it the sanitized copy
# Python itself is not sanitized: the runtimes are preloaded; leaks are CPython's business, not ours
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
# reports go to files: pytest captures the test's stderr, and an aborting process would take it along
REPORTS="$ROOT/$BUILD/reports"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
export ASAN_OPTIONS="detect_leaks=0:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPORTS/ubsan"
"$PYTHON" -c "import mytorch.backends._C as c; assert c.__file__.startswith('$PWD'), c.__file__"
# storage/views/elementwise/reductions, GEMM, convolution, fused ops, optimizers, indexing, random streams,
# special functions, in-place gradient accumulation, complex tensors, factorizations: each family
TESTS=(views elementwise cpp_vmath reduction matmul nn_conv nn_pooling fused_primitives optim gather_scatter indexing
       joining sorting statistics cpp_conv cpp_fused cpp_index cpp_sort_index cpp_random cpp_attention_loss cpp_special
       torch_streams grad_accumulation complex cpp_linalg cpp_spectral)
status=0
"$PYTHON" -m pytest -q -p no:cacheprovider -c "$ROOT/pyproject.toml" --rootdir "$ROOT" -k "cpp" \
    $(printf "$ROOT/tests/test_%s.py " "${TESTS[@]}") "$@" || status=$?
if compgen -G "$REPORTS/*" > /dev/null; then
    echo "sanitizer reports:" >&2
    cat "$REPORTS"/* >&2
    status=1
fi
exit $status
