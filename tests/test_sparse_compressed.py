"""CSR, CSC and BSR matrices (`mytorch/ops/sparse_compressed.py`) and the scalar/vector products of every
sparse layout against PyTorch: conversions from dense and between layouts, the constructors and accessors,
to_dense, transposes (CSR <-> CSC), mm and matmul with dense matrices and vectors, products with a number or a
0-d tensor, to_sparse of a 0-d tensor; values and the gradients of the values and of the dense operands; and
PyTorch's errors for what the layouts do not support."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

X = np.array([[1.0, 0, 2, 0, 0, 0], [0, 3, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [4, 0, 0, 5, 0, 6]])


def convert(lib, x, layout):
    """x (dense, of `lib`) in `layout`: coo, csr, csc or bsr (2x2 blocks)."""
    return {"coo": lambda: x.to_sparse(), "csr": lambda: x.to_sparse_csr(), "csc": lambda: x.to_sparse_csc(),
            "bsr": lambda: x.to_sparse_bsr((2, 2))}[layout]()


def both(layout, x=X):
    """The same sparse matrix in both frameworks, made from dense leaves: (mine, theirs, my leaf, their leaf)."""
    m, t = mytorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    return convert(mytorch, m, layout), convert(torch, t, layout), m, t


def dense(x):
    x = x.detach()
    return (x if x.layout in (mytorch.strided, torch.strided) else x.to_dense()).numpy()


def on_pattern(m, g):
    """A dense gradient `g` where `m` stores entries (every element of a BSR block), 0 elsewhere: what a
    gradient masked to m's pattern gives."""
    stored = np.zeros(tuple(m.shape), bool)
    stored[tuple(m.to_sparse()._indices().numpy())] = True
    return np.where(stored, g.numpy(), 0)


