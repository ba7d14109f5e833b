"""Compressed sparse tensors (CSR, CSC, BSR, BSC) with leading batch dims and trailing dense ("hybrid") dims
against PyTorch: conversions from dense (dense_dim), between layouts and to COO; the constructors, their size
inference and their errors; values, sum (and a CSR matrix's over dims), scalar products, clone, detach,
transposes, indexing of a batch (slices and tensor indices refused, as PyTorch does), select of a CSR or CSC
matrix's row or column, the nnz of a batch of no matrices, add;
gradients where PyTorch has them (values(), sum, a hybrid matrix's to_dense) and the masked gradient of a batched
to_dense where PyTorch's engine raises; and PyTorch's errors for what it does not do with these tensors."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

rng = np.random.default_rng(11)
# two 4x6 matrices with 6 nonzeros in 5 blocks of (2, 2) each (PyTorch's batches store as many entries each)
BATCHED = np.zeros((2, 4, 6))
BATCHED[0, [0, 0, 1, 3, 3, 3], [0, 2, 1, 0, 3, 5]] = rng.standard_normal(6)
BATCHED[1, [0, 1, 2, 2, 3, 3], [2, 0, 1, 4, 2, 3]] = rng.standard_normal(6)
# a 4x6 matrix of 2-vectors (one entry's vector all zero, so not stored)
HYBRID = rng.standard_normal((4, 6, 2)) * (rng.random((4, 6, 1)) < 0.4)
BOTH = np.stack([HYBRID, HYBRID[::-1, ::-1]])
KINDS = {"batched": (BATCHED, None), "hybrid": (HYBRID, 1), "batched hybrid": (BOTH, 1)}
LAYOUTS = ["csr", "csc", "bsr", "bsc"]


def convert(x, layout, dense_dim):
    if layout.startswith("b"):
        return getattr(x, f"to_sparse_{layout}")((2, 2), dense_dim=dense_dim)
    return getattr(x, f"to_sparse_{layout}")(dense_dim=dense_dim)


def arrays(t):
    """A compressed tensor's (pointers, plain indices, values)."""
    if str(t.layout).endswith(("csc", "bsc")):
        return t.ccol_indices(), t.row_indices(), t.values().detach()
    return t.crow_indices(), t.col_indices(), t.values().detach()


def same(mine, theirs):
    """The same compressed (or COO, or dense) tensor, array by array."""
    assert mine.layout == str(theirs.layout).split(".")[-1] and tuple(mine.shape) == tuple(theirs.shape)
    if theirs.layout == torch.strided:  # a sum: PyTorch adds in another order
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-13, atol=0)
        return
    assert (mine._nnz(), mine.sparse_dim(), mine.dense_dim()) == (theirs._nnz(), theirs.sparse_dim(),
                                                                   theirs.dense_dim())
    if theirs.layout == torch.sparse_coo:
        assert mine.is_coalesced() == theirs.is_coalesced()
        pairs = [(mine._indices(), theirs._indices()), (mine._values(), theirs._values())]
    else:
        pairs = zip(arrays(mine), arrays(theirs))
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(mine.to_dense().detach().numpy(), theirs.to_dense().detach().numpy())


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_from_dense_to_coo_and_back(layout, kind):
    x, dense_dim = KINDS[kind]
    m, t = convert(mytorch.tensor(x), layout, dense_dim), convert(torch.tensor(x), layout, dense_dim)
    same(m, t)
    same(m.to_sparse(), t.to_sparse())
    assert f"size={tuple(t.shape)}, nnz={t._nnz()}" in repr(m)
    if t.ndim == 3 and dense_dim is None or layout in ("csr", "csc"):  # what PyTorch converts on
        same(m.to_sparse(2), t.to_sparse(2))


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_constructors_rebuild_and_infer_the_size(layout, kind):
    x, dense_dim = KINDS[kind]
    t = convert(torch.tensor(x), layout, dense_dim)
    pointers, plain, values = arrays(t)
    lib_layout = getattr(mytorch, f"sparse_{layout}")
    for size in ((tuple(t.shape),), ()):
        theirs = torch.sparse_compressed_tensor(pointers, plain, values, *size, layout=t.layout)
        mine = mytorch.sparse_compressed_tensor(mytorch.tensor(pointers.numpy()), plain.tolist(), values.numpy(),
                                                *size, layout=lib_layout, check_invariants=True)
        same(mine, theirs)
        same(getattr(mytorch, f"sparse_{layout}_tensor")(pointers.numpy(), plain.numpy(), values.numpy(), *size),
             getattr(torch, f"sparse_{layout}_tensor")(pointers, plain, values, *size))


