"""Sparse COO and compressed tensors (`mytorch/ops/sparse.py`, `sparse_compressed.py`) against PyTorch: construction,
coalescing, to_dense and to_sparse(_csr), torch.sparse.mm (with CSR's reductions), torch.sparse.sum and
torch.sparse.sampled_addmm, with the gradients of the values, of a sparse leaf (a sparse
gradient on its own pattern) and of the dense operands under random upstream gradients; uncoalesced inputs
with duplicate positions, hybrid tensors (dense trailing dims), no stored values at all; and the errors of
ops the layout does not support."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]
DTYPES = {np.float32: (mytorch.float32, torch.float32), np.float64: (mytorch.float64, torch.float64)}


def pattern(rng, size, nnz, dense=(), dtype=np.float64):
    """Random (indices, values) with repeated positions (an uncoalesced tensor) when nnz allows."""
    indices = np.stack([rng.integers(0, s, nnz) for s in size]) if nnz else np.zeros((len(size), 0), np.int64)
    if nnz > 2:
        indices[:, -1] = indices[:, 0]  # a duplicate of the first position
    return indices.astype(np.int64), rng.standard_normal((nnz, *dense)).astype(dtype)


def both(indices, values, size, requires_grad=False):
    """The same sparse tensor in both frameworks, built from value leaves; returns (m, t, m_leaf, t_leaf)."""
    mv = mytorch.tensor(values, requires_grad=requires_grad)
    tv = torch.tensor(values, requires_grad=requires_grad)
    return (mytorch.sparse_coo_tensor(mytorch.tensor(indices), mv, size),
            torch.sparse_coo_tensor(torch.tensor(indices), tv, size), mv, tv)


def dense_of(x):
    """A tensor's values as a NumPy array (sparse ones through to_dense)."""
    if isinstance(x, torch.Tensor):
        return (x.to_dense() if x.layout != torch.strided else x).detach().numpy()
    return (x.to_dense() if x.layout != mytorch.strided else x).detach().numpy()


def close(mine, theirs, tol=1e-5):
    if isinstance(theirs, torch.Tensor) and theirs.layout == torch.sparse_coo:
        assert mine.is_sparse and mine.layout == mytorch.sparse_coo
    np.testing.assert_allclose(dense_of(mine), dense_of(theirs), rtol=tol, atol=tol)


@pytest.mark.parametrize("nnz", [0, 1, 7])
@pytest.mark.parametrize("dense", [(), (2,)])
def test_construct_coalesce_to_dense(nnz, dense):
    rng = np.random.default_rng(nnz)
    indices, values = pattern(rng, (4, 3), nnz, dense)
    m, t, _, _ = both(indices, values, (4, 3, *dense))
    assert tuple(m.shape) == tuple(t.shape) and m.dtype is mytorch.float64
    assert (m.sparse_dim(), m.dense_dim(), m._nnz(), m.is_coalesced()) == \
        (t.sparse_dim(), t.dense_dim(), t._nnz(), t.is_coalesced())
    close(m, t)
    mc, tc = m.coalesce(), t.coalesce()
    assert mc.is_coalesced() and mc._nnz() == tc._nnz()
    np.testing.assert_array_equal(mc.indices().numpy(), tc.indices().numpy())
    np.testing.assert_allclose(mc.values().detach().numpy(), tc.values().detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.to_dense().numpy(), t.to_dense().numpy(), rtol=1e-12)
    assert "layout=mytorch.sparse_coo" in repr(m) and f"nnz={nnz}" in repr(m)


