"""Sparse tensors (COO, CSR, CSC, BSR) in PyTorch's checkpoint format both ways: mytorch.save ->
torch.load(weights_only=True) and torch.save -> mytorch.load (weights_only, the default), with the pickle PyTorch
writes (`_rebuild_sparse_tensor` over `_get_layout`); uncoalesced and hybrid COO, batched and hybrid compressed
tensors; and files whose sparse indices point outside the tensor or falsely claim to be coalesced are refused."""
from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

X = np.array([[1.0, 0, 2, 0], [0, 3, 0, 0], [0, 0, 0, 0], [4, 0, 0, 5]])
LAYOUTS = {"coo": lambda x: x.to_sparse(), "csr": lambda x: x.to_sparse_csr(), "csc": lambda x: x.to_sparse_csc(),
           "bsr": lambda x: x.to_sparse_bsr((2, 2)), "bsc": lambda x: x.to_sparse_bsc((2, 1))}


def cases(lib):
    """The same sparse tensors in `lib`: each layout, an uncoalesced COO tensor and a hybrid one."""
    out = {name: make(lib.tensor(X)) for name, make in LAYOUTS.items()}
    out["uncoalesced"] = lib.sparse_coo_tensor(lib.tensor([[2, 0, 2], [1, 1, 1]]), lib.tensor([1.0, 2.0, 3.0]), (3, 2))
    out["hybrid"] = lib.tensor(np.arange(12.0).reshape(3, 4) * (np.arange(3) != 1)[:, None]).to_sparse(1)
    batched = lib.tensor(np.stack([X, X[::-1]]))  # as many entries (blocks) in each matrix
    out["batched csr"], out["batched bsc"] = batched.to_sparse_csr(), batched.to_sparse_bsc((2, 1))
    out["hybrid csc"] = lib.tensor(np.stack([X, X.T], -1)).to_sparse_csc(dense_dim=1)
    out["batched hybrid csr"] = lib.tensor(np.stack([X, X[::-1]])[..., None] * np.ones(2)).to_sparse_csr(dense_dim=1)
    return out


def same(mine, theirs):
    assert mine.layout == str(theirs.layout).split(".")[-1] and tuple(mine.shape) == tuple(theirs.shape)
    assert mine.dtype.name == str(theirs.dtype).split(".")[-1]
    if theirs.layout == torch.sparse_coo:
        assert mine.is_coalesced() == theirs.is_coalesced()
        np.testing.assert_array_equal(mine._indices().numpy(), theirs._indices().numpy())
        np.testing.assert_array_equal(mine._values().numpy(), theirs._values().numpy())
    else:
        np.testing.assert_array_equal(mine.values().detach().numpy(), theirs.values().detach().numpy())
        column_major = theirs.layout in (torch.sparse_csc, torch.sparse_bsc)
        for name in ("ccol_indices", "row_indices") if column_major else ("crow_indices", "col_indices"):
            np.testing.assert_array_equal(getattr(mine, name)().numpy(), getattr(theirs, name)().numpy())


def test_mytorch_sparse_tensors_load_in_torch_and_back(tmp_path):
    mine = cases(mytorch)
    mytorch.save({"sparse": mine, "dense": mytorch.ones(2)}, tmp_path / "s.pt")
    loaded = torch.load(tmp_path / "s.pt", weights_only=True)
    for name, t in cases(torch).items():
        same(mine[name], loaded["sparse"][name])
        same(mine[name], t)
    back = mytorch.load(tmp_path / "s.pt")
    for name, t in loaded["sparse"].items():
        same(back["sparse"][name], t)
    assert back["dense"].tolist() == [1.0, 1.0]


def test_torch_sparse_tensors_load_in_mytorch(tmp_path):
    theirs = cases(torch)
    torch.save(theirs, tmp_path / "t.pt")
    mine = mytorch.load(tmp_path / "t.pt")
    for name, t in theirs.items():
        same(mine[name], t)
        np.testing.assert_array_equal(mine[name].to_dense().numpy(), t.to_dense().numpy())


def test_an_embedding_sparse_gradient_round_trips(tmp_path):
    emb = mytorch.nn.Embedding(5, 3, sparse=True)
    emb(mytorch.tensor([1, 3, 1])).sum().backward()
    mytorch.save({"grad": emb.weight.grad}, tmp_path / "g.pt")
    g = torch.load(tmp_path / "g.pt", weights_only=True)["grad"]
    assert g.layout == torch.sparse_coo and not g.is_coalesced()
    np.testing.assert_array_equal(g.to_dense().numpy(), emb.weight.grad.to_dense().numpy())


def rewrite(src, dst, old: bytes, new: bytes):
    """Copy archive `src` to `dst` with `old` replaced by `new` in its pickle (same length)."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for info in a.infolist():
            data = a.read(info)
            if info.filename.endswith("data.pkl"):
                assert old in data
                data = data.replace(old, new, 1)
            b.writestr(info.filename, data)


@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_indices_outside_the_tensor_are_refused(layout, tmp_path):
    t = LAYOUTS[layout](mytorch.tensor(X))
    mytorch.save(t, tmp_path / "s.pt")
    # the size (4, 4) -> (4, 2): the stored columns 2 and 3 are then outside it
    rewrite(tmp_path / "s.pt", tmp_path / "x.pt", b"K\x04K\x04\x86", b"K\x04K\x02\x86")
    with pytest.raises(pickle.UnpicklingError, match="size is inconsistent with indices|col_indices < ncols"):
        mytorch.load(tmp_path / "x.pt")


def test_a_false_coalesced_claim_is_refused(tmp_path):
    t = cases(mytorch)["uncoalesced"]
    mytorch.save(t, tmp_path / "s.pt")
    rewrite(tmp_path / "s.pt", tmp_path / "x.pt", b"\x89t", b"\x88t")  # is_coalesced False -> True
    with pytest.raises(pickle.UnpicklingError, match="cannot set is_coalesced to true if indices correspond to uncoalesced"):
        mytorch.load(tmp_path / "x.pt")
    rewrite(tmp_path / "s.pt", tmp_path / "y.pt", b"torch.sparse_coo", b"torch.sparse_xyz")
    with pytest.raises(NotImplementedError, match="rebuilding sparse tensor for layout 'torch.sparse_xyz'"):
        mytorch.load(tmp_path / "y.pt")


def test_the_safetensors_format_refuses_a_sparse_tensor(tmp_path):
    s = mytorch.tensor(X).to_sparse_csr()
    with pytest.raises(ValueError, match="You are trying to save a sparse tensor: `w.s`"):
        mytorch.save({"w": {"s": s}}, tmp_path / "s.safetensors", format="safetensors")
    with pytest.raises(ValueError, match="You are trying to save a sparse tensor: `s`"):
        mytorch.serialization.save_file({"s": s}, tmp_path / "t.safetensors")
