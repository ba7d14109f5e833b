"""uint16, uint32 and uint64: PyTorch's "limited support" surface, compared with torch on both backends.

They are created, converted, copied, moved, indexed, concatenated, sorted, compared for equality, multiplied,
combined bitwise and summed; every other kernel raises NotImplementedError naming the dtype, and they promote
with no dtype but the floating ones (RuntimeError), as in torch.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch

PAIRS = [(mytorch.uint16, torch.uint16), (mytorch.uint32, torch.uint32), (mytorch.uint64, torch.uint64)]
VALUES = [0, 1, 7, 300, 65535, 40000, 12, 9]


def both(m_dt, t_dt, values=VALUES):
    return mytorch.tensor(values, dtype=m_dt), torch.tensor(values, dtype=t_dt)


def same(m, t) -> None:
    """Equal dtypes, shapes and values (exactly)."""
    if isinstance(t, torch.Tensor):
        assert str(m.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        assert tuple(m.shape) == tuple(t.shape)
        assert m.tolist() == t.tolist()
    else:
        assert m == t


@pytest.fixture(params=PAIRS, ids=lambda p: str(p[1]).split(".")[1])
def dts(request):
    return request.param


def test_dtype_attributes(dts):
    m_dt, t_dt = dts
    assert m_dt.itemsize == t_dt.itemsize and m_dt.is_signed == t_dt.is_signed
    assert not m_dt.is_floating_point and not m_dt.is_complex
    assert repr(m_dt) == "mytorch." + str(t_dt).split(".")[1]
    info, t_info = mytorch.iinfo(m_dt), torch.iinfo(t_dt)
    assert (info.min, info.max, info.bits) == (t_info.min, t_info.max, t_info.bits)
    assert repr(info) == repr(t_info)
    m, t = both(m_dt, t_dt)
    assert m.element_size() == t.element_size()
    assert repr(m) == repr(t).replace("torch.", "mytorch.")


def test_creation_and_conversion(dts):
    m_dt, t_dt = dts
    same(mytorch.zeros(3, dtype=m_dt), torch.zeros(3, dtype=t_dt))
    same(mytorch.ones(2, 2, dtype=m_dt), torch.ones(2, 2, dtype=t_dt))
    same(mytorch.full((2,), 5, dtype=m_dt), torch.full((2,), 5, dtype=t_dt))
    same(mytorch.empty(3, dtype=m_dt).fill_(9), torch.empty(3, dtype=t_dt).fill_(9))
    top = 2 ** (8 * m_dt.itemsize) - 1
    same(mytorch.tensor([top, 0], dtype=m_dt), torch.tensor([top, 0], dtype=t_dt))
    same(mytorch.full((1,), top, dtype=m_dt), torch.full((1,), top, dtype=t_dt))
    m, t = both(m_dt, t_dt)
    for other_m, other_t in [(mytorch.float32, torch.float32), (mytorch.int64, torch.int64), (mytorch.bool, torch.bool),
                             (mytorch.uint8, torch.uint8), (mytorch.float64, torch.float64)]:
        same(m.to(other_m), t.to(other_t))
    f = [3.7, 0.0, 200.5, 65535.0]
    same(mytorch.tensor(f).to(m_dt), torch.tensor(f).to(t_dt))
    same(m.chalf().real, t.chalf().real)
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    same(mytorch.from_numpy(t.numpy()), t)


def test_movement_and_indexing(dts):
    m_dt, t_dt = dts
    m, t = both(m_dt, t_dt)
    same(m[2:5], t[2:5])
    same(m[mytorch.tensor([0, 3, 3])], t[torch.tensor([0, 3, 3])])
    same(m[m == 7], t[t == 7])
    same(mytorch.cat([m, m[:2]]), torch.cat([t, t[:2]]))
    same(mytorch.stack([m, m]), torch.stack([t, t]))
    same(m.reshape(2, 4).t().contiguous(), t.reshape(2, 4).t().contiguous())
    same(m.clone(), t.clone())
    same(m.repeat(2), t.repeat(2))
    same(m.roll(1), t.roll(1))
    same(mytorch.where(m == 7, m, m[0]), torch.where(t == 7, t, t[0]))
    same(mytorch.zeros(3, dtype=m_dt).copy_(m[:3]), torch.zeros(3, dtype=t_dt).copy_(t[:3]))
    same(m.view(mytorch.uint8), t.view(torch.uint8))
    same(mytorch.nn.functional.pad(m, (1, 1)), torch.nn.functional.pad(t, (1, 1)))


def test_supported_arithmetic(dts):
    m_dt, t_dt = dts
    m, t = both(m_dt, t_dt)
    m2, t2 = both(m_dt, t_dt, VALUES[::-1])
    for op in ("eq", "ne", "mul", "bitwise_and", "bitwise_or", "bitwise_xor"):
        same(getattr(m, op)(m2), getattr(t, op)(t2))
        same(getattr(m, op)(3), getattr(t, op)(3))
    same(m * 40000, t * 40000)  # wraps around
    same(m.sum(), t.sum())
    same(m.prod(), t.prod())
    same(m.any(), t.any())
    same(m.all(), t.all())
    same(m.div(m2), t.div(t2))
    same(m.float() * 2.5, t.float() * 2.5)
    same(m.sort().values, t.sort().values)
    same(m.sort(descending=True).values, t.sort(descending=True).values)
    same(m.argsort(), t.argsort())
    same(m.unique(), t.unique())
    same(m.isnan(), t.isnan())
    assert mytorch.equal(m, m) == torch.equal(t, t)


@pytest.mark.parametrize("op", ["add", "sub", "lt", "gt", "amax", "neg", "abs", "bitwise_not", "maximum", "sign",
                                "remainder", "pow"])
def test_unsupported_ops_raise(dts, op):
    m_dt, t_dt = dts
    m, t = both(m_dt, t_dt)

    def call(x, T):
        return {"add": lambda: x + x, "sub": lambda: x - x, "lt": lambda: x < x, "gt": lambda: x > 1,
                "amax": lambda: x.amax(), "neg": lambda: -x, "abs": lambda: x.abs(), "bitwise_not": lambda: ~x,
                "maximum": lambda: T.maximum(x, x), "sign": lambda: x.sign(), "remainder": lambda: x % x,
                "pow": lambda: x.pow(2)}[op]()
    with pytest.raises(Exception) as t_err:
        call(t, torch)
    with pytest.raises(type(t_err.value)) as m_err:
        call(m, mytorch)
    name = str(t_dt).split(".")[1]
    assert name.replace("uint", "UInt") in str(m_err.value) or name in str(m_err.value)


def test_promotion_only_with_floats(dts):
    m_dt, t_dt = dts
    for m_other, t_other in [(mytorch.float16, torch.float16), (mytorch.float32, torch.float32)]:
        assert str(mytorch.promote_types(m_dt, m_other)) == str(torch.promote_types(t_dt, t_other)).replace("torch",
                                                                                                          "mytorch")
    for m_other, t_other in [(mytorch.int64, torch.int64), (mytorch.uint8, torch.uint8), (mytorch.bool, torch.bool),
                             (mytorch.complex64, torch.complex64)]:
        with pytest.raises(RuntimeError) as t_err:
            torch.promote_types(t_dt, t_other)
        with pytest.raises(RuntimeError) as m_err:
            mytorch.promote_types(m_dt, m_other)
        assert str(m_err.value) == str(t_err.value)
    m, t = both(m_dt, t_dt)
    with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64"):
        m.eq(mytorch.tensor([1]))
    assert mytorch.result_type(m, 1) is m_dt and torch.result_type(t, 1) == t_dt
    same(m == mytorch.tensor(7), t == torch.tensor(7))  # a 0-d operand of the same category takes the dtype


def test_hash_tensor_refuses(dts):
    m_dt, _ = dts
    with pytest.raises(NotImplementedError, match="xor_sum_cpu"):
        mytorch.hash_tensor(mytorch.ones(2, dtype=m_dt))