def test_size_is_inferred_and_indices_are_checked():
    m = mytorch.sparse_coo_tensor([[0, 2], [1, 0]], [3.0, 4.0])
    t = torch.sparse_coo_tensor([[0, 2], [1, 0]], [3.0, 4.0])
    assert tuple(m.shape) == tuple(t.shape) and m.dtype is mytorch.float32
    with pytest.raises(RuntimeError, match="size is inconsistent with indices: for dim 0, size is 2 but found"):
        mytorch.sparse_coo_tensor([[0, 2], [1, 0]], [3.0, 4.0], (2, 2))
    with pytest.raises(RuntimeError, match="indices and values must have same nnz"):
        mytorch.sparse_coo_tensor([[0, 1], [1, 0]], [3.0], (2, 2))
    with pytest.raises(RuntimeError, match="len\\(size\\) == sparse_dim \\+ dense_dim"):
        mytorch.sparse_coo_tensor([[0, 1], [1, 0]], [3.0, 4.0], (2, 2, 2))
    with pytest.raises(RuntimeError, match="Cannot get indices on an uncoalesced tensor"):
        m.indices()
    with pytest.raises(RuntimeError, match="Cannot get values on an uncoalesced tensor"):
        m.values()


@pytest.mark.parametrize("npdtype", [np.float32, np.float64])
@pytest.mark.parametrize("nnz", [0, 9])
def test_sparse_mm_values_and_gradients(npdtype, nnz):
    rng = np.random.default_rng(1)
    mdt, tdt = DTYPES[npdtype]
    indices, values = pattern(rng, (5, 4), nnz, dtype=npdtype)
    d = rng.standard_normal((4, 3)).astype(npdtype)
    up = rng.standard_normal((5, 3)).astype(npdtype)
    tol = 1e-5 if npdtype is np.float32 else 1e-12
    # the values as leaves (through sparse_coo_tensor), the dense operand as a leaf
    m, t, mv, tv = both(indices, values, (5, 4), requires_grad=True)
    md, td = mytorch.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    mo, to = mytorch.sparse.mm(m, md), torch.sparse.mm(t, td)
    assert mo.dtype is mdt and to.dtype == tdt
    close(mo, to, tol)
    mo.backward(mytorch.tensor(up))
    to.backward(torch.tensor(up))
    close(mv.grad, tv.grad, tol)
    close(md.grad, td.grad, tol)
    # a sparse leaf: its gradient is sparse, on its own (coalesced) pattern, and accumulates
    ml = mytorch.sparse_coo_tensor(indices, values, (5, 4)).requires_grad_()
    tl = torch.sparse_coo_tensor(indices, values, (5, 4)).requires_grad_()
    for _ in range(2):
        mytorch.sparse.mm(ml, mytorch.tensor(d)).backward(mytorch.tensor(up))
        torch.sparse.mm(tl, torch.tensor(d)).backward(torch.tensor(up))
    close(ml.grad, tl.grad, tol)
    assert ml.grad._nnz() == tl.grad._nnz()
    np.testing.assert_array_equal(ml.grad._indices().numpy(), tl.grad._indices().numpy())


def test_dense_times_sparse_and_the_matmul_operator():
    rng = np.random.default_rng(2)
    indices, values = pattern(rng, (4, 5), 8)
    d = rng.standard_normal((3, 4))
    m, t, mv, tv = both(indices, values, (4, 5), requires_grad=True)
    md, td = mytorch.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    mo, to = mytorch.sparse.mm(md, m), torch.sparse.mm(td, t)
    close(mo, to, 1e-12)
    up = rng.standard_normal((3, 5))
    mo.backward(mytorch.tensor(up))
    to.backward(torch.tensor(up))
    close(mv.grad, tv.grad, 1e-12)
    close(md.grad, td.grad, 1e-12)
    e = rng.standard_normal((5, 2))
    close(m @ mytorch.tensor(e), t @ torch.tensor(e), 1e-12)
    close(mytorch.spmm(m, mytorch.tensor(e)), torch.spmm(t, torch.tensor(e)), 1e-12)