POINTERS, PLAIN = [[0, 1, 2], [0, 2, 2]], [[1, 0], [0, 3]]
BAD = {"0-d pointers": (0, [1, 0], [1.0, 2.0], None),
       "batch dims of the indices differ": ([[0, 1, 2]], [1, 0], [1.0, 2.0], None),
       "values without the batch dim": ([[0, 1, 2]], [[1, 0]], [1.0, 2.0], None),
       "values of another batch": ([[0, 1, 2]], [[1, 0]], np.ones((3, 2)), None),
       "size of another batch": (POINTERS, PLAIN, np.ones((2, 2)), (3, 2, 4)),
       "size without the batch dim": (POINTERS, PLAIN, np.ones((2, 2)), (2, 4)),
       "size with a dim too many": (POINTERS, PLAIN, np.ones((2, 2)), (2, 2, 4, 1)),
       "a batch storing fewer": ([[0, 1, 2], [0, 1, 1]], PLAIN, np.ones((2, 2)), None),
       "a batch not starting at 0": ([[0, 1, 2], [1, 1, 2]], PLAIN, np.ones((2, 2)), None),
       "a column outside": (POINTERS, PLAIN, np.ones((2, 2)), (2, 2, 3)),
       "unsorted columns": ([[0, 2, 2], [0, 2, 2]], [[1, 0], [0, 3]], np.ones((2, 2)), None),
       "rows of another count": (POINTERS, PLAIN, np.ones((2, 2)), (2, 3, 4))}


@pytest.mark.parametrize("case", list(BAD))
def test_constructor_errors_are_pytorchs(case):
    pointers, plain, values, size = BAD[case]
    size = () if size is None else (size,)
    with pytest.raises(RuntimeError) as theirs:
        torch.sparse_csr_tensor(torch.tensor(pointers), torch.tensor(plain), torch.tensor(values), *size,
                                check_invariants=True)
    with pytest.raises(RuntimeError) as mine:
        mytorch.sparse_csr_tensor(pointers, plain, mytorch.tensor(values), *size, check_invariants=True)
    assert str(mine.value) == str(theirs.value)


def test_hybrid_values_must_fit_the_size():
    """PyTorch accepts values whose dense dims are not the size's (its ops then misread them); mytorch
    refuses."""
    with pytest.raises(RuntimeError, match=r"the values' dense dims \[5\] must be the size's \[4\]"):
        mytorch.sparse_csr_tensor([0, 1, 2], [1, 0], mytorch.ones(2, 5), (2, 2, 4))


@pytest.mark.parametrize("case", ["batched csr->csc", "batched csc->csr", "batched bsr->bsc", "batched bsc->bsr",
                                  "hybrid csr->csc", "hybrid coo->csr", "hybrid coo->csc", "hybrid coo->bsr",
                                  "hybrid csr->bsc", "batched bsr->bsr", "layout=csc"])
def test_conversions_between_layouts(case):
    kind, conversion = case.split(" ") if " " in case else ("batched", case)
    x, dense_dim = KINDS[kind]

    def run(lib):
        source, target = conversion.split("->") if "->" in conversion else ("csr", None)
        s = lib.tensor(x).to_sparse(2) if source == "coo" else convert(lib.tensor(x), source, dense_dim)
        if target is None:
            return s.to_sparse(layout=lib.sparse_csc)
        return convert(s, target, None)
    same(run(mytorch), run(torch))


