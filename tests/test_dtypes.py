"""dtypes: the promotion table, result_type over tensors / 0-dim tensors / Python numbers, result dtypes of
mixed-dtype ops, conversions, the default dtype, finfo and iinfo -- all against torch."""
import itertools
import pickle

import numpy as np
import pytest
import torch

import mytorch
from helpers import TORCH_DTYPES, raises_like, to_numpy

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
PAIRS = list(itertools.product(NAMES, NAMES))
SCALARS = [True, 3, 2.5, -1]
# how an operand enters promotion: a tensor with dims, a 0-dim tensor, or (for numbers) a Python scalar
KINDS = [(1, 1), (1, 0), (0, 1), (0, 0)]


def dt(T, name: str):
    return getattr(T, name)


def operand(T, name: str, ndim: int):
    """A small positive-valued tensor (valid in every dtype) with 2 elements or 0 dims."""
    values = [1, 2] if ndim else 2
    if name == "bool":
        values = [True, False] if ndim else True
    return T.tensor(values, dtype=dt(T, name))


def same_dtype(m, t) -> None:
    assert TORCH_DTYPES[m] == t, f"mytorch {m} != torch {t}"


@pytest.mark.parametrize("a, b", PAIRS)
def test_promote_types(a, b):
    same_dtype(mytorch.promote_types(dt(mytorch, a), dt(mytorch, b)), torch.promote_types(dt(torch, a), dt(torch, b)))


@pytest.mark.parametrize("a", NAMES)
def test_result_type(a):
    for b, (na, nb) in itertools.product(NAMES, KINDS):
        same_dtype(mytorch.result_type(operand(mytorch, a, na), operand(mytorch, b, nb)),
                   torch.result_type(operand(torch, a, na), operand(torch, b, nb)))
    for s, na in itertools.product(SCALARS, (0, 1)):
        same_dtype(mytorch.result_type(operand(mytorch, a, na), s), torch.result_type(operand(torch, a, na), s))
        same_dtype(mytorch.result_type(s, operand(mytorch, a, na)), torch.result_type(s, operand(torch, a, na)))


BINARY = {
    "add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "sub": lambda a, b: a - b, "maximum": lambda T, a, b: T.maximum(a, b),
    "lt": lambda a, b: a < b, "eq": lambda a, b: a == b, "ge": lambda a, b: a >= b,
    "where": lambda T, a, b: T.where(T.tensor([True, False]), a, b),
}


def run(name, T, a, b):
    f = BINARY[name]
    return f(T, a, b) if f.__code__.co_argcount == 3 else f(a, b)


def compare(name, a, b, make_a, make_b) -> None:
    """The op on mixed operands gives torch's dtype and values (or raises like torch)."""
    out = {}
    for T in (mytorch, torch):
        try:
            out[T] = run(name, T, make_a(T), make_b(T))
        except Exception as e:  # noqa: BLE001 - torch refuses some mixes (bool - bool): so must we
            out[T] = e
    m, t = out[mytorch], out[torch]
    if isinstance(t, Exception):
        assert type(m) is type(t), f"{name}({a}, {b}): mytorch gave {m!r}, torch raised {t!r}"
        return
    assert not isinstance(m, Exception), f"{name}({a}, {b}): {m!r}"
    same_dtype(m.dtype, t.dtype)
    np.testing.assert_allclose(to_numpy(m).astype(np.float64), to_numpy(t).astype(np.float64), rtol=1e-3)


@pytest.mark.parametrize("name", BINARY)
def test_mixed_tensor_ops(name):
    for (a, b), (na, nb) in itertools.product(PAIRS, KINDS[:3]):
        compare(name, (a, na), (b, nb), lambda T: operand(T, a, na), lambda T: operand(T, b, nb))


@pytest.mark.parametrize("name", BINARY)
def test_mixed_scalar_ops(name):
    for a, s, na in itertools.product(NAMES, [3, 2.5, -1, 300], (0, 1)):
        if name == "sub" and a == "bool" or name == "where" and s == 300:  # torch.where won't wrap 300
            continue
        compare(name, (a, na), s, lambda T: operand(T, a, na), lambda T: s)
        if name != "where":
            compare(name, s, (a, na), lambda T: s, lambda T: operand(T, a, na))