@pytest.mark.parametrize("sparse_dim", [None, 1, 2])
def test_to_sparse_round_trip_and_gradient(sparse_dim):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 2)) * (rng.random((4, 3, 2)) < 0.4)
    x[1] = 0  # a whole block of zeros: no stored position for it
    mx, tx = mytorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ms = mx.to_sparse() if sparse_dim is None else mx.to_sparse(sparse_dim)
    ts = tx.to_sparse() if sparse_dim is None else tx.to_sparse(sparse_dim)
    assert ms.is_coalesced() and (ms.sparse_dim(), ms._nnz()) == (ts.sparse_dim(), ts._nnz())
    np.testing.assert_array_equal(ms.indices().numpy(), ts.indices().numpy())
    close(ms, ts, 0)
    w = rng.standard_normal(x.shape)
    (ms.to_dense() * mytorch.tensor(w)).sum().backward()
    (ts.to_dense() * torch.tensor(w)).sum().backward()
    close(mx.grad, tx.grad, 1e-12)


@pytest.mark.parametrize("dim", [None, 0, 1, 2, (0, 1), (1, 2), (0, 1, 2)])
def test_sparse_sum_values_and_gradients(dim):
    rng = np.random.default_rng(4)
    indices, values = pattern(rng, (4, 3), 6, dense=(2,))
    m, t, mv, tv = both(indices, values, (4, 3, 2), requires_grad=True)
    mo = mytorch.sparse.sum(m) if dim is None else mytorch.sparse.sum(m, dim)
    to = torch.sparse.sum(t) if dim is None else torch.sparse.sum(t, dim)
    close(mo, to, 1e-12)
    assert mo.is_sparse == (to.layout == torch.sparse_coo)
    up = rng.standard_normal(tuple(to.shape))
    mo_d, to_d = (mo.to_dense() if mo.is_sparse else mo), (to.to_dense() if to.is_sparse else to)
    (mo_d * mytorch.tensor(up)).sum().backward()
    (to_d * torch.tensor(up)).sum().backward()
    close(mv.grad, tv.grad, 1e-12)
    assert mytorch.sparse.sum(m, 1, dtype=mytorch.float32).dtype is mytorch.float32


def test_sparse_gradient_feeds_sparse_ops_and_second_use():
    """A sparse leaf used twice: the gradients of to_dense and sparse.mm add as sparse tensors."""
    rng = np.random.default_rng(5)
    indices, values = pattern(rng, (3, 3), 5)
    d = rng.standard_normal((3, 2))
    grads = []
    for T in (mytorch, torch):
        s = T.sparse_coo_tensor(T.tensor(indices), T.tensor(values), (3, 3)).requires_grad_()
        y = (T.sparse.mm(s, T.tensor(d)).sum() + (s.to_dense() * T.tensor(d[:, :1].repeat(3, 1))).sum() +
             T.sparse.sum(s * 2.0))
        y.backward()
        grads.append(s.grad)
    close(*grads, tol=1e-12)


def test_clone_detach_to_transpose_neg_add():
    rng = np.random.default_rng(6)
    indices, values = pattern(rng, (3, 4), 5)
    m, t, _, _ = both(indices, values, (3, 4))
    for f in (lambda s: s.clone(), lambda s: s.detach(), lambda s: s.to(s.dtype), lambda s: s.float(),
              lambda s: s.t(), lambda s: -s, lambda s: s * 3.0, lambda s: 2.0 * s, lambda s: s + s,
              lambda s: s.coalesce() + s):
        close(f(m), f(t), 1e-6)
    dense = rng.standard_normal((3, 4))
    close(mytorch.tensor(dense) + m, torch.tensor(dense) + t, 1e-12)
    assert m.float().dtype is mytorch.float32


def csr_pair(rng, n, m, dtype=np.float64):
    """The same random CSR matrix (an empty row included) in both frameworks, as leaves requiring grad."""
    x = (rng.standard_normal((n, m)) * (rng.random((n, m)) < 0.5)).astype(dtype)
    x[1] = 0
    t = torch.tensor(x).to_sparse_csr()
    mine = mytorch.sparse_csr_tensor(t.crow_indices().numpy(), t.col_indices().numpy(), t.values().numpy(), (n, m))
    return mine.requires_grad_(), t.requires_grad_()