CONVERSION_ERRORS = {
    "batched csr->bsr": lambda T: T.tensor(BATCHED).to_sparse_csr().to_sparse_bsr(2),
    "batched csc->bsc": lambda T: T.tensor(BATCHED).to_sparse_csc().to_sparse_bsc(2),
    "bsr->csc": lambda T: T.tensor(BATCHED).to_sparse_bsr(2).to_sparse_csc(),
    "bsr blocksize changed": lambda T: T.tensor(BATCHED).to_sparse_bsr(2).to_sparse_bsr(1),
    "coo of 3 sparse dims->csr": lambda T: T.tensor(BATCHED).to_sparse().to_sparse_csr(),
    "coo dense_dim": lambda T: T.tensor(HYBRID).to_sparse(2).to_sparse_csr(dense_dim=1),
    "csr dense_dim": lambda T: T.tensor(BATCHED).to_sparse_csr().to_sparse_csr(dense_dim=0),
    "dense_dim too large": lambda T: T.tensor(BATCHED).to_sparse_csr(dense_dim=2),
    "dense_dim negative": lambda T: T.tensor(BATCHED).to_sparse_csc(dense_dim=-1),
    "uneven batches": lambda T: T.tensor(np.stack([np.eye(3), np.ones((3, 3))])).to_sparse_csr(),
    "uneven block batches": lambda T: T.tensor(np.stack([np.eye(4), np.ones((4, 4))])).to_sparse_bsc(2),
    "to_sparse(3)": lambda T: T.tensor(BATCHED).to_sparse_csr().to_sparse(3),
}


@pytest.mark.parametrize("case", list(CONVERSION_ERRORS))
def test_conversion_errors_are_pytorchs(case):
    with pytest.raises(RuntimeError) as theirs:
        CONVERSION_ERRORS[case](torch)
    with pytest.raises(RuntimeError) as mine:
        CONVERSION_ERRORS[case](mytorch)
    assert str(mine.value) == str(theirs.value)


def leaves(lib, x, layout, dense_dim):
    """A leaf compressed tensor that requires grad (made from PyTorch's arrays for both)."""
    pointers, plain, values = arrays(convert(torch.tensor(x), layout, dense_dim))
    return getattr(lib, f"sparse_{layout}_tensor")(lib.tensor(pointers.numpy()), lib.tensor(plain.numpy()),
                                                   lib.tensor(values.numpy()), x.shape, requires_grad=True)


def weighted(s, lib):
    """A sum of s's values with distinct weights."""
    v = s.values()
    return (v * lib.tensor(np.arange(v.numel(), dtype=np.float64).reshape(tuple(v.shape)))).sum()


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_gradients_of_values_and_sum(layout, kind):
    """sum's gradient is dense and whole (PyTorch's SumBackward0); values()'s is in the tensor's layout on its
    pattern (through a product with a number too), as PyTorch's for CSR (its engine raises for the other
    layouts). One backward each: PyTorch's CPU add, which accumulates two batched or hybrid gradients, breaks
    their arrays."""
    x, dense_dim = KINDS[kind]
    outs = []
    for lib in (mytorch, torch):
        out = []
        for f in (lambda s: s.sum(), lambda s: weighted(s, lib), lambda s: weighted(s * 3, lib)):
            if lib is torch and layout != "csr" and len(out) == 2:
                break
            s = leaves(lib, x, layout, dense_dim)
            y = f(s)
            y.backward()
            out += [y, s.grad]
        out.append((s * 2.5).clone().detach())
        assert s.sum(dtype=lib.float32).dtype == lib.float32
        outs.append(out)
    mine, theirs = outs
    for a, b in zip(mine[:2] + mine[-1:], theirs[:2] + theirs[-1:]):
        same(a, b)
    values = np.arange(mine[3].values().numel(), dtype=np.float64).reshape(tuple(mine[3].values().shape))
    for grad, scale in ((mine[3], 1), (mine[5], 3)):
        assert grad.layout == mine[-1].layout
        np.testing.assert_array_equal(grad.values().numpy(), values * scale)
    if layout == "csr":
        for a, b in zip(mine[2:], theirs[2:]):
            same(a, b)


