"""Sparse embedding gradients against PyTorch: nn.Embedding / F.embedding / EmbeddingBag with sparse=True hand
back PyTorch's sparse COO weight gradient (the looked-up rows in input order, padding_idx's left out,
uncoalesced), which accumulates across backward calls and within one; the optimizers with a sparse path (SGD,
Adagrad, SparseAdam; LBFGS through the dense equivalent) follow PyTorch's trajectories step by step, and the
others refuse sparse gradients with PyTorch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")
FRAMEWORKS = (mytorch, torch)


def weights(lib, rows=7, cols=3, dtype="float64"):
    w = np.sin(np.arange(rows * cols) * 0.77).reshape(rows, cols)
    return lib.tensor(w, dtype=getattr(lib, dtype), requires_grad=True)


def upstream(shape):
    return np.cos(np.arange(int(np.prod(shape))) * 0.41).reshape(shape)


def layout_of(g):
    """(is_coalesced, indices, values) of a sparse gradient, as lists/arrays."""
    return g.is_coalesced(), g._indices().numpy().tolist(), g._values().detach().numpy()


def assert_same_sparse(m, t):
    assert m.layout == mytorch.sparse_coo and t.layout == torch.sparse_coo
    (mc, mi, mv), (tc, ti, tv) = layout_of(m), layout_of(t)
    assert (mc, mi) == (tc, ti)
    np.testing.assert_allclose(mv, tv, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("idx, padding_idx", [([[3, 1, 3], [0, 2, 5]], None), ([[3, 1, 3], [0, 2, 5]], 2),
                                              ([4], None), (4, None), ([2, 2], 2), ([6, 0, 6, 1], -1)])
def test_embedding_sparse_gradient_is_pytorchs(idx, padding_idx):
    grads = []
    for lib in FRAMEWORKS:
        w = weights(lib)
        i = lib.tensor(idx)
        out = lib.nn.functional.embedding(i, w, padding_idx=padding_idx, sparse=True)
        out.backward(lib.tensor(upstream(out.shape), dtype=out.dtype))
        grads.append(w.grad)
    assert_same_sparse(*grads)


def test_embedding_module_used_twice_and_accumulating():
    """Two lookups in one backward list both (uncoalesced); a second backward adds to .grad; a dense gradient
    added to a sparse .grad (or the reverse) gives a dense .grad."""
    got = []
    for lib in FRAMEWORKS:
        emb = lib.nn.Embedding(7, 3, sparse=True, padding_idx=1)
        with lib.no_grad():
            emb.weight.copy_(weights(lib, dtype="float32"))
        i = lib.tensor([[3, 1, 3], [0, 2, 5]])
        c = lib.tensor(upstream((2, 3, 3)), dtype=lib.float32)  # contiguous upstream gradients, as a matmul's:
        # PyTorch concatenates (instead of merging) when the values are a strided view, as a sum()'s expanded one
        ((emb(i) * c).sum() + (emb(i[1]) * c[0]).sum()).backward()
        first = emb.weight.grad
        (emb(i[0]) * c[1]).sum().backward()
        second = emb.weight.grad
        (emb.weight * 2).sum().backward()
        third = emb.weight.grad
        emb.weight.grad = None
        (emb.weight * 2).sum().backward()
        emb(i).sum().backward()
        got.append((first, second, third, emb.weight.grad))
    (m1, m2, m3, m4), (t1, t2, t3, t4) = got
    assert_same_sparse(m1, t1)
    assert_same_sparse(m2, t2)
    for m, t in ((m3, t3), (m4, t4)):
        assert m.layout == mytorch.strided and t.layout == torch.strided
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode, padding_idx, weighted", [("sum", 5, True), ("mean", None, False),
                                                         ("sum", None, False)])
def test_embedding_bag_sparse_gradient_is_pytorchs(mode, padding_idx, weighted):
    grads = []
    for lib in FRAMEWORKS:
        w = weights(lib)
        psw = lib.tensor(upstream(5) + 2, dtype=lib.float64) if weighted else None
        out = lib.nn.functional.embedding_bag(lib.tensor([1, 2, 4, 5, 4]), w, lib.tensor([0, 2]), mode=mode,
                                              sparse=True, padding_idx=padding_idx, per_sample_weights=psw)
        out.backward(lib.tensor(upstream(out.shape), dtype=out.dtype))
        grads.append(w.grad)
    assert_same_sparse(*grads)


def test_sparse_embedding_errors_are_pytorchs():
    for lib in FRAMEWORKS:
        w = weights(lib)
        with pytest.raises(ValueError, match="max mode does not support sparse weights"):
            lib.nn.functional.embedding_bag(lib.tensor([[1, 2]]), w, mode="max", sparse=True)
        out = lib.nn.functional.embedding(lib.tensor([1, 1]), w, scale_grad_by_freq=True, sparse=True)
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse gradients"):
            out.sum().backward()
        lib.nn.functional.embedding(lib.tensor([1, 1]), w, sparse=True).sum().backward()
        with pytest.raises(NotImplementedError):  # PyTorch's norm has no SparseCPU kernel
            lib.nn.utils.clip_grad_norm_([w], 1.0)


def trajectory(lib, name, options, dtype, steps=4, trained=None):
    """An embedding (sparse=True, padding_idx=1) and a fixed projection trained by optimizer `name`: the weight
    after each step (and the optimizer into `trained`, a list, when given)."""
    rng = np.random.default_rng(0)
    emb = lib.nn.Embedding(10, 4, sparse=True, padding_idx=1).to(getattr(lib, dtype))
    with lib.no_grad():
        emb.weight.copy_(lib.tensor(rng.standard_normal((10, 4))))
    projection = lib.tensor(rng.standard_normal((4, 3)), dtype=getattr(lib, dtype))
    optimizer = getattr(lib.optim, name)(emb.parameters(), lr=0.1, **options)
    out = []
    for _ in range(steps):
        optimizer.zero_grad()
        (emb(lib.tensor(rng.integers(0, 10, (5, 3)))) @ projection).tanh().pow(2).sum().backward()
        optimizer.step()
        out.append(emb.weight.detach().numpy().copy())
    if trained is not None:
        trained.append(optimizer)
    return np.array(out)


@pytest.mark.parametrize("name, options", [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.9, "nesterov": True}),
    ("SGD", {"momentum": 0.9, "dampening": 0.5, "maximize": True}), ("Adagrad", {}), ("Adagrad", {"lr_decay": 0.1}),
    ("Adagrad", {"initial_accumulator_value": 0.1, "maximize": True}), ("SparseAdam", {})])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_sparse_gradient_trajectories_are_pytorchs(name, options, dtype, tol):
    """float32 differs by the order in which a row looked up several times sums its gradients (~1e-6)."""
    np.testing.assert_allclose(trajectory(mytorch, name, options, dtype), trajectory(torch, name, options, dtype),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("options", [{"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                     {"momentum": 0.5, "dampening": 0.3, "maximize": True}])
def test_sgd_keeps_pytorchs_sparse_momentum_buffer(options, tmp_path):
    """The buffer is sparse as PyTorch's, position for position (uncoalesced), and mytorch's saved state dict
    loads into PyTorch's SGD with it."""
    mine, theirs = [], []
    trajectory(mytorch, "SGD", options, "float64", trained=mine)
    trajectory(torch, "SGD", options, "float64", trained=theirs)
    mb, tb = [next(iter(o.state.values()))["momentum_buffer"] for o in (mine[0], theirs[0])]
    assert mb.layout == mytorch.sparse_coo and tb.layout == torch.sparse_coo
    assert mb.is_coalesced() == tb.is_coalesced() and mb._nnz() == tb._nnz()
    np.testing.assert_array_equal(mb._indices().numpy(), tb._indices().numpy())
    np.testing.assert_allclose(mb._values().numpy(), tb._values().numpy(), rtol=1e-12, atol=1e-14)
    mytorch.save(mine[0].state_dict(), tmp_path / "sgd.pt")
    state = torch.load(tmp_path / "sgd.pt", weights_only=True)
    assert state["state"][0]["momentum_buffer"].layout == torch.sparse_coo
    weight = torch.nn.Parameter(torch.tensor(np.array(theirs[0].param_groups[0]["params"][0].detach())))
    continued = torch.optim.SGD([weight], lr=0.1, **options)
    continued.load_state_dict(state)
    np.testing.assert_allclose(continued.state[weight]["momentum_buffer"]._values().numpy(), tb._values().numpy(),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, options", [
    ("Adam", {}), ("AdamW", {}), ("RMSprop", {}), ("Adadelta", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {}),
    ("ASGD", {}), ("Rprop", {}), ("Adafactor", {}), ("SGD", {"weight_decay": 0.1}),
    ("Adagrad", {"weight_decay": 0.1})])
def test_optimizers_refuse_sparse_gradients_as_pytorchs(name, options):
    errors = []
    for lib in FRAMEWORKS:
        with pytest.raises(RuntimeError) as info:
            trajectory(lib, name, options, "float64", steps=1)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_lbfgs_reads_a_sparse_gradient_as_dense():
    def run(lib):
        emb = lib.nn.Embedding(6, 3, sparse=True).double()
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(np.sin(np.arange(18.0)).reshape(6, 3)))
        optimizer = lib.optim.LBFGS(emb.parameters(), lr=0.5, max_iter=3)
        idx = lib.tensor([1, 3, 3, 4])

        def closure():
            optimizer.zero_grad()
            loss = emb(idx).pow(2).sum()
            loss.backward()
            return loss
        for _ in range(2):
            optimizer.step(closure)
        return emb.weight.detach().numpy()
    np.testing.assert_allclose(run(mytorch), run(torch), rtol=1e-12, atol=1e-12)