def test_csr_layout_matches_torch():
    rng = np.random.default_rng(7)
    m, t = csr_pair(rng, 4, 5)
    assert m.layout == mytorch.sparse_csr and m.is_sparse_csr and not m.is_sparse and m._nnz() == t._nnz()
    np.testing.assert_array_equal(m.crow_indices().numpy(), t.crow_indices().numpy())
    np.testing.assert_array_equal(m.col_indices().numpy(), t.col_indices().numpy())
    close(m.to_dense(), t.to_dense(), 0)
    x = dense_of(t)
    mc, tc = mytorch.tensor(x).to_sparse_csr(), torch.tensor(x).to_sparse_csr()
    np.testing.assert_array_equal(mc.crow_indices().numpy(), tc.crow_indices().numpy())
    close(mc.to_sparse(), tc.to_sparse(), 0)
    close(mytorch.tensor(x).to_sparse().to_sparse_csr().to_dense(), tc.to_dense(), 0)
    assert mytorch.zeros(0, 0).to_sparse_csr().crow_indices().tolist() == [0]
    assert "crow_indices=" in repr(mc) and "layout=mytorch.sparse_csr" in repr(mc)


@pytest.mark.parametrize("layout", ["coo", "csr"])
@pytest.mark.parametrize("product", ["operator", "mm", "matmul", "sparse.mm"])
def test_every_product_spelling_takes_a_sparse_operand_on_either_side(layout, product):
    """dense @ sparse and sparse @ dense through @, mm, matmul and sparse.mm: values and whole gradients. `dense
    @ sparse` reaches the subclass's __rmatmul__ before the dense __matmul__. As in PyTorch, the sparse
    operand's gradient is dense (every entry) through @, mm and matmul, and sparse in its own layout, on its
    own pattern, through sparse.mm. PyTorch's backward of dense @ CSR through sparse.mm raises (a CSC
    combination its kernel lacks); mytorch gives the CSR gradient, compared with torch.mm's at the stored
    positions."""
    rng = np.random.default_rng(12)
    ms, ts = csr_pair(rng, 4, 5)
    if layout == "coo":
        ms, ts = ms.detach().to_sparse().requires_grad_(), ts.detach().to_sparse().requires_grad_()
    stored = dense_of(ts) != 0
    for left in (True, False):
        d = rng.standard_normal((3, 4) if left else (5, 3))
        md, td = mytorch.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
        torch_raises = left and layout == "csr" and product == "sparse.mm"
        outs = []
        for T, s, x in ((mytorch, ms, md), (torch, ts, td)):
            name = "mm" if T is torch and torch_raises else product
            f = {"operator": lambda a, b: a @ b, "mm": T.mm, "matmul": T.matmul, "sparse.mm": T.sparse.mm}[name]
            outs.append(f(x, s) if left else f(s, x))
        close(*outs, 1e-12)
        up = rng.standard_normal(tuple(outs[1].shape))
        mg = mytorch.autograd.grad(outs[0], [ms, md], mytorch.tensor(up))
        tg = torch.autograd.grad(outs[1], [ts, td], torch.tensor(up))
        close(mg[1], tg[1], 1e-12)
        if torch_raises:
            assert mg[0].layout == mytorch.sparse_csr
            np.testing.assert_allclose(dense_of(mg[0]), dense_of(tg[0]) * stored, rtol=1e-12, atol=1e-12)
            continue
        assert str(mg[0].layout).split(".")[-1] == str(tg[0].layout).split(".")[-1]
        if product != "sparse.mm":
            close(mg[0], tg[0], 1e-12)
            continue
        mc, tc = mg[0].to_sparse().coalesce(), tg[0].to_sparse().coalesce()
        np.testing.assert_array_equal(mc.indices().numpy(), tc.indices().numpy())
        np.testing.assert_allclose(mc.values().numpy(), tc.values().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_csr_mm_reduce_values_and_gradients(reduce):
    rng = np.random.default_rng(8)
    m, t = csr_pair(rng, 5, 4)
    d, up = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    md, td = mytorch.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    mo, to = mytorch.sparse.mm(m, md, reduce), torch.sparse.mm(t, td, reduce)
    close(mo, to, 1e-12)
    mo.backward(mytorch.tensor(up))
    to.backward(torch.tensor(up))
    assert m.grad.layout == mytorch.sparse_csr and t.grad.layout == torch.sparse_csr
    close(m.grad.to_dense(), t.grad.to_dense(), 1e-12)
    close(md.grad, td.grad, 1e-12)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_csr_mm_amax_amin_give_the_gradient_to_one_product_of_a_tie(reduce):
    """PyTorch's row extreme is one product, the first reaching it (or the NaN): it alone gets the gradient."""
    cases = [([1.0, 1.0, 1.0], [2.0, 2.0, 2.0]), ([-1.0, 1.0, 1.0], [0.0, 0.0, 0.0]),
             ([1.0, float("nan"), 1.0], [2.0, 3.0, 2.0]), ([1.0, 2.0, 3.0], [3.0, 1.5, 1.0]),
             # an infinite product not picked: it gets no gradient (not 0 * inf = NaN in x's row 2)
             ([1.0, 3.0, float("inf")], [2.0, 1.0, 0.5]), ([1.0, 3.0, -float("inf")], [2.0, 1.0, 0.5])]
    for values, d in cases:
        results = []
        for T in (mytorch, torch):
            a = T.sparse_csr_tensor([0, 0, 3], [0, 1, 2], values, (2, 3), requires_grad=True)
            x = T.tensor([[v, v] for v in d], requires_grad=True)
            out = T.sparse.mm(a, x, reduce)
            out.backward(T.ones(2, 2))
            results.append([dense_of(out), dense_of(a.grad), dense_of(x.grad)])
        for mine, theirs in zip(*results):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("npdtype", [np.float32, np.float64, np.complex128])
def test_sampled_addmm_values_and_gradients(npdtype):
    rng = np.random.default_rng(9)
    m, t = csr_pair(rng, 4, 3, npdtype)
    a = (rng.standard_normal((4, 5)) + (1j * rng.standard_normal((4, 5)) if npdtype is np.complex128 else 0))
    b, up = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    a, b, up = a.astype(npdtype), b.astype(npdtype), up.astype(npdtype)
    beta, alpha = (1 + 2j, 2 - 1j) if npdtype is np.complex128 else (0.5, 2.0)
    leaves = [(mytorch.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)) for v in (a, b)]
    mo = mytorch.sparse.sampled_addmm(m, leaves[0][0], leaves[1][0], beta=beta, alpha=alpha)
    to = torch.sparse.sampled_addmm(t, leaves[0][1], leaves[1][1], beta=beta, alpha=alpha)
    assert mo.layout == mytorch.sparse_csr
    tol = 1e-5 if npdtype is np.float32 else 1e-12
    close(mo.to_dense(), to.to_dense(), tol)
    mg = mytorch.autograd.grad(mo, [m, leaves[0][0], leaves[1][0]], mytorch.tensor(up))
    tg = torch.autograd.grad(to, [t, leaves[0][1], leaves[1][1]], torch.tensor(up))
    for x, y in zip(mg, tg):
        close(x, y, tol)


