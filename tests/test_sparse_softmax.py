"""torch.sparse.softmax / log_softmax of COO tensors against PyTorch: values and the gradients of the values
and of a sparse leaf, along sparse and dense dims, uncoalesced and hybrid inputs, dtype=, and the errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]


def pattern(rng, size, nnz, dense=()):
    """Random (indices, values) with a repeated position (an uncoalesced tensor)."""
    indices = np.stack([rng.integers(0, s, nnz) for s in size]).astype(np.int64)
    indices[:, -1] = indices[:, 0]
    return indices, rng.standard_normal((nnz, *dense)) * 3


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("size,dense,dim", [((4, 5), (), 0), ((4, 5), (), 1), ((4, 5), (), -1),
                                            ((3, 4, 2), (), 1), ((3, 4), (3,), 2), ((3, 4), (3,), 0)])
def test_values_and_gradients(log, size, dense, dim):
    rng = np.random.default_rng(len(size) + dim)
    indices, values = pattern(rng, size, 9, dense)
    mv = mytorch.tensor(values, requires_grad=True)
    tv = torch.tensor(values, requires_grad=True)
    m = mytorch.sparse_coo_tensor(mytorch.tensor(indices), mv, size + dense)
    t = torch.sparse_coo_tensor(torch.tensor(indices), tv, size + dense)
    mo = (mytorch.sparse.log_softmax if log else mytorch.sparse.softmax)(m, dim)
    # PyTorch 2.13's backward reads a negative dim unwrapped (its gradient along dim -1 of a 2-D tensor is
    # wrong: finite differences agree with the one along dim 1), so the reference takes the wrapped dim
    to = (torch.sparse.log_softmax if log else torch.sparse.softmax)(t, dim % t.ndim)
    assert mo.layout == mytorch.sparse_coo and mo.is_coalesced() and to.is_coalesced()
    np.testing.assert_array_equal(mo.indices().numpy(), to.indices().numpy())
    np.testing.assert_allclose(mo.values().detach().numpy(), to.values().detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(to.shape))
    (mo.to_dense() * mytorch.tensor(g)).sum().backward()
    (to.to_dense() * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(mv.grad.numpy(), tv.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("log", [False, True])
def test_sparse_leaf_gets_a_sparse_gradient_from_a_sparse_upstream(log):
    rng = np.random.default_rng(3)
    indices, values = pattern(rng, (4, 4), 8)
    m = mytorch.sparse_coo_tensor(mytorch.tensor(indices), mytorch.tensor(values), (4, 4), requires_grad=True)
    t = torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), (4, 4), requires_grad=True)
    f, tf = (mytorch.sparse.log_softmax, torch.sparse.log_softmax) if log else \
        (mytorch.sparse.softmax, torch.sparse.softmax)
    g = [[0, 3, 1], [0, 2, 1]], [1.0, -2.0, 0.5]  # partly off the output's pattern
    f(m, 0).backward(mytorch.sparse_coo_tensor(mytorch.tensor(g[0]), mytorch.tensor(g[1], dtype=mytorch.float64),
                                               (4, 4)))
    tf(t, 0).backward(torch.sparse_coo_tensor(torch.tensor(g[0]), torch.tensor(g[1], dtype=torch.float64), (4, 4)))
    assert m.grad.layout == mytorch.sparse_coo
    np.testing.assert_allclose(m.grad.to_dense().numpy(), t.grad.to_dense().numpy(), rtol=1e-10, atol=1e-12)


def test_dtype_argument_and_empty_input():
    x = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, -1.0]], np.float32)
    mo = mytorch.sparse.softmax(mytorch.tensor(x).to_sparse(), 1, dtype=mytorch.float64)
    to = torch.sparse.softmax(torch.tensor(x).to_sparse(), 1, dtype=torch.float64)
    assert mo.dtype is mytorch.float64 and to.dtype is torch.float64
    np.testing.assert_allclose(mo.to_dense().numpy(), to.to_dense().numpy(), rtol=1e-12)
    half = mytorch.sparse.log_softmax(mytorch.tensor(x).half().to_sparse(), 0, mytorch.float32)
    np.testing.assert_allclose(half.to_dense().numpy(),
                               torch.sparse.log_softmax(torch.tensor(x).half().to_sparse(), 0, torch.float32)
                               .to_dense().numpy(), rtol=1e-6)
    empty = mytorch.sparse.softmax(mytorch.zeros(3, 3).to_sparse(), 0)
    assert empty._nnz() == 0 and tuple(empty.shape) == (3, 3)


@pytest.mark.parametrize("case", ["long", "half", "csr", "dense", "dim"])
def test_errors_are_pytorchs(case):
    x = [[1.0, 0.0], [0.0, 2.0]]

    def call(lib):
        s = lib.tensor(x).to_sparse()
        arg = {"long": lambda: s.long(), "half": lambda: s.half(), "csr": lambda: lib.tensor(x).to_sparse_csr(),
               "dense": lambda: lib.tensor(x), "dim": lambda: s}[case]()
        return lib.sparse.softmax(arg, 2 if case == "dim" else 1)
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as mine:
        call(mytorch)
    head = {"long": '"softmax" not implemented for \'Long\'', "half": '"softmax" not implemented for \'Half\'',
            "csr": "Could not run 'aten::_sparse_softmax' with arguments from the 'SparseCsrCPU' backend",
            "dense": "Could not run 'aten::_sparse_softmax' with arguments from the 'CPU' backend",
            "dim": "Dimension out of range (expected to be in range of [-2, 1], but got 2)"}[case]
    assert head in str(theirs.value) and head in str(mine.value)
