"""The elementwise product with a sparse operand (`mytorch/ops/sparse_mul.py`) against PyTorch: COO and CSR by
dense tensors (broadcast, either order, every spelling) and by sparse tensors (coalesced or not, each
choice of PyTorch's intersection), comparing the result's layout, indices, values and coalesced flag, the
gradients of both operands (layout, pattern, values), and PyTorch's errors for the layouts it refuses."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]


def coo(idx, val, size, coalesced=None):
    """The same COO tensor in both frameworks (mytorch's `is_coalesced` as PyTorch decides it)."""
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(val, dtype=torch.float64), size,
                                is_coalesced=coalesced)
    m = mytorch.sparse_coo_tensor(mytorch.tensor(idx), mytorch.tensor(val, dtype=mytorch.float64), size,
                                  is_coalesced=t.is_coalesced())
    return m, t


def dense(x):
    """The same dense tensor in both frameworks, from a nested list or an array."""
    a = np.asarray(x, dtype=np.float64)
    return mytorch.tensor(a), torch.tensor(a)


def same(m, t):
    """m and t are the same tensor: layout, shape, dtype and, for sparse ones, the stored pattern and flag."""
    assert str(t.layout).replace("torch.", "") == m.layout and tuple(m.shape) == tuple(t.shape)
    assert str(m.dtype) == str(t.dtype).replace("torch.", "mytorch.")
    if t.layout == torch.sparse_coo:
        assert m.is_coalesced() == t.is_coalesced()
        assert m._indices().numpy().tolist() == t._indices().tolist()
        np.testing.assert_allclose(m._values().detach().numpy(), t._values().detach().numpy(), rtol=1e-12)
    elif t.layout == torch.sparse_csr:
        assert m.crow_indices().numpy().tolist() == t.crow_indices().tolist()
        assert m.col_indices().numpy().tolist() == t.col_indices().tolist()
        np.testing.assert_allclose(m.values().detach().numpy(), t.values().detach().numpy(), rtol=1e-12)
    else:
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=1e-12)


S_IDX, S_VAL = [[0, 1, 1, 0], [2, 0, 2, 2]], [1., 2., 3., 4.]  # (0, 2) listed twice: uncoalesced
D = np.arange(6.).reshape(2, 3) + 1


@pytest.mark.parametrize("other", [D, D[0], D[:, :1], np.array([[2.]]), 3.0, np.ones((4, 2, 3)) * 2, np.ones((1, 2, 3))],
                         ids=["same", "row", "column", "one", "number", "lead", "lead1"])
@pytest.mark.parametrize("coalesced", [False, True])
@pytest.mark.parametrize("order", ["sparse_first", "dense_first", "torch.mul", "method"])
def test_coo_times_dense(other, coalesced, order):
    ms, ts = coo(S_IDX, S_VAL, (2, 3))
    if coalesced:
        ms, ts = ms.coalesce(), ts.coalesce()
    md, td = dense(other) if isinstance(other, np.ndarray) else (other, other)
    spell = {"sparse_first": lambda s, d: s * d, "dense_first": lambda s, d: d * s,
             "torch.mul": lambda s, d: (mytorch if isinstance(s, mytorch.Tensor) else torch).mul(d, s),
             "method": lambda s, d: s.mul(d)}[order]
    same(spell(ms, md), spell(ts, td))


@pytest.mark.parametrize("hybrid_other", [np.array([[2.], [3.]]), np.array([2., 3., 4.]), np.ones((4, 2, 3))])
def test_hybrid_coo_times_dense(hybrid_other):
    ms, ts = coo([[0, 1]], [[1., 2., 3.], [4., 5., 6.]], (2, 3))
    md, td = dense(hybrid_other)
    same(ms * md, ts * td)


PAIRS = {  # (x, y) of shape (4,): one coalesced, both uncoalesced (ties, fewer), both coalesced, many copies
    "coalesced_uncoalesced": (([[0, 1, 2]], [1., 2., 3.], True), ([[3, 1, 0, 1]], [10., 20., 30., 40.], None)),
    "uncoalesced_larger": (([[0, 1, 2, 3, 2]], [1., 2., 3., 4., 5.], None), ([[3, 1, 0, 1]], [10., 20., 30., 40.], None)),
    "tie": (([[0, 0, 1]], [1., 2., 3.], None), ([[1, 0, 1]], [10., 20., 30.], None)),
    "unmatched": (([[1, 0, 3, 2]], [5., 6., 7., 8.], None), ([[3, 1, 0, 1]], [10., 20., 30., 40.], None)),
    "both_coalesced": (([[0, 2]], [1., 3.], True), ([[0, 1, 3]], [30., 60., 10.], True)),
    "copies": (([[0] * 120], [1.] * 120, None), ([[1, 0, 3]], [5., 6., 7.], None)),
    "empty": (([[0, 2]], [1., 3.], True), (np.zeros((1, 0), np.int64).tolist(), [], True)),
}


@pytest.mark.parametrize("case", list(PAIRS))
@pytest.mark.parametrize("swap", [False, True])
def test_coo_times_coo(case, swap):
    (mx, tx), (my, ty) = (coo(i, v, (4,), c) for i, v, c in PAIRS[case])
    if swap:
        (mx, tx), (my, ty) = (my, ty), (mx, tx)
    same(mx * my, tx * ty)


def test_coo_times_0d_sparse_and_hybrid_pairs():
    ms, ts = coo(S_IDX, S_VAL, (2, 3))
    same(ms * mytorch.tensor(3.).to_sparse(), ts * torch.tensor(3.).to_sparse())
    mh, th = coo([[0, 1]], [[1., 2., 3.], [4., 5., 6.]], (2, 3))
    same(mh * mh, th * th)


