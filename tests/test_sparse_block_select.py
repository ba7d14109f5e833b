"""A row or column of a BSR/BSC matrix, or a dense dim of a hybrid one (torch's 1-D COO tensor, or its "no view exists" refusal where the blocks'
lines do not join into one strided run), a CSR sum over dims (torch's SumBackward1, whose backward raises), and
``to_dense`` of a strided tensor (itself, or converted to dtype) against a sparse one's refusal of dtype."""
import warnings

import pytest
import torch

import mytorch

warnings.filterwarnings("ignore", message="Sparse (BSR|BSC|CSR|CSC) tensor support is in beta")


def _grid(T, n=4, m=4, dense=()):
    return T.arange(1.0, n * m * (dense[0] if dense else 1) + 1).reshape((n, m) + dense)


def _blocks(T, keep, n=4, m=4, block=(2, 2)):
    """An n x m matrix whose (block-row, block-column) blocks in `keep` hold numbers, the rest zeros."""
    x = _grid(T, n, m)
    mask = T.zeros(n, m, dtype=T.bool)
    for r, c in keep:
        mask[r * block[0]:(r + 1) * block[0], c * block[1]:(c + 1) * block[1]] = True
    return T.where(mask, x, T.zeros(n, m))


MATRICES = {  # name: T -> the compressed matrix
    "bsr full 2x2": lambda T: _grid(T).to_sparse_bsr((2, 2)),
    "bsc full 2x2": lambda T: _grid(T).to_sparse_bsc((2, 2)),
    "bsr diagonal 2x2": lambda T: _blocks(T, [(0, 0), (1, 1)]).to_sparse_bsr((2, 2)),
    "bsr one block column": lambda T: _blocks(T, [(0, 0), (1, 0)]).to_sparse_bsr((2, 2)),
    "bsc one block row": lambda T: _blocks(T, [(0, 0), (0, 1)]).to_sparse_bsc((2, 2)),
    "bsr 1x2": lambda T: _grid(T).to_sparse_bsr((1, 2)),
    "bsr 2x1": lambda T: _grid(T).to_sparse_bsr((2, 1)),
    "bsc 1x2": lambda T: _grid(T).to_sparse_bsc((1, 2)),
    "bsr 2x2 of 6x4": lambda T: _grid(T, 6, 4).to_sparse_bsr((2, 2)),
    "bsr hybrid": lambda T: _grid(T, dense=(2,)).to_sparse_bsr((2, 2), dense_dim=1),
    "bsr.t()": lambda T: _grid(T).to_sparse_bsr((2, 2)).t(),
    "bsc.t()": lambda T: _blocks(T, [(0, 0), (0, 1)]).to_sparse_bsc((2, 2)).t(),
    "batched bsr": lambda T: _grid(T, 8, 4).reshape(2, 4, 4).to_sparse_bsr((2, 2)),
    "csr hybrid": lambda T: _grid(T, dense=(3,)).to_sparse_csr(dense_dim=1),
    "batched csc hybrid": lambda T: _grid(T, 8, 4, dense=(2,)).reshape(2, 4, 4, 2).to_sparse_csc(dense_dim=1),
}


def _outcome(fn):
    try:
        r = fn()
    except (RuntimeError, IndexError, NotImplementedError) as e:
        return type(e).__name__, str(e)
    return str(r.layout).removeprefix("torch.").removeprefix("mytorch."), tuple(r.shape), r.to_dense().tolist()


@pytest.mark.parametrize("name", MATRICES)
def test_select_of_block_matrix_matches_torch(name):
    for dim in range(MATRICES[name](torch).ndim):
        for index in (0, 1, 2, -1):
            got = _outcome(lambda: MATRICES[name](mytorch).select(dim, index))
            expected = _outcome(lambda: MATRICES[name](torch).select(dim, index))
            assert got == expected, (dim, index)


def test_getitem_of_bsc_column_matches_torch():
    for T in (torch, mytorch):
        x = _grid(T).to_sparse_bsc((2, 2))
        assert x[:, 1].to_dense().tolist() == [2.0, 6.0, 10.0, 14.0]
        with pytest.raises(RuntimeError, match="no view exists"):
            x[1]


def test_csr_sum_over_dims_backward_raises_as_torch():
    for T in (torch, mytorch):
        c = _grid(T).to_sparse_csr().requires_grad_()
        for dim in (0, 1, (0, 1)):
            s = c.sum(dim, keepdim=True) if T is torch else T.sum(c, dim, keepdim=True)
            assert s.grad_fn.name() == "SumBackward1"
            with pytest.raises(RuntimeError, match="^expand is unsupported for SparseCsr tensors$"):
                s.values().sum().backward()
        c.sum().backward()  # the whole sum's gradient is the dense one
        assert c.grad.tolist() == [[1.0] * 4] * 4


def test_to_dense_of_strided_tensor_matches_torch():
    for T in (torch, mytorch):
        x = T.arange(4.0, requires_grad=True)
        assert x.to_dense() is x and x.to_dense(T.float32, masked_grad=False) is x
        y = x.to_dense(T.float64)
        assert y.dtype == T.float64 and y.grad_fn.name() == "ToCopyBackward0"
        y.sum().backward()
        assert x.grad.tolist() == [1.0] * 4
        assert T.arange(3).to_dense(T.float32).tolist() == [0.0, 1.0, 2.0]
        with pytest.raises(TypeError, match=r"^to_dense\(\): argument 'dtype' \(position 1\) must be torch.dtype, "
                                            r"not str$"):
            x.to_dense("float")
        with pytest.raises(TypeError, match=r"^to_dense\(\): argument 'masked_grad' must be bool, not str$"):
            x.to_dense(masked_grad="x")


@pytest.mark.parametrize("layout", ["coo", "csr", "csc", "bsr"])
def test_sparse_to_dense_refuses_dtype_as_torch(layout):
    for T in (torch, mytorch):
        d = T.arange(4.0).reshape(2, 2)
        s = d.to_sparse() if layout == "coo" else d.to_sparse_bsr((1, 1)) if layout == "bsr" else \
            getattr(d, f"to_sparse_{layout}")()
        with pytest.raises(RuntimeError, match="^dtype argument is not supported by sparse_(csr_)?to_dense$"):
            s.to_dense(T.float64)
        assert s.to_dense(masked_grad=False).tolist() == d.tolist()