def same_layout(mine, theirs):
    assert mine.layout == str(theirs.layout).split(".")[-1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(dense(mine), dense(theirs), rtol=1e-12, atol=0)


@pytest.mark.parametrize("layout", ["csr", "csc", "bsr"])
def test_conversions_accessors_and_repr(layout):
    m, t, _, _ = both(layout)
    same_layout(m, t)
    assert m._nnz() == t._nnz() and (m.is_sparse, m.is_sparse_csr) == (t.is_sparse, t.is_sparse_csr)
    assert (m.sparse_dim(), m.dense_dim()) == (t.sparse_dim(), t.dense_dim())
    names = ["ccol_indices", "row_indices"] if layout == "csc" else ["crow_indices", "col_indices"]
    for name in names:
        np.testing.assert_array_equal(getattr(m, name)().numpy(), getattr(t, name)().numpy())
        assert f"{name}=" in repr(m)
    np.testing.assert_array_equal(m.values().detach().numpy(), t.values().detach().numpy())
    other = {"csc": ["crow_indices", "col_indices"]}.get(layout, ["ccol_indices", "row_indices"]) + ["indices"]
    for name in other:
        with pytest.raises(RuntimeError) as theirs:
            getattr(t, name)()
        with pytest.raises(RuntimeError, match=str(theirs.value).split(" but")[0]):
            getattr(m, name)()
    same_layout(m.to_sparse(), t.to_sparse())
    assert m.to_sparse().is_coalesced() == t.to_sparse().is_coalesced()
    for source in ["coo", "csr", "csc"]:  # from every other layout
        same_layout(convert(mytorch, convert(mytorch, mytorch.tensor(X), source), layout),
                    convert(torch, convert(torch, torch.tensor(X), source), layout))
    blocksize = (2, 2) if layout == "bsr" else None
    same_layout(mytorch.tensor(X).to_sparse(layout=m.layout, blocksize=blocksize),
                torch.tensor(X).to_sparse(layout=t.layout, blocksize=blocksize))


@pytest.mark.parametrize("layout", ["csr", "csc", "bsr"])
def test_constructors_match_the_accessors(layout):
    t = convert(torch, torch.tensor(X), layout)
    make = {"csr": "sparse_csr_tensor", "csc": "sparse_csc_tensor", "bsr": "sparse_bsr_tensor"}[layout]
    first, second = (t.ccol_indices(), t.row_indices()) if layout == "csc" else (t.crow_indices(), t.col_indices())
    for size in [(4, 6), ()]:  # () : the size inferred
        m = getattr(mytorch, make)(first.tolist(), mytorch.tensor(second.numpy()), t.values().numpy(), *size and [size])
        theirs = getattr(torch, make)(first, second, t.values(), *size and [size])
        same_layout(m, theirs)
    with pytest.raises(RuntimeError, match="must be equal to the number of"):
        getattr(mytorch, make)(first.tolist()[:-1], second.tolist(), t.values().numpy(), (4, 6))


@pytest.mark.parametrize("layout", ["csr", "csc", "bsr"])
def test_gradients_through_conversion_values_and_mm(layout):
    rng = np.random.default_rng(0)
    b = rng.standard_normal((6, 3))
    m, t, ml, tl = both(layout)
    mb, tb = mytorch.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    # PyTorch's BSR @ dense has no backward on the CPU (it needs dense @ BSC): its reference is the dense product
    mo, to = m @ mb, (t.to_dense() if layout == "bsr" else t) @ tb
    np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal((4, 3))
    mo.backward(mytorch.tensor(g))
    to.backward(torch.tensor(g))
    # the gradient of a sparse operand of @ is dense (every position) and to_sparse_* passes it through whole;
    # PyTorch's BSR reference went through to_dense, whose backward masks it to the blocks
    np.testing.assert_allclose(on_pattern(m, ml.grad) if layout == "bsr" else ml.grad.numpy(),
                               tl.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mb.grad.numpy(), tb.grad.numpy(), rtol=1e-12)
    # the values as leaves: a sparse gradient in the layout, on its pattern
    mv = mytorch.tensor(t.values().detach().numpy(), requires_grad=True)
    tv = t.values().detach().clone().requires_grad_()
    first, second = (t.ccol_indices(), t.row_indices()) if layout == "csc" else (t.crow_indices(), t.col_indices())
    make = {"csr": "sparse_csr_tensor", "csc": "sparse_csc_tensor", "bsr": "sparse_bsr_tensor"}[layout]
    ms = getattr(mytorch, make)(mytorch.tensor(first.numpy()), mytorch.tensor(second.numpy()), mv, (4, 6))
    ts = getattr(torch, make)(first, second, tv, (4, 6))
    w = rng.standard_normal((4, 6))
    (ms.to_dense() * mytorch.tensor(w)).sum().backward()
    (ts.to_dense() * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(mv.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


def test_csr_csc_transpose_is_the_other_layout():
    for layout in ["csr", "csc"]:
        m, t, ml, tl = both(layout)
        for mt, tt in [(m.t(), t.t()), (m.transpose(0, 1), t.transpose(0, 1)), (m.transpose(1, -1), t.transpose(1, -1))]:
            same_layout(mt, tt)
        np.testing.assert_array_equal(m.t().values().detach().numpy(), t.t().values().detach().numpy())
        w = np.arange(24.0).reshape(6, 4)
        (m.t().to_dense() * mytorch.tensor(w)).sum().backward()
        (t.t().to_dense() * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(ml.grad.numpy(), tl.grad.numpy())
    m, t, _, _ = both("coo")
    same_layout(m.transpose(0, -1), t.transpose(0, -1))


@pytest.mark.parametrize("layout", ["coo", "csr", "csc", "bsr"])
def test_matmul_with_a_vector_either_side(layout):
    rng = np.random.default_rng(1)
    m, t, ml, tl = both(layout)
    right, left = rng.standard_normal(6), rng.standard_normal(4)
    mr, tr = mytorch.tensor(right, requires_grad=True), torch.tensor(right, requires_grad=True)
    ref = t.to_dense() if layout == "bsr" else t  # PyTorch's BSR products have no backward on the CPU
    outs = [(m @ mr, ref @ tr), (mytorch.matmul(m, mr), torch.matmul(ref, tr)), (mytorch.mv(m, mr), torch.mv(ref, tr))]
    if layout != "bsr":  # PyTorch's CPU kernels have no dense @ BSR
        ml_, tl_ = mytorch.tensor(left, requires_grad=True), torch.tensor(left, requires_grad=True)
        outs.append((ml_ @ m, tl_ @ t))
    for mo, to in outs:
        assert tuple(mo.shape) == tuple(to.shape) and mo.layout == mytorch.strided
        np.testing.assert_allclose(mo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
        mo.sum().backward(retain_graph=True)
        to.sum().backward(retain_graph=True)
    np.testing.assert_allclose(mr.grad.numpy(), tr.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(on_pattern(m, ml.grad) if layout == "bsr" else ml.grad.numpy(),
                               tl.grad.numpy(), rtol=1e-12)  # PyTorch's BSR reference masked by to_dense
    if layout != "bsr":
        np.testing.assert_allclose(ml_.grad.numpy(), tl_.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError) as theirs:
        t @ torch.ones(4, dtype=torch.float64)
    assert "size" in str(theirs.value)  # COO's text is mv's, CSR's addmv's
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(4\), mat \(4x6\), vec \(4\)"):
        m @ mytorch.ones(4, dtype=mytorch.float64)


@pytest.mark.parametrize("layout", ["coo", "csr", "csc", "bsr"])
@pytest.mark.parametrize("scalar", ["number", "0-d", "0-d int"])
def test_product_with_a_number_or_a_0d_tensor(layout, scalar):
    m, t, ml, tl = both(layout)
    ms, ts = {"number": (2.5, 2.5),
              "0-d": (mytorch.tensor(2.5, requires_grad=True), torch.tensor(2.5, requires_grad=True)),
              "0-d int": (mytorch.tensor(3), torch.tensor(3))}[scalar]
    # PyTorch's CSC and BSR products have no backward on the CPU: the gradient's reference goes through COO
    ref = t.to_sparse() if layout in ("csc", "bsr") else t
    for mo, to, tg in [(m * ms, t * ts, ref * ts), (ms * m, ts * t, ts * ref)]:
        same_layout(mo, to)
        assert mo.dtype is mytorch.float64 and to.dtype is torch.float64
        w = np.arange(24.0).reshape(4, 6)
        (mo.to_dense() * mytorch.tensor(w)).sum().backward(retain_graph=True)
        (tg.to_dense() * torch.tensor(w)).sum().backward(retain_graph=True)
    np.testing.assert_allclose(ml.grad.numpy(), tl.grad.numpy(), rtol=1e-12)
    if scalar == "0-d":
        np.testing.assert_allclose(ms.grad.numpy(), ts.grad.numpy(), rtol=1e-12)
    if layout == "coo":
        same_layout(m / ts if scalar == "number" else m / ms, t / ts)
    else:
        with pytest.raises(RuntimeError, match="unsupported tensor layout: Sparse"):
            t / ts
        with pytest.raises(RuntimeError, match="unsupported tensor layout: Sparse"):
            m / ms


def test_to_sparse_of_a_0d_tensor():
    for value in [3.0, 0.0]:
        m, t = mytorch.tensor(value, requires_grad=True), torch.tensor(value, requires_grad=True)
        ms, ts = m.to_sparse(), t.to_sparse()
        assert tuple(ms.shape) == () and (ms.sparse_dim(), ms.dense_dim(), ms._nnz()) == \
            (ts.sparse_dim(), ts.dense_dim(), ts._nnz())
        assert tuple(ms._indices().shape) == tuple(ts._indices().shape) and ms.is_coalesced()
        np.testing.assert_array_equal(ms._values().numpy(), ts._values().numpy())
        assert float(ms.to_dense().detach()) == float(ts.to_dense().detach())
        (ms.to_dense() * 2).backward()
        (ts.to_dense() * 2).backward()
        assert float(m.grad) == float(t.grad)
    for lib in (torch, mytorch):
        assert tuple(lib.tensor(3.0).to_sparse(0).shape) == ()


@pytest.mark.parametrize("case", ["0-d sparse_dim 1", "sparse_dim 0", "sparse_dim 3", "bsr divisible",
                                  "bsr no blocksize", "bsr to csr", "dense @ bsr", "bsr reduce", "csc reduce",
                                  "coo * 1-d", "csr blocksize"])
def test_errors_are_pytorchs(case):
    def call(T):
        x = T.tensor(X)
        return {"0-d sparse_dim 1": lambda: T.tensor(3.0).to_sparse(1),
                "sparse_dim 0": lambda: x.to_sparse(0),
                "sparse_dim 3": lambda: x.to_sparse(3),
                "bsr divisible": lambda: x.to_sparse_bsr((3, 2)),
                "bsr no blocksize": lambda: x.to_sparse(layout=T.sparse_bsr),
                "bsr to csr": lambda: x.to_sparse_bsr(2).to_sparse_csr(),
                "dense @ bsr": lambda: T.ones(2, 4, dtype=T.float64) @ x.to_sparse_bsr(2),
                "bsr reduce": lambda: T.sparse.mm(x.to_sparse_bsr(2), T.ones(6, 2, dtype=T.float64), "sum"),
                "csc reduce": lambda: T.sparse.mm(x.to_sparse_csc(), T.ones(6, 2, dtype=T.float64), "sum"),
                "coo * 1-d": lambda: x.to_sparse_csr() * T.ones(6, dtype=T.float64),
                "csr blocksize": lambda: x.to_sparse(layout=T.sparse_csr, blocksize=2)}[case]()
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as mine:
        call(mytorch)
    if case not in ("bsr reduce", "csc reduce", "coo * 1-d"):  # their text names ATen internals
        assert str(theirs.value).split("\n")[0] in str(mine.value)


def test_sparse_compressed_tensor_and_to_sparse_coo():
    for layout in ["csr", "csc", "bsr"]:
        t = convert(torch, torch.tensor(X), layout)
        first, second = (t.ccol_indices(), t.row_indices()) if layout == "csc" else (t.crow_indices(),
                                                                                     t.col_indices())
        m = mytorch.sparse_compressed_tensor(first.tolist(), second.tolist(), t.values().numpy(), (4, 6),
                                             layout=getattr(mytorch, "sparse_" + layout))
        same_layout(m, torch.sparse_compressed_tensor(first, second, t.values(), (4, 6), layout=t.layout))
        same_layout(m.to_sparse_coo(), t.to_sparse_coo())
    same_layout(mytorch.tensor(X).to_sparse_coo(), torch.tensor(X).to_sparse_coo())
    for layout in (None, "sparse_coo"):
        with pytest.raises(RuntimeError) as theirs:
            torch.sparse_compressed_tensor([0, 1], [0], [1.0], (1, 1), layout=layout and torch.sparse_coo)
        with pytest.raises(RuntimeError, match=str(theirs.value)):
            mytorch.sparse_compressed_tensor([0, 1], [0], [1.0], (1, 1), layout=layout)


def test_bsc_layout_and_the_transpose_of_bsr():
    """to_sparse_bsc, sparse_bsc_tensor and to_sparse(layout=bsc): ccol_indices, row_indices, values, to_dense as
    PyTorch's; BSR.t() is BSC and back, with values and gradients through it as PyTorch's."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 6))
    x[0:2, 2:4] = 0
    x[2:4, 0:4] = 0
    outs = []
    for T in (mytorch, torch):
        t = T.tensor(x, requires_grad=True)
        c = t.to_sparse_bsc((2, 3))
        bt = t.to_sparse_bsr((2, 3)).t()
        rebuilt = T.sparse_bsc_tensor(c.ccol_indices(), c.row_indices(), c.values().detach())
        tt = bt.t()
        assert str(c.layout).endswith("sparse_bsc") and str(bt.layout).endswith("sparse_bsc")
        assert str(tt.layout).endswith("sparse_bsr") and str(t.to_sparse(layout=T.sparse_bsc, blocksize=2).layout
                                                          ).endswith("sparse_bsc")
        up = T.tensor(rng.standard_normal((6, 4)) if T is mytorch else up_np)
        if T is mytorch:
            up_np = up.numpy()
        (g,) = T.autograd.grad((bt.to_dense() * up).sum() + (c.to_dense() * up.t()).sum(), t)
        outs.append([a.detach().numpy() for a in (c.ccol_indices(), c.row_indices(), c.values(), c.to_dense(),
                                                  bt.ccol_indices(), bt.row_indices(), bt.values(), bt.to_dense(),
                                                  tt.crow_indices(), tt.values(), rebuilt.to_dense(), g)])
        assert tuple(rebuilt.shape) == (4, 6)
        with pytest.raises(RuntimeError, match="crow_indices expected sparse row compressed tensor layout but got "
                                               "SparseBsc"):
            c.crow_indices()
        with pytest.raises(RuntimeError, match="conversion from Strided to SparseBsc without blocksize"):
            t.to_sparse(layout=T.sparse_bsc)
    for mine, theirs in zip(*outs):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("layout", ["coo", "csr", "csc", "bsr", "bsc"])
def test_an_unsupported_op_names_the_layouts_backend_as_pytorch(layout):
    """PyTorch dispatches every compressed layout (BSR and BSC too) to its SparseCsrCPU kernels, COO to
    SparseCPU; mytorch's refusal names the same backend, also from a primitive reached inside an op."""
    made, messages = [], []
    for lib in (mytorch, torch):
        x = lib.tensor([[1.0, 0.0], [2.0, 3.0]])
        x = x.to_sparse() if layout == "coo" else getattr(x, f"to_sparse_{layout}")(*[1] * layout.startswith("b"))
        with pytest.raises(NotImplementedError) as err:
            x.flip(0)
        made.append(x)
        messages.append(str(err.value).split(" backend")[0])
    assert messages[0] == messages[1]
    backend = "SparseCPU" if layout == "coo" else "SparseCsrCPU"
    with pytest.raises(NotImplementedError, match=f"'aten::fill' with arguments from the '{backend}' backend"):
        made[0]._data.fill()