@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_to_dense_gradient(layout):
    """A hybrid CSR matrix's to_dense gradient is PyTorch's (its layout, on its pattern; PyTorch's CSC one
    raises); a batched one's, which PyTorch's engine cannot convert back to the layout, is the upstream gradient
    at the stored entries."""
    up = rng.standard_normal(HYBRID.shape)
    grads = []
    for lib in (mytorch, torch)[:2 if layout == "csr" else 1]:
        s = leaves(lib, HYBRID, layout, 1)
        (s.to_dense() * lib.tensor(up)).sum().backward()
        grads.append(s.grad)
    assert grads[0].layout == grads[0].layout
    np.testing.assert_array_equal(grads[0].to_dense().numpy(), np.where(HYBRID.any(-1, keepdims=True), up, 0))
    if layout == "csr":
        same(*grads)
    s = leaves(mytorch, BATCHED, layout, None)
    up = rng.standard_normal(BATCHED.shape)
    (s.to_dense() * mytorch.tensor(up)).sum().backward()
    assert s.grad.layout == s.layout
    np.testing.assert_array_equal(s.grad.to_dense().numpy(), np.where(BATCHED != 0, up, 0))
    t = leaves(torch, BATCHED, layout, None)
    with pytest.raises(RuntimeError, match="sparse_dim\\(\\)!=2 is not supported"):
        (t.to_dense() * torch.tensor(up)).sum().backward()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_transposes_and_indexing_a_batch(layout):
    x = np.stack([BATCHED, BATCHED[::-1]])  # (2, 2, 4, 6): two batch dims
    m, t = convert(mytorch.tensor(x), layout, None), convert(torch.tensor(x), layout, None)
    for op in (lambda s: s.transpose(-1, -2), lambda s: s.transpose(0, 1), lambda s: s.transpose(2, 2),
               lambda s: s[1], lambda s: s[0, 1], lambda s: s[-1], lambda s: s.select(1, 0),
               lambda s: s.transpose(0, 1)[1].transpose(1, 2)):
        same(op(m), op(t))
    s = leaves(mytorch, BATCHED, layout, None)  # PyTorch's engine raises here (its copy_ of the gradient)
    s[1].values().pow(2).sum().backward()
    want = np.stack([np.zeros_like(BATCHED[1]), 2 * s[1].to_dense().detach().numpy()])
    assert s.grad.layout == s.layout
    np.testing.assert_array_equal(s.grad.to_dense().numpy(), want)


def test_add_of_one_pattern():
    for kind in ("batched", "hybrid"):
        x, dense_dim = KINDS[kind]
        m, t = (convert(lib.tensor(x), "csr", dense_dim) for lib in (mytorch, torch))
        same(m.add(m, alpha=2), t.add(t, alpha=2))


def test_add_of_batches_with_other_patterns():
    """PyTorch's CPU add of batched CSR tensors whose batches differ in pattern gives a tensor whose arrays do
    not hold its sum (pointers of one batch over another's entries); mytorch gives the sum."""
    a = mytorch.tensor(np.stack([np.eye(3), np.eye(3)[::-1]])).to_sparse_csr()
    b = mytorch.tensor(np.stack([np.eye(3)[::-1], np.eye(3)])).to_sparse_csr()
    s = a + b
    np.testing.assert_array_equal(s.to_dense().numpy(), (a.to_dense() + b.to_dense()).numpy())
    assert s._nnz() == 5 and s.crow_indices().tolist() == [[0, 2, 3, 5], [0, 2, 3, 5]]


