"""View ops: shapes and values vs torch, storage sharing, gradients through views."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck

rng = np.random.default_rng(1)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


VIEW_FNS = {
    "view": lambda T, x: x.view(4, 6),
    "view_infer": lambda T, x: x.view(-1, 3),
    "reshape": lambda T, x: x.reshape(2, -1, 3),
    "permute": lambda T, x: x.permute(2, 0, 1),
    "transpose": lambda T, x: x.transpose(0, 2),
    "swapaxes": lambda T, x: T.swapaxes(x, 1, 2),
    "mT": lambda T, x: x.mT,
    "T": lambda T, x: x.permute(2, 1, 0),
    "squeeze": lambda T, x: x.reshape(2, 1, 12).squeeze(),
    "squeeze_dim": lambda T, x: x.reshape(2, 1, 12, 1).squeeze(1),
    "squeeze_tuple": lambda T, x: x.reshape(2, 1, 12, 1).squeeze((1, 3)),
    "unsqueeze": lambda T, x: x.unsqueeze(1).unsqueeze(-1),
    "flatten": lambda T, x: x.flatten(),
    "flatten_range": lambda T, x: x.flatten(1),
    "unflatten": lambda T, x: x.unflatten(2, (2, 2)),
    "narrow": lambda T, x: x.narrow(1, 1, 2),
    "select": lambda T, x: x.select(2, -1),
    "diagonal": lambda T, x: x.diagonal(0, 1, 2),
    "diagonal_offset": lambda T, x: T.diagonal(x, 1, 0, 2),
    "diagonal_negative": lambda T, x: x.diagonal(-1, 1, 2),
    "expand": lambda T, x: x[:, :1].expand(2, 5, 4),
    "expand_new_dims": lambda T, x: x.expand(3, 2, 3, 4),
    "movedim": lambda T, x: T.movedim(x, 0, -1),
    "as_strided": lambda T, x: x.contiguous().as_strided((2, 2), (1, 4)),
    "contiguous": lambda T, x: x.transpose(0, 1).contiguous(),
    "clone": lambda T, x: x.clone(),
    "t": lambda T, x: x[0].t(),
    "view_as": lambda T, x: x.reshape(4, 6).view_as(x.reshape(6, 4).t()),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(VIEW_FNS))
def test_view_ops(name, layout):
    x = rand(2, 3, 4)
    if name in ("view", "view_infer", "as_strided", "view_as") and layout != "contiguous":
        layout = "contiguous"  # view() needs compatible strides; other layouts are tested through reshape
    check(lambda T, x: VIEW_FNS[name](T, x) * 2, x, layout=layout)


@pytest.mark.parametrize("name", ["reshape", "permute", "narrow", "select", "diagonal", "expand", "unflatten"])
def test_view_gradcheck(name):
    gradcheck(lambda T, x: VIEW_FNS[name](T, x), rand(2, 3, 4).astype(np.float64))


def test_views_share_storage_and_version():
    x = mytorch.arange(12.0).reshape(3, 4)
    for v in (x.view(4, 3), x.t(), x[1], x[:, ::2], x.narrow(0, 1, 1), x.diagonal(), x.unsqueeze(0), x.select(1, 2)):
        before = x._version
        v.mul_(1)
        assert x._version == before + 1
        assert v._version == x._version
    x[0, 0] = 100.0
    assert float(x.view(-1)[0]) == 100.0
    y = x.t()
    y[1, 0] = -5.0  # writes x[0, 1]
    assert float(x[0, 1]) == -5.0
    d = x.diagonal()
    d.zero_()
    assert x[2, 2].item() == 0.0


def test_is_contiguous_and_strides_match_torch():
    import torch
    for f in (lambda T, x: x, lambda T, x: x.t(), lambda T, x: x[:, ::2], lambda T, x: x[1:], lambda T, x: x.unsqueeze(1),
              lambda T, x: x.expand(2, 3, 4)):
        m = f(mytorch, mytorch.zeros(3, 4))
        t = f(torch, torch.zeros(3, 4))
        assert m.is_contiguous() == t.is_contiguous()
        assert m.stride() == t.stride()
        assert m.storage_offset() == t.storage_offset()


def test_contiguous_returns_self_when_contiguous():
    x = mytorch.zeros(2, 3)
    assert x.contiguous() is x
    assert x.t().contiguous() is not x


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.int8, np.bool_])
def test_transposed_copies_in_tiles(dtype):
    """Copies and elementwise ops that read or write across rows (walked in tiles by the C++ backend): sizes that
    are not multiples of a tile, a batch of transposes, a transposed destination."""
    a = (rng.standard_normal((3, 37, 150)) * 4).astype(dtype)
    x = mytorch.from_numpy(a)
    np.testing.assert_array_equal(x.transpose(1, 2).contiguous().numpy(), a.transpose(0, 2, 1))
    np.testing.assert_array_equal(x[1].t().contiguous().numpy(), a[1].T)
    np.testing.assert_array_equal(x.permute(2, 0, 1).contiguous().numpy(), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(x[:, ::2, 3:140:3].mT.contiguous().numpy(), a[:, ::2, 3:140:3].transpose(0, 2, 1))
    np.testing.assert_array_equal(x.reshape(50, 333).t().contiguous().numpy(), a.reshape(50, 333).T)
    if dtype != np.bool_:
        b = mytorch.from_numpy(np.ascontiguousarray(a.transpose(0, 2, 1)))
        np.testing.assert_array_equal((x.mT + b).numpy(), a.transpose(0, 2, 1) * 2)
    out = mytorch.zeros(3, 150, 37, dtype=x.dtype)
    out.mT.copy_(x)
    np.testing.assert_array_equal(out.numpy(), a.transpose(0, 2, 1))


def test_view_on_noncontiguous_raises_reshape_copies():
    x = mytorch.zeros(3, 4).t()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.view(12)
    y = x.reshape(12)
    assert y.shape == (12,)


def test_size_and_shape_api():
    x = mytorch.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert repr(x.shape) == "mytorch.Size([2, 3, 4])"
    assert x.shape[1:] == (3, 4) and isinstance(x.shape[1:], mytorch.Size)
    assert x.dim() == 3 == x.ndim and x.numel() == 24 and len(x) == 2
    assert x.shape.numel() == 24


@pytest.mark.parametrize("shape, start, end", [((0, 3, 3), -2, -1), ((0, 3, 3), 0, 1), ((2, 0, 3), 0, 1),
                                               ((2, 0, 3, 4), 2, 3), ((0, 0), 0, -1), ((4, 0), 1, 1)])
def test_flatten_with_a_zero_size_dim_anywhere(shape, start, end):
    import torch
    assert mytorch.zeros(shape).flatten(start, end).shape == torch.zeros(shape).flatten(start, end).shape