@pytest.mark.parametrize("a", ["uint8", "int8", "int16", "int32", "int64"])
def test_integer_division(a):
    values = [7, 0, 5, 6] if a == "uint8" else [-7, 7, 5, 6]
    divisor = 3 if a == "uint8" else -3
    for f in (lambda T, x: x / 2, lambda T, x: x // 2, lambda T, x: x // divisor, lambda T, x: x % divisor,
              lambda T, x: T.div(x, 2, rounding_mode="floor"), lambda T, x: T.div(x, divisor, rounding_mode="trunc"),
              lambda T, x: T.true_divide(x, 4), lambda T, x: x / x.double(), lambda T, x: x // 2.0,
              lambda T, x: x.float() // 2):
        m, t = (f(T, T.tensor(values, dtype=dt(T, a))) for T in (mytorch, torch))
        same_dtype(m.dtype, t.dtype)
        np.testing.assert_allclose(to_numpy(m), to_numpy(t), rtol=1e-6)


def test_integer_division_follows_default_dtype():
    for T in (torch, mytorch):
        T.set_default_dtype(T.float64)
    try:
        for T in (torch, mytorch):
            assert str(((T.tensor([3]) / 2)).dtype).endswith("float64")
            assert str((T.tensor([3]) * 1.5).dtype).endswith("float64")
            assert str((T.tensor([True]) + 0.5).dtype).endswith("float64")
    finally:
        torch.set_default_dtype(torch.float32)


CASTS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool"]
VALUES = np.array([-2.7, -0.5, 0.0, 0.4, 1.5, 3.0, 70000.0, np.inf, np.nan])


@pytest.mark.parametrize("method", CASTS)
@pytest.mark.parametrize("src", NAMES)
def test_cast_methods(method, src):
    values = VALUES if src in ("float32", "float64") else np.array([0, 1, 3, 5])
    if method in ("long", "int", "short", "char", "byte"):  # float -> int of inf, nan, negatives is undefined
        values = values[np.isfinite(values) & (values >= 0) & (values < 100)] if src.startswith("float") else values
    if src in ("float16", "bfloat16"):
        values = np.array([0.0, 0.5, 1.0, 3.0])
    ms = mytorch.tensor(values).to(dt(mytorch, src))
    ts = torch.tensor(values).to(dt(torch, src))
    m, t = getattr(ms, method)(), getattr(ts, method)()
    same_dtype(m.dtype, t.dtype)
    np.testing.assert_array_equal(to_numpy(m).astype(np.float64), to_numpy(t).astype(np.float64))


@pytest.mark.parametrize("make", [
    lambda T, x: x.to(T.float64), lambda T, x: x.to(T.int32), lambda T, x: x.to(dtype=T.float16),
    lambda T, x: x.to("cpu"), lambda T, x: x.to("cpu", T.float64), lambda T, x: x.to(T.zeros(1, dtype=T.int8)),
    lambda T, x: x.type_as(T.zeros(1, dtype=T.float64)), lambda T, x: x.type(T.int64),
    lambda T, x: x.type("torch.DoubleTensor"), lambda T, x: x.to(T.float32, copy=True),
    lambda T, x: x.to(device="cpu", dtype=T.bfloat16),
])
def test_to_and_type_as(make):
    a = np.array([[1.5, -2.0], [0.25, 4.0]], np.float32)
    m, t = make(mytorch, mytorch.tensor(a)), make(torch, torch.tensor(a))
    same_dtype(m.dtype, t.dtype)
    np.testing.assert_array_equal(to_numpy(m).astype(np.float64), to_numpy(t).astype(np.float64))


def test_to_returns_self_unless_asked_to_copy():
    x = mytorch.ones(2)
    assert x.to(mytorch.float32) is x and x.to("cpu") is x and x.float() is x and x.type_as(x) is x
    y = x.to(mytorch.float32, copy=True)
    assert y is not x
    y.add_(1)
    assert x[0].item() == 1
    assert x.type() == "torch.FloatTensor" and x.long().type() == "torch.LongTensor"


def test_to_is_differentiable():
    for T in (torch, mytorch):
        x = T.tensor([1.5, -2.0], requires_grad=True)
        y = x.to(T.float64)
        assert str(y.grad_fn.name()) == "ToCopyBackward0"
        (y * y).sum().backward()
        assert x.grad.dtype == x.dtype and x.grad.tolist() == [3.0, -4.0]
        assert not x.long().requires_grad


def test_dtype_objects():
    for name in NAMES:
        m, t = dt(mytorch, name), dt(torch, name)
        assert repr(m) == repr(t).replace("torch.", "mytorch.")
        assert (m.is_floating_point, m.is_signed, m.itemsize, m.is_complex) == (
            t.is_floating_point, t.is_signed, t.itemsize, t.is_complex)
        assert pickle.loads(pickle.dumps(m)) is m
    for alias, target in [("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"),
                          ("int", "int32"), ("short", "int16"), ("bool", "bool")]:
        assert dt(mytorch, alias) is dt(mytorch, target)


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
def test_default_dtype(default):
    assert mytorch.get_default_dtype() is mytorch.float32
    for T in (torch, mytorch):
        T.set_default_dtype(dt(T, default))
    try:
        for make in (lambda T: T.tensor(1.5), lambda T: T.tensor([1, 2.5]), lambda T: T.arange(0.0, 2.0, 0.5),
                     lambda T: T.zeros(2), lambda T: T.full((1,), 2.0), lambda T: T.linspace(0, 1, 3),
                     lambda T: T.tensor(3) * 0.5, lambda T: T.tensor(3) / 2, lambda T: T.rand(2),
                     lambda T: T.tensor([1, 2]), lambda T: T.tensor(np.array([1.5], np.float32))):
            same_dtype(make(mytorch).dtype, make(torch).dtype)
        assert mytorch.get_default_dtype() is dt(mytorch, default)
    finally:
        torch.set_default_dtype(torch.float32)


def test_set_default_dtype_rejects_integers():
    raises_like(lambda T: T.set_default_dtype(T.int64))


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", None])
def test_finfo(name):
    m = mytorch.finfo(dt(mytorch, name)) if name else mytorch.finfo()
    t = torch.finfo(dt(torch, name)) if name else torch.finfo()
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(m, attr) == getattr(t, attr), attr
    assert m.dtype == t.dtype


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    m, t = mytorch.iinfo(dt(mytorch, name)), torch.iinfo(dt(torch, name))
    assert (m.bits, m.min, m.max, m.dtype) == (t.bits, t.min, t.max, t.dtype)


@pytest.mark.parametrize("f", [lambda T: T.finfo(T.int32), lambda T: T.iinfo(T.float32), lambda T: T.iinfo(T.bool)])
def test_info_errors(f):
    raises_like(f)