OP_ERRORS = {
    "t of a batch": lambda s, T: s.t(),
    "@ a matrix": lambda s, T: s @ T.ones(6, 2, dtype=T.float64),
    "@ a batch": lambda s, T: s @ T.ones(2, 6, 2, dtype=T.float64),
    "matrix @": lambda s, T: T.ones(3, 4, dtype=T.float64) @ s,
    "@ a vector": lambda s, T: s @ T.ones(6, dtype=T.float64),
    "mm": lambda s, T: T.mm(s, T.ones(6, 2, dtype=T.float64)),
    "mm right": lambda s, T: T.mm(T.ones(6, 2, dtype=T.float64), s),
    "sparse.mm": lambda s, T: T.sparse.mm(s, T.ones(6, 2, dtype=T.float64)),
    "sparse.addmm": lambda s, T: T.sparse.addmm(T.ones(4, 2, dtype=T.float64), s, T.ones(6, 2, dtype=T.float64)),
    "mv": lambda s, T: s.mv(T.ones(6, dtype=T.float64)),
    "* dense": lambda s, T: s * T.ones(2, 4, 6, dtype=T.float64),
    "* itself": lambda s, T: s * s,
    "transpose batch and sparse": lambda s, T: s.transpose(0, 2),
    "select a sparse dim": lambda s, T: s.select(1, 0),
    "index out of range": lambda s, T: s[2],
    "select out of range": lambda s, T: s.select(0, -3),
    "slice a batch dim": lambda s, T: s[1:],
    "step through a batch dim": lambda s, T: s[::2],
    "a whole slice alone": lambda s, T: s[:],
    "tensor index": lambda s, T: s[T.tensor([1, 0])],
    "list index": lambda s, T: s[[1, 0]],
    "mask index": lambda s, T: s[T.tensor([True, False])],
    "slice after a select": lambda s, T: s[1, 1:],
    "ellipsis then a sparse dim": lambda s, T: s[..., 0],
    "whole slice then a sparse dim": lambda s, T: s[0:2, 0],
    "narrow a batch dim": lambda s, T: s.narrow(0, 1, 1),
    "sum over a dim of a batch": lambda s, T: s[0].to_sparse_csc().sum(0, keepdim=True),
    "sum without keepdim": lambda s, T: s[0].sum(1),
    "sum over no dim": lambda s, T: s[0].sum(None, keepdim=True),
    "sum of bools": lambda s, T: (s[0].to_dense() != 0).to_sparse_csr().sum(1, keepdim=True),
    "sum over dim 2": lambda s, T: s[0].sum(2, keepdim=True),
    "sum of a BSR matrix": lambda s, T: s[0].to_dense().to_sparse_bsr((2, 2)).sum(0, keepdim=True),
    "hybrid transpose": lambda s, T: T.tensor(HYBRID).to_sparse_csr(dense_dim=1).transpose(0, 1),
    "hybrid @": lambda s, T: T.tensor(HYBRID).to_sparse_csr(dense_dim=1) @ T.ones(6, dtype=T.float64),
    "div": lambda s, T: s / 2,
}


@pytest.mark.parametrize("case", list(OP_ERRORS))
def test_op_errors_are_pytorchs(case):
    with pytest.raises(Exception) as theirs:
        OP_ERRORS[case](torch.tensor(BATCHED).to_sparse_csr(), torch)
    with pytest.raises(type(theirs.value)) as mine:
        OP_ERRORS[case](mytorch.tensor(BATCHED).to_sparse_csr(), mytorch)
    assert str(theirs.value).split("\n")[0] in str(mine.value)