def test_sampled_addmm_with_beta_0_keeps_a_nan_of_input():
    """PyTorch computes beta * input + alpha * mat1 @ mat2 at the pattern even for beta = 0 (unlike addmm)."""
    outs = [T.sparse.sampled_addmm(T.sparse_csr_tensor([0, 1, 2], [0, 1], [float("nan"), 1.0], (2, 2)),
                                   T.ones(2, 3), T.ones(3, 2), beta=0.0) for T in (mytorch, torch)]
    close(*outs, 0)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("sparse_first", [False, True])
def test_a_sparse_and_a_dense_gradient_of_one_tensor_add_up_dense(sparse_first, create_graph):
    """A weight read by a sparse embedding and densely: the engine sums the two gradients in whichever order
    they arrive (sparse + dense raised), into a dense one as PyTorch's."""
    grads = []
    for T in (mytorch, torch):
        w = T.tensor(np.arange(12.0).reshape(4, 3) / 10, requires_grad=True)
        sparse_part = T.nn.functional.embedding(T.tensor([1, 3, 1]), w, sparse=True).pow(2).sum()
        dense_part = (w * w).sum()
        loss = sparse_part + dense_part if sparse_first else dense_part + sparse_part
        (g,) = T.autograd.grad(loss, w, create_graph=create_graph)
        assert g.layout == T.strided
        grads.append(dense_of(g))
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_a_csr_leaf_accumulates_its_gradient_over_backward_calls():
    """.grad of a CSR leaf adds the next CSR gradient in place (CSR had no add)."""
    grads = []
    for T in (mytorch, torch):
        a = T.sparse_csr_tensor([0, 1, 3], [1, 0, 1], [1.0, 2.0, 3.0], (2, 2), requires_grad=True)
        for scale in (1.0, 2.0):
            (T.sparse.mm(a, T.ones(2, 2)) * scale).sum().backward()
        assert a.grad.layout == T.sparse_csr
        grads.append(dense_of(a.grad))
    np.testing.assert_array_equal(*grads)