CSR = np.array([[0, 1., 0], [2, 0, 3]])


@pytest.mark.parametrize("right", ["dense", "csr", "csc", "bsr", "coo", "0d"])
def test_csr_products(right):
    mc, tc = (x.to_sparse_csr() for x in dense(D))
    md, td = dense(CSR)
    if right == "0d":
        mo, to = mytorch.tensor(2., dtype=mytorch.float64), torch.tensor(2., dtype=torch.float64)
    elif right == "dense":
        mo, to = md, td
    elif right == "coo":
        mo, to = coo([[1, 0, 1], [0, 1, 0]], [1., 2., 3.], (2, 3))
    else:
        mo, to = ((x.to_sparse_bsr(1) if right == "bsr" else getattr(x, "to_sparse_" + right)()) for x in (md, td))
    same(mc * mo, tc * to)
    if right == "dense":
        same(md * mc, td * tc)
        same(mytorch.mul(md, mc), torch.mul(td, tc))


def _grads(make, lib, a, b, reduce):
    """(out, a.grad, b.grad) of make(a, b) reduced to a number by `reduce`."""
    a, b = a.clone().requires_grad_(), b.clone().requires_grad_()
    out = make(a, b)
    weights = lib.tensor(np.arange(np.prod(tuple(out.shape)), dtype=np.float64).reshape(tuple(out.shape)))
    loss = lib.mm(out, lib.ones(out.shape[1], 2, dtype=lib.float64)).sum() if reduce == "mm" else \
        (out.to_dense() * weights).sum()
    loss.backward()
    return out, a.grad, b.grad


def same_grad(m, t):
    """Gradients compare by layout, pattern and values (PyTorch's AccumulateGrad may drop a copied sparse
    gradient's coalesced flag)."""
    assert str(t.layout).replace("torch.", "") == m.layout
    if t.layout == torch.sparse_coo:
        assert m._indices().numpy().tolist() == t._indices().tolist()
        np.testing.assert_allclose(m._values().numpy(), t._values().numpy(), rtol=1e-12)
    else:
        same(m, t)


@pytest.mark.parametrize("case", ["coo*dense", "dense*coo", "coo*column", "coo*coo", "coalesced*coo", "csr*csr",
                                  "coo*dense via mm"])
def test_gradients(case):
    (ms, ts), (md, td) = coo(S_IDX, S_VAL, (2, 3)), dense(D)
    make = (lambda a, b: b * a) if case == "dense*coo" else (lambda a, b: a * b)
    if case == "coo*column":
        md, td = dense(D[:, :1])
    elif case in ("coo*coo", "coalesced*coo"):
        md, td = coo([[1, 0], [0, 2]], [5., 6.], (2, 3))
        if case == "coalesced*coo":
            ms, ts = ms.coalesce(), ts.coalesce()
    elif case == "csr*csr":
        (ms, ts), (md, td) = ((x.to_sparse_csr() for x in dense(arr)) for arr in (D, CSR))
    reduce = "mm" if case.endswith("mm") else "to_dense"
    mine, theirs = _grads(make, mytorch, ms, md, reduce), _grads(make, torch, ts, td, reduce)
    same(mine[0], theirs[0])
    same_grad(mine[1], theirs[1])
    same_grad(mine[2], theirs[2])


@pytest.mark.parametrize("left,right", [("csr", "dense"), ("dense", "csr"), ("csr", "coo")])
def test_a_csr_product_refuses_a_gradient_of_another_layout(left, right):
    results = []
    for lib, make_coo in ((mytorch, coo), (torch, coo)):
        d = lib.tensor(CSR, dtype=lib.float64)
        ops = {"csr": d.to_sparse_csr(), "dense": d.clone(), "coo": d.to_sparse()}
        a, b = ops[left].requires_grad_(), ops[right].requires_grad_()
        with pytest.raises(RuntimeError) as err:
            (a * b).to_dense().sum().backward()
        results.append(str(err.value))
    assert results[0].startswith(results[1])


@pytest.mark.parametrize("left,right", [("csc", "dense"), ("dense", "csc"), ("dense", "bsr"), ("coo", "csr"),
                                        ("bsr", "dense"), ("bsc", "bsc"), ("csr", "wide"), ("coo", "wide"),
                                        ("coo", "coo4")])
def test_errors_are_pytorchs(left, right):
    messages = []
    for lib in (mytorch, torch):
        d = lib.tensor(D, dtype=lib.float64)
        ops = {"csc": d.to_sparse_csc(), "dense": d, "bsr": d.to_sparse_bsr(1), "bsc": d.to_sparse_bsc(1),
               "coo": d.to_sparse(), "csr": d.to_sparse_csr(), "wide": lib.ones(3, 3, dtype=lib.float64),
               "coo4": lib.ones(2, 4, dtype=lib.float64).to_sparse()}
        with pytest.raises(RuntimeError) as err:
            ops[left] * ops[right]
        messages.append(str(err.value))
    assert messages[0].startswith(messages[1])


@pytest.mark.parametrize("other", ["dense", "coalesced", "csr_by_coo"])
def test_in_place_mul(other):
    (ms, ts), (md, td) = coo(S_IDX, S_VAL, (2, 3)), dense(D)
    if other == "coalesced":
        md, td = ms.coalesce(), ts.coalesce()
    elif other == "csr_by_coo":
        (ms, ts), (md, td) = (md.to_sparse_csr(), td.to_sparse_csr()), (ms, ts)
    mine, theirs = ms.clone(), ts.clone()
    mine.mul_(md)
    theirs.mul_(td)
    same(mine, theirs)
    mine, theirs = ms.clone(), ts.clone()
    mine *= md
    theirs *= td
    same(mine, theirs)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        ms.clone().requires_grad_().mul_(md)
