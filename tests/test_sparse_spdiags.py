"""``torch.sparse.spdiags`` (`mytorch/ops/sparse_spdiags.py`) against PyTorch: the stored entries in PyTorch's
order for square and wide matrices, short and long diagonal rows, one vector, zeros kept, the CSR and CSC
layouts, PyTorch's errors for bad arguments and for a backward through it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

DIAGONALS = np.arange(1., 10.).reshape(3, 3)


def both(diagonals, offsets, shape, layout=None, offsets_dtype=np.int64):
    """spdiags in each library: (mytorch's, torch's)."""
    out = []
    for lib in (mytorch, torch):
        lay = None if layout is None else getattr(lib, layout)
        out.append(lib.sparse.spdiags(lib.tensor(np.asarray(diagonals)), lib.tensor(np.asarray(offsets, offsets_dtype)),
                                      shape, layout=lay))
    return out


@pytest.mark.parametrize("diagonals,offsets,shape", [
    (DIAGONALS, [0, -1, 2], (3, 3)), (DIAGONALS, [2, 0, -1], (3, 3)), (DIAGONALS, [0, 1, -2], (2, 4)),
    (DIAGONALS[:, :2], [0, 1, -1], (3, 3)), (np.arange(1., 13.).reshape(3, 4), [0, 1, -1], (3, 3)),
    (np.array([1., 0., 3.]), 0, (3, 3)), (np.array([[1, 2, 3]]), [0], (3, 3))],
    ids=["square", "unsorted", "wide", "short", "long", "vector_zero", "int"])
def test_coo_entries_are_pytorchs(diagonals, offsets, shape):
    m, t = both(diagonals, offsets, shape)
    assert m.layout == mytorch.sparse_coo and m.is_coalesced() == t.is_coalesced() and tuple(m.shape) == shape
    assert str(m.dtype) == str(t.dtype).replace("torch.", "mytorch.")
    assert m._indices().numpy().tolist() == t._indices().tolist()
    np.testing.assert_array_equal(m._values().numpy(), t._values().numpy())


@pytest.mark.parametrize("layout", ["sparse_csr", "sparse_csc"])
def test_compressed_layouts(layout):
    m, t = both(DIAGONALS, [0, -1, 2], (3, 3), layout)
    assert m.layout == layout
    first, second = ("crow_indices", "col_indices") if layout == "sparse_csr" else ("ccol_indices", "row_indices")
    for name in (first, second):
        assert getattr(m, name)().numpy().tolist() == getattr(t, name)().tolist()
    np.testing.assert_array_equal(m.values().detach().numpy(), t.values().numpy())


@pytest.mark.parametrize("case", ["bsr", "3d shape", "3d diagonals", "2d offsets", "float offsets", "int32 offsets",
                                  "count", "duplicates"])
def test_errors_are_pytorchs(case):
    args = {"bsr": (DIAGONALS, [0, 1, 2], (3, 3), "sparse_bsr"), "3d shape": (DIAGONALS, [0, 1, 2], (3, 3, 3)),
            "3d diagonals": (DIAGONALS.reshape(3, 3, 1), [0, 1, 2], (3, 3)),
            "2d offsets": (DIAGONALS, [[0, 1, 2]], (3, 3)), "count": (DIAGONALS, [0, 1], (3, 3)),
            "duplicates": (DIAGONALS, [0, 0, 1], (3, 3)), "float offsets": (DIAGONALS, [0, 1, 2], (3, 3)),
            "int32 offsets": (DIAGONALS, [0, 1, 2], (3, 3))}[case]
    dtype = {"float offsets": np.float32, "int32 offsets": np.int32}.get(case, np.int64)
    messages = []
    for lib in (mytorch, torch):
        diagonals, offsets, shape, *layout = args
        with pytest.raises(RuntimeError) as err:
            lib.sparse.spdiags(lib.tensor(diagonals), lib.tensor(np.asarray(offsets, dtype)), shape,
                               layout=getattr(lib, layout[0]) if layout else None)
        messages.append(str(err.value))
    assert messages[0].startswith(messages[1])


def test_backward_through_it_raises_pytorchs_error():
    messages = []
    for lib in (mytorch, torch):
        x = lib.tensor(DIAGONALS, requires_grad=True)
        out = lib.sparse.spdiags(x, lib.tensor([0, -1, 2]), (3, 3))
        assert out.requires_grad
        with pytest.raises(RuntimeError) as err:
            out.to_dense().sum().backward()
        messages.append(str(err.value))
    assert messages[0] == messages[1]


def test_a_diagonal_outside_the_matrix_adds_nothing():
    m = mytorch.sparse.spdiags(mytorch.tensor(DIAGONALS), mytorch.tensor([0, 5, -4]), (3, 3))
    assert m._indices().numpy().tolist() == [[0, 1, 2], [0, 1, 2]]