def test_no_sparse_dims_sum_the_values():
    """sparse_dim 0: every value sits at the one position, so the dense tensor is their sum (indices (0, nnz)
    needed amax over an empty dim, and index_put with no index)."""
    values = np.arange(6.0).reshape(2, 3)
    m = mytorch.sparse_coo_tensor(mytorch.zeros((0, 2), dtype=mytorch.int64), mytorch.tensor(values))
    t = torch.sparse_coo_tensor(torch.zeros((0, 2), dtype=torch.int64), torch.tensor(values))
    assert tuple(m.shape) == tuple(t.shape) == (3,)
    close(m, t, 0)


# calls that raise the same exception with the same message start in PyTorch and in mytorch
SAME_ERRORS = [
    (lambda T, m: m.exp(), NotImplementedError, "Could not run 'aten::exp' with arguments from the 'SparseCPU' backend"),
    (lambda T, m: m.exp_(), NotImplementedError, "Could not run 'aten::exp_' with arguments from the 'SparseCPU'"),
    (lambda T, m: T.exp(m), NotImplementedError, "Could not run 'aten::exp' with arguments from the 'SparseCPU'"),
    (lambda T, m: m.view(4), NotImplementedError, "Could not run 'aten::view' with arguments from the 'SparseCPU'"),
    (lambda T, m: T.sparse.sampled_addmm(m, T.ones(2, 2), T.ones(2, 2)), NotImplementedError,
     "Could not run 'aten::sparse_sampled_addmm' with arguments from the 'SparseCPU' backend"),
    (lambda T, m: T.sparse.mm(m, T.ones(2, 2), "sum"), NotImplementedError, "Could not run 'aten::_sparse_mm_reduce"),
    (lambda T, m: m + T.ones(2, 2), RuntimeError, "add(sparse, dense) is not supported. Use add(dense, sparse)"),
    (lambda T, m: m.numpy(), TypeError, "can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first."),
    (lambda T, m: T.sparse.sum(T.ones(2)), RuntimeError, "coalesce expected sparse coordinate tensor layout but got"),
    (lambda T, m: T.sparse.sum(m.to_sparse_csr()), RuntimeError,
     "coalesce expected sparse coordinate tensor layout but got SparseCsr"),
    (lambda T, m: T.sparse.mm(m, T.ones(3, 2)), RuntimeError, "addmm: Argument #3 (dense): Expected dim 0 size 2, got 3"),
    (lambda T, m: T.sparse.mm(m, T.ones(2, 2, dtype=T.float64)), RuntimeError, "expected scalar type"),
]


@pytest.mark.parametrize("case", range(len(SAME_ERRORS)))
def test_errors_are_pytorchs(case):
    call, error, start = SAME_ERRORS[case]
    for T in (torch, mytorch):
        m = T.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
        with pytest.raises(error) as info:
            call(T, m)
        assert str(info.value).startswith(start), (T.__name__, str(info.value))


