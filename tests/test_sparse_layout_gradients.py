"""Gradients through a sparse tensor's ``t()`` and through conversions between sparse layouts, against
PyTorch: ``t()`` passes the upstream gradient transposed in its own layout (so ``x.t() @ w`` gives a sparse
leaf PyTorch's dense gradient, and ``torch.sparse.mm(x.t(), w)`` its masked one in PyTorch's order), and a
conversion hands the gradient back converted to the input's layout (PyTorch's ToSparse*Backward). Each case
compares the leaf's gradient whole: layout, stored pattern in order, values."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

X = np.array([[1., 0, 2], [0, 3, 0]])
W = np.arange(1., 7.).reshape(2, 3)


def leaf(lib, layout):
    x = lib.tensor(X)
    return (x.to_sparse() if layout == "coo" else getattr(x, f"to_sparse_{layout}")()).requires_grad_()


def stored(g):
    """A gradient as plain data: its layout's name, its index arrays in stored order and its values."""
    layout = str(g.layout).replace("torch.", "")
    if layout == "sparse_coo":
        arrays = [g._indices(), g._values()]
    elif layout in ("sparse_csr", "sparse_bsr"):
        arrays = [g.crow_indices(), g.col_indices(), g.values()]
    elif layout in ("sparse_csc", "sparse_bsc"):
        arrays = [g.ccol_indices(), g.row_indices(), g.values()]
    else:
        arrays = [g]
    return layout, [np.asarray(a.detach().numpy()).tolist() for a in arrays]


CASES = {
    "t @ w": lambda lib, x: (x.t() @ lib.tensor(W)).sum(),
    "mm(t, w)": lambda lib, x: lib.mm(x.t(), lib.tensor(W)).sum(),
    "w @ t": lambda lib, x: (lib.ones(4, 3, dtype=lib.float64) @ x.t()).sum(),
    "t to_dense": lambda lib, x: (x.t().to_dense() * lib.tensor(np.arange(6.).reshape(3, 2))).sum(),
    "sparse.mm(t, w)": lambda lib, x: lib.sparse.mm(x.t(), lib.tensor(W)).sum(),
}
SUPPORTED = [(case, layout) for case in CASES for layout in ("coo", "csr", "csc")
             # PyTorch's backward fails on its CSC kernels there (not checked here)
             if not (layout == "csc" and case in ("t to_dense", "sparse.mm(t, w)"))
             and not (layout == "csr" and case == "sparse.mm(t, w)")]


@pytest.mark.parametrize("case,layout", SUPPORTED)
def test_gradient_through_t(case, layout):
    grads = []
    for lib in (mytorch, torch):
        x = leaf(lib, layout)
        CASES[case](lib, x).backward()
        grads.append(stored(x.grad))
    assert grads[0] == grads[1]


CONVERSIONS = {
    "coo->csr": ("coo", lambda x: x.to_sparse_csr()), "coo->csc": ("coo", lambda x: x.to_sparse_csc()),
    "coo->bsr": ("coo", lambda x: x.to_sparse_bsr(1)), "csr->coo": ("csr", lambda x: x.to_sparse()),
    "csr->csc": ("csr", lambda x: x.to_sparse_csc()), "coo->csr layout=": ("coo", lambda x: x.to_sparse(
        layout=x.to_sparse_csr().layout)),
}


@pytest.mark.parametrize("conversion", list(CONVERSIONS))
@pytest.mark.parametrize("upstream", ["to_dense", "mm"])
def test_gradient_through_a_layout_conversion(conversion, upstream):
    source, convert = CONVERSIONS[conversion]
    grads = []
    for lib in (mytorch, torch):
        x = leaf(lib, source)
        y = convert(x)
        out = (y.to_dense() * lib.tensor(W)).sum() if upstream == "to_dense" else \
            (y @ lib.ones(3, 2, dtype=lib.float64)).sum()
        out.backward()
        grads.append(stored(x.grad))
    assert grads[0] == grads[1]