def test_sampled_addmm_of_a_batch():
    """sampled_addmm of a batched CSR input is PyTorch's; the gradients of mat1 and mat2 (PyTorch's engine
    raises converting them) are those of the dense formula beta input + alpha mask * (mat1 @ mat2)."""
    mats = [rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 3, 6))]
    outs = []
    for lib in (mytorch, torch):
        m1, m2 = (lib.tensor(m, requires_grad=True) for m in mats)
        out = lib.sparse.sampled_addmm(lib.tensor(BATCHED).to_sparse_csr(), m1, m2, beta=0.5, alpha=2.0)
        if lib is mytorch:
            (out.values() * mytorch.tensor(np.arange(12.0).reshape(2, 6))).sum().backward()
            grads = [m1.grad.numpy(), m2.grad.numpy()]
        outs.append(out)
    same(*outs)
    m1, m2 = (torch.tensor(m, requires_grad=True) for m in mats)
    weights = torch.zeros(BATCHED.shape, dtype=torch.float64)
    weights[torch.tensor(BATCHED) != 0] = torch.arange(12.0, dtype=torch.float64)
    (weights * 2.0 * (m1 @ m2)).sum().backward()
    for mine, theirs in zip(grads, (m1.grad, m2.grad)):
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["hybrid", "self and mat1", "mat1 and mat2"])
def test_sampled_addmm_errors_are_pytorchs(case):
    def call(T):
        s = T.tensor(HYBRID).to_sparse_csr(dense_dim=1) if case == "hybrid" else T.tensor(BATCHED).to_sparse_csr()
        shapes = {"hybrid": ((4, 3), (3, 6)), "self and mat1": ((4, 3), (3, 6)),
                  "mat1 and mat2": ((2, 4, 3), (1, 3, 6))}[case]
        return T.sparse.sampled_addmm(s, *(T.ones(*shape, dtype=T.float64) for shape in shapes))
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as mine:
        call(mytorch)
    assert str(mine.value) == str(theirs.value)


SUMMED = np.zeros((4, 6))
SUMMED[[0, 0, 2, 2, 3], [1, 4, 1, 4, 4]] = [1.5, -2.0, -1.5, 3.0, 0.25]  # column 1 sums to 0: kept, as PyTorch does


@pytest.mark.parametrize("dim", [0, 1, -1, (0, 1), (1, 0)])
@pytest.mark.parametrize("dtype", ["float64", "int32", "as float32"])
def test_sum_over_dims_of_a_csr_matrix(dim, dtype):
    """sum(dim, keepdim=True) of a CSR matrix: a CSR matrix with an entry per row (column) storing any, in
    PyTorch's order and dtype (integers in int64, or `dtype`)."""
    def call(T):
        x = T.tensor(SUMMED * 4).to(T.int32) if dtype == "int32" else T.tensor(SUMMED)
        kwargs = {"dtype": T.float32} if dtype == "as float32" else {}
        return x.to_sparse_csr().sum(dim, keepdim=True, **kwargs)
    same(call(mytorch), call(torch))


@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_select_a_row_or_column_of_a_matrix(layout):
    """select() and integer indexing of a CSR or CSC matrix's sparse dim: the 1-D COO tensor of the stored
    entries there (with the dense dims of a hybrid matrix); PyTorch's error where the
    matrix's values have no view of those entries."""
    refused = 0
    for x, dense_dim in ((SUMMED, None), (HYBRID, 1)):
        m, t = (convert(lib.tensor(x), layout, dense_dim) for lib in (mytorch, torch))
        for op in (lambda s: s.select(0, 2), lambda s: s.select(1, -2), lambda s: s.select(0, 1), lambda s: s[3],
                   lambda s: s[:, 4], lambda s: s[1, ...], lambda s: s[:, 0]):
            try:
                want = op(t)
            except RuntimeError as e:  # entries not at equal steps of the matrix's values: no view of them
                with pytest.raises(RuntimeError, match=re.escape(str(e))):
                    op(m)
                refused += 1
                continue
            same(op(m), want)
    assert refused


@pytest.mark.parametrize("batch", [(0,), (2, 0)])
@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_a_batch_of_no_matrices_keeps_its_nnz(layout, batch):
    """A batch of size 0: _nnz() is the plain indices' last size, as PyTorch's, though no entry is stored."""
    def make(T):
        return getattr(T, f"sparse_{layout}_tensor")(T.zeros(batch + (3,), dtype=T.int64),
                                                     T.zeros(batch + (4,), dtype=T.int64), T.zeros(batch + (4,)),
                                                     batch + (2, 2))
    m, t = make(mytorch), make(torch)
    assert m._nnz() == t._nnz() == 4
    for got, want in zip(arrays(m), arrays(t)):
        assert tuple(got.shape) == tuple(want.shape)
    assert tuple(m.to_dense().shape) == tuple(t.to_dense().shape)
