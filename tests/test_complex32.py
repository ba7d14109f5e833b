"""complex32 (chalf): PyTorch's CPU surface for it, compared with torch.

Created, converted to and from every dtype, copied, moved, indexed, concatenated, viewed as its float16 parts
(view_as_real / view_as_complex / complex), filled; add, sub, mul, neg, abs, eq, ne, isnan, isfinite compute
(through complex64, each part rounded once to float16), and so does sgn; every other kernel raises
NotImplementedError naming itself and ComplexHalf, as torch's CPU kernels do (the FFTs: RuntimeError, MKL's words).
"""
from __future__ import annotations

import re
import warnings

import pytest
import torch

import mytorch

warnings.filterwarnings("ignore", "ComplexHalf support is experimental", UserWarning)
VALUES = [1 + 2j, 3 - 1j, 0.5j, -2.25 + 0.125j, 0j, 65504 + 1j]


def pair(values=VALUES):
    return mytorch.tensor(values).chalf(), torch.tensor(values).chalf()


def same(m, t) -> None:
    """Equal dtypes, shapes and values (exactly: both round each part to float16 once)."""
    assert str(m.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    assert tuple(m.shape) == tuple(t.shape)
    assert m.tolist() == t.tolist()


def test_dtype_and_creation():
    assert mytorch.chalf is mytorch.complex32 and mytorch.complex32.itemsize == 4 and mytorch.complex32.is_complex
    assert mytorch.complex32.to_real() is mytorch.float16 and mytorch.float16.to_complex() is mytorch.complex32
    assert mytorch.finfo(mytorch.chalf).eps == torch.finfo(torch.chalf).eps
    m, t = pair()
    assert m.element_size() == t.element_size() and m.is_complex()
    assert repr(m) == repr(t).replace("torch.", "mytorch.")
    same(mytorch.tensor(VALUES, dtype=mytorch.complex32), torch.tensor(VALUES, dtype=torch.complex32))
    same(mytorch.zeros(2, dtype=mytorch.chalf), torch.zeros(2, dtype=torch.chalf))
    same(mytorch.ones(2, dtype=mytorch.chalf), torch.ones(2, dtype=torch.chalf))
    same(mytorch.full((2,), 1 + 1j, dtype=mytorch.chalf), torch.full((2,), 1 + 1j, dtype=torch.chalf))
    same(mytorch.empty(2, dtype=mytorch.chalf).fill_(2 + 1j), torch.empty(2, dtype=torch.chalf).fill_(2 + 1j))
    assert m[1].item() == t[1].item()


@pytest.mark.parametrize("other", ["float16", "float32", "float64", "int64", "bool", "complex64", "complex128",
                                   "uint8"])
def test_conversions_both_ways(other):
    m, t = pair()
    same(m.to(getattr(mytorch, other)).to(mytorch.complex64), t.to(getattr(torch, other)).to(torch.complex64))
    src = [1.5, -2.0, 0.0, 3.0]
    same(mytorch.tensor(src).to(getattr(mytorch, other)).chalf(), torch.tensor(src).to(getattr(torch, other)).chalf())


def test_views_and_parts():
    m, t = pair()
    mr, tr = mytorch.view_as_real(m), torch.view_as_real(t)
    assert mr.dtype is mytorch.float16 and mr.tolist() == tr.tolist()
    same(mytorch.view_as_complex(mr), torch.view_as_complex(tr))
    mr[0, 1] = 7  # a view: the write shows in the complex tensor
    assert m[0].item() == 1 + 7j
    h = [[1.0, 2.0], [0.5, -3.0]]
    same(mytorch.view_as_complex(mytorch.tensor(h, dtype=mytorch.half)), torch.view_as_complex(
        torch.tensor(h, dtype=torch.half)))
    re, im = [1.0, 2.5], [-1.0, 0.25]
    same(mytorch.complex(mytorch.tensor(re).half(), mytorch.tensor(im).half()),
         torch.complex(torch.tensor(re).half(), torch.tensor(im).half()))
    m, t = pair()
    assert m.real.tolist() == t.real.tolist() and m.imag.tolist() == t.imag.tolist()
    assert m.view(mytorch.int32).tolist() == t.view(torch.int32).tolist()


def test_movement_and_indexing():
    m, t = pair()
    same(m[1:4], t[1:4])
    same(m[mytorch.tensor([0, 2, 2])], t[torch.tensor([0, 2, 2])])
    mask = [True, False, True, False, True, False]
    same(m[mytorch.tensor(mask)], t[torch.tensor(mask)])
    same(mytorch.cat([m, m[:2]]), torch.cat([t, t[:2]]))
    same(mytorch.stack([m, m]), torch.stack([t, t]))
    same(m.reshape(2, 3).t().contiguous(), t.reshape(2, 3).t().contiguous())
    same(m.roll(1), t.roll(1))
    same(m.repeat(2), t.repeat(2))
    same(mytorch.where(mytorch.tensor(mask), m, m[0]), torch.where(torch.tensor(mask), t, t[0]))
    same(m.masked_fill(mytorch.tensor(mask), 0), t.masked_fill(torch.tensor(mask), 0))
    same(mytorch.nn.functional.pad(m, (1, 2)), torch.nn.functional.pad(t, (1, 2)))
    same(m.clone().copy_(mytorch.tensor(VALUES[::-1])), t.clone().copy_(torch.tensor(VALUES[::-1])))


def test_supported_arithmetic():
    m, t = pair()
    m2, t2 = pair(VALUES[::-1])
    same(m + m2, t + t2)
    same(m - m2, t - t2)
    same(m * m2, t * t2)
    same(m * 2, t * 2)
    same(m + 1, t + 1)
    same(-m, t.neg())
    same(m.conj(), t.conj().resolve_conj())
    for op in ("eq", "ne"):
        same(getattr(m, op)(m2), getattr(t, op)(t2))
    same(m.abs(), t.abs())
    same(m.isnan(), t.isnan())
    same(m.isfinite(), t.isfinite())
    same(m + mytorch.ones(6), t + torch.ones(6))  # promotes to complex64
    same(mytorch.ones(2, dtype=mytorch.half) + 1j, torch.ones(2, dtype=torch.half) + 1j)


@pytest.mark.parametrize("op", ["exp", "sum", "prod", "div", "sqrt", "pow", "sigmoid", "matmul", "dot", "mv",
                                "cumsum", "cumprod"])
def test_unsupported_ops_raise(op):
    m, t = pair()

    def call(x):
        return {"exp": x.exp, "sum": x.sum, "prod": x.prod, "div": lambda: x / x, "sqrt": x.sqrt,
                "pow": lambda: x.pow(2), "sigmoid": x.sigmoid,
                "matmul": lambda: x[:4].reshape(2, 2) @ x[:4].reshape(2, 2), "dot": lambda: x.dot(x),
                "mv": lambda: x[:4].reshape(2, 2).mv(x[:2]), "cumsum": lambda: x.cumsum(0),
                "cumprod": lambda: x.cumprod(0)}[op]()
    with pytest.raises(NotImplementedError, match="ComplexHalf"):
        call(t)
    with pytest.raises(NotImplementedError, match="ComplexHalf"):
        call(m)


def test_gradient_through_chalf():
    x = mytorch.tensor([1.5, -2.0], requires_grad=True)
    tx = torch.tensor([1.5, -2.0], requires_grad=True)
    mytorch.view_as_real(x.chalf()).float().sum().backward()
    torch.view_as_real(tx.chalf()).float().sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


def test_numpy_raises_type_error():
    m, t = pair()
    with pytest.raises(TypeError, match="Got unsupported ScalarType ComplexHalf"):
        t.numpy()
    with pytest.raises(TypeError, match="Got unsupported ScalarType ComplexHalf"):
        m.numpy()


def _refused(lib):
    """The ops torch's CPU refuses on complex32 that mytorch composes from ops it has: name -> call on lib."""
    return {"square": lambda x, y: lib.square(x), "pow2": lambda x, y: x ** 2, "angle": lambda x, y: lib.angle(x),
            "equal": lambda x, y: lib.equal(x, y), "lerp": lambda x, y: lib.lerp(x, y, 0.5),
            "lerp_tensor": lambda x, y: lib.lerp(x, y, lib.tensor(0.5)),
            "logical_and": lambda x, y: lib.logical_and(x, y), "logical_or": lambda x, y: lib.logical_or(x, y),
            "logical_xor": lambda x, y: lib.logical_xor(x, y), "logical_not": lambda x, y: lib.logical_not(x),
            "nan_to_num": lambda x, y: lib.nan_to_num(x), "nan_to_num_": lambda x, y: x.clone().nan_to_num_(),
            "flip": lambda x, y: lib.flip(x, [0]), "rot90": lambda x, y: lib.rot90(x.reshape(2, 3)),
            "cross": lambda x, y: lib.cross(x.reshape(2, 3), y.reshape(2, 3), dim=1),
            "linalg.cross": lambda x, y: lib.linalg.cross(x.reshape(2, 3), y.reshape(2, 3)),
            "unique": lambda x, y: lib.unique(x), "unique_dim": lambda x, y: lib.unique(x.reshape(2, 3), dim=0),
            "unique_consecutive": lambda x, y: lib.unique_consecutive(x), "fft": lambda x, y: lib.fft.fft(x),
            "ifft": lambda x, y: lib.fft.ifft(x), "fft2": lambda x, y: lib.fft.fft2(x.reshape(2, 3)),
            "fftn": lambda x, y: lib.fft.fftn(x), "irfft": lambda x, y: lib.fft.irfft(x),
            "hfft": lambda x, y: lib.fft.hfft(x), "stft": lambda x, y: lib.stft(x, 4, return_complex=True),
            "stft_uncentered": lambda x, y: lib.stft(x, 4, center=False, return_complex=True),
            "istft": lambda x, y: lib.istft(x.reshape(3, 2), 4),
            "pad_reflect": lambda x, y: lib.nn.functional.pad(x.reshape(1, 2, 3), (1, 1), mode="reflect"),
            "pad_replicate": lambda x, y: lib.nn.functional.pad(x.reshape(1, 1, 2, 3), (1, 1, 1, 1), mode="replicate")}


@pytest.mark.parametrize("op", list(_refused(torch)))
def test_refusals_as_torch(op):
    m, t = pair()
    m2, t2 = pair(VALUES[::-1])
    with pytest.raises(Exception) as expected:
        _refused(torch)[op](t, t2)
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        _refused(mytorch)[op](m, m2)


def test_mixed_with_complex64_computes():
    m, t = pair()
    assert mytorch.logical_and(m, mytorch.ones(6)).tolist() == torch.logical_and(t, torch.ones(6)).tolist()
    assert mytorch.equal(m, m.to(mytorch.complex64)) == torch.equal(t, t.to(torch.complex64))


def test_sgn_computes_in_complex64():
    values = VALUES + [complex(float("inf"), 1), 60000 + 60000j, 1e-4 + 1e-4j]
    m, t = pair(values)
    assert str(mytorch.sgn(m).tolist()) == str(torch.sgn(t).tolist())  # str: nan == nan