def test_unsupported_ops_name_the_layout():
    m = mytorch.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    for f in (lambda: m[0], lambda: m.sum(0, keepdim=True), lambda: mytorch.add(mytorch.ones(2, 2), m),
              lambda: mytorch.ones(2, 2) / m, lambda: m.tolist()):
        with pytest.raises(NotImplementedError, match="sparse_coo"):
            f()


@pytest.mark.parametrize("spelling", ["addmm", "sparse.addmm"])
def test_addmm_with_a_sparse_first_operand(spelling):
    """beta input + alpha sparse @ dense (input broadcast from a row): values and every gradient; the sparse
    operand's is dense through addmm (as through mm) and sparse on its pattern through sparse.addmm."""
    rng = np.random.default_rng(5)
    indices, values = pattern(rng, (4, 5), 7)
    ms, ts, _, _ = both(indices, values, (4, 5))
    ms, ts = ms.requires_grad_(), ts.requires_grad_()
    i, d = rng.standard_normal(3), rng.standard_normal((5, 3))
    mi, ti = mytorch.tensor(i, requires_grad=True), torch.tensor(i, requires_grad=True)
    md, td = mytorch.tensor(d, requires_grad=True), torch.tensor(d, requires_grad=True)
    mo = (mytorch.addmm if spelling == "addmm" else mytorch.sparse.addmm)(mi, ms, md, beta=0.5, alpha=2.0)
    to = (torch.addmm if spelling == "addmm" else torch.sparse.addmm)(ti, ts, td, beta=0.5, alpha=2.0)
    close(mo, to, 1e-12)
    up = rng.standard_normal((4, 3))
    mg = mytorch.autograd.grad(mo, [ms, mi, md], mytorch.tensor(up))
    tg = torch.autograd.grad(to, [ts, ti, td], torch.tensor(up))
    close(mg[0], tg[0], 1e-12)
    assert (mg[0].layout == mytorch.strided) == (tg[0].layout == torch.strided) == (spelling == "addmm")
    if spelling != "addmm":
        np.testing.assert_array_equal(mg[0].coalesce().indices().numpy(), tg[0].coalesce().indices().numpy())
    close(mg[1], tg[1], 1e-12)
    close(mg[2], tg[2], 1e-12)


@pytest.mark.parametrize("conversion", ["to_sparse", "to_sparse(1)", "to_sparse_csr", "to_sparse_csc",
                                        "to_sparse_bsr", "layout=csr"])
def test_to_sparse_passes_the_gradient_through_unmasked(conversion):
    """PyTorch's to_sparse* backward hands the dense input the whole upstream gradient, densified (a sparse
    upstream gradient off the pattern, or mm's dense one, reaches every entry); through to_dense() it is
    masked by to_dense's backward. grad_fn names as PyTorch's."""
    x = np.array([[0.0, 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 5.0]])
    up = np.arange(12.0).reshape(4, 3) + 1
    results = []
    for T in (mytorch, torch):
        f = {"to_sparse": lambda t: t.to_sparse(), "to_sparse(1)": lambda t: t.to_sparse(1),
             "to_sparse_csr": lambda t: t.to_sparse_csr(), "to_sparse_csc": lambda t: t.to_sparse_csc(),
             "to_sparse_bsr": lambda t: t.to_sparse_bsr((2, 1)),
             "layout=csr": lambda t: t.to_sparse(layout=T.sparse_csr)}[conversion]
        t, u = T.tensor(x, requires_grad=True), T.tensor(up)
        s = f(t)
        name = s.grad_fn.name() if T is mytorch else type(s.grad_fn).__name__
        grads = [T.autograd.grad((s.to_dense() * u).sum(), t)[0], T.autograd.grad(f(t), t, u.to_sparse())[0]]
        if conversion in ("to_sparse", "to_sparse_csr", "to_sparse_csc", "layout=csr"):
            grads.append(T.autograd.grad((f(t) @ T.tensor(up[:3, :2])).sum(), t)[0])
        assert all((g.layout == T.strided) for g in grads)
        results.append((name, [g.detach().numpy() for g in grads]))
    assert results[0][0] == results[1][0]
    for mine, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(mine, theirs)
