"""Complex tensors against PyTorch: dtypes and promotion, creation, printing, the parts as views,
arithmetic and the common unary ops, reductions and products, joining and indexing, gradients by
PyTorch's convention (checked against torch and by gradcheck/gradgradcheck in complex128), and the
errors PyTorch raises for what complex numbers don't support."""
import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, TORCH_DTYPES, check, gradcheck, raises_like, same

rng = np.random.default_rng(9)


def crand(*shape, dtype=np.complex64):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def both(fn):
    """fn(T) for T = mytorch and torch."""
    return fn(mytorch), fn(torch)


# ---- dtypes, promotion, creation ----------------------------------------------------------------------------------

def test_dtype_names_and_predicates():
    assert mytorch.cfloat is mytorch.complex64 and mytorch.cdouble is mytorch.complex128
    for m_dt, t_dt in TORCH_DTYPES.items():
        assert m_dt.is_complex == t_dt.is_complex and m_dt.is_floating_point == t_dt.is_floating_point
        assert m_dt.itemsize == t_dt.itemsize
    z = mytorch.zeros(2, dtype=mytorch.cfloat)
    assert z.is_complex() and mytorch.is_complex(z) and not z.is_floating_point()
    assert not mytorch.zeros(2).is_complex()
    assert mytorch.finfo(mytorch.complex128).eps == torch.finfo(torch.complex128).eps


@pytest.mark.parametrize("make", [
    lambda T: T.ones(2, dtype=T.int32) + 1j,
    lambda T: T.ones(2, dtype=T.bool) * 2j,
    lambda T: T.ones(2) + 1j,
    lambda T: T.ones(2, dtype=T.float64) + 1j,
    lambda T: T.ones(2, dtype=T.float64) + T.ones(2, dtype=T.complex64),
    lambda T: T.ones(2, dtype=T.float64) + T.tensor(1j),
    lambda T: T.ones(2, dtype=T.float32) + T.tensor(1j, dtype=T.complex128),
    lambda T: T.ones(2, dtype=T.complex64) + T.ones(2, dtype=T.complex128),
    lambda T: T.ones(2, dtype=T.complex64) * 2.5,
    lambda T: T.ones(2, dtype=T.int64) / T.tensor([1j]),
    lambda T: T.tensor([1, 2j]),
    lambda T: T.tensor([[1.5, 2j]], dtype=T.complex128),
    lambda T: T.full((2,), 1 - 1j),
    lambda T: T.randn(3, dtype=T.cfloat).real,
])
def test_promotion(make):
    m, t = both(make)
    assert TORCH_DTYPES[m.dtype] == t.dtype and tuple(m.shape) == tuple(t.shape)


def test_default_complex_dtype_follows_default_float():
    mytorch.set_default_dtype(mytorch.float64)
    assert mytorch.tensor([1j]).dtype is mytorch.complex128
    assert (mytorch.ones(2, dtype=mytorch.int64) + 1j).dtype is mytorch.complex128
    assert mytorch.promote_types(mytorch.float64, mytorch.complex64) is mytorch.complex128


def test_factories_and_host_exchange():
    same(lambda T: (T.zeros(2, 3, dtype=T.cfloat), T.ones(2, dtype=T.cdouble), T.full((2,), 2 - 3j),
                    T.tensor([[1 + 2j, 3], [0, -1j]]), T.empty(2, dtype=T.cfloat).shape, T.eye(2, dtype=T.cfloat),
                    T.ones(3).to(T.complex64), T.tensor([1, 2]).cdouble(), T.zeros_like(T.ones(2, dtype=T.cfloat))))
    assert mytorch.tensor(1 + 2j).item() == 1 + 2j and type(mytorch.tensor(2j).item()) is complex
    a = crand(3)
    t = mytorch.from_numpy(a)
    t[0] = 5 - 1j  # shares memory both ways
    assert a[0] == 5 - 1j and t.dtype is mytorch.complex64 and t.numpy() is not None
    assert np.array_equal(mytorch.tensor(a).numpy(), a)


def test_random_streams_match_torch():
    for dtype in ("cfloat", "cdouble"):
        for n in (3, 20):  # element by element, and PyTorch's 16-value blocks
            mytorch.manual_seed(7)
            torch.manual_seed(7)
            m = [mytorch.randn(n, dtype=getattr(mytorch, dtype)), mytorch.rand(2, n, dtype=getattr(mytorch, dtype))]
            t = [torch.randn(n, dtype=getattr(torch, dtype)), torch.rand(2, n, dtype=getattr(torch, dtype))]
            m.append(mytorch.randn_like(m[1]))
            t.append(torch.randn_like(t[1]))
            for a, b in zip(m, t):
                assert np.array_equal(a.numpy(), b.numpy())


def test_complex_to_real_cast_warns_and_keeps_the_real_part():
    with pytest.warns(UserWarning, match="discards the imaginary part"):  # torch warns once per process
        r = mytorch.tensor([1 + 2j, -3 - 1j]).to(mytorch.float64)
    assert r.tolist() == [1.0, -3.0]
    # the gradient through the cast is the real part going back, plus 0i
    check(lambda T, z: T.view_as_real(z).sum() + z.real.sum() * 2, crand(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, z: z.to(T.float32) * 3, crand(3))
        check(lambda T, x: x.to(T.complex64) * (1 + 2j), rand(3))


def test_repr_like_torch():
    cases = [[1 + 2j, 3 - 1j], [0j, -0.0 - 0j], [1.5 + 1e-5j, 2 + 3j], [1e10 + 1j], [complex("nan+1j"), complex("1+infj")],
             crand(4, 6).tolist(), (crand(30, 40) * 100).tolist(), crand(2, 2, 3).tolist(), 1 + 2j, []]
    for values in cases:
        for name in ("cfloat", "cdouble"):
            m = repr(mytorch.tensor(values, dtype=getattr(mytorch, name))).replace("mytorch.", "torch.")
            assert m == repr(torch.tensor(values, dtype=getattr(torch, name)))
    z = mytorch.tensor([1 + 1j], requires_grad=True)
    assert repr(z * 2) == "tensor([2.+2.j], grad_fn=<MulBackward0>)"


# ---- the parts: views of one storage -------------------------------------------------------------------------------

def test_real_imag_are_writable_views():
    def write(T):
        z = T.tensor([[1 + 2j, 3 - 4j], [5j, -1 + 0j]])
        zt = z.t()  # a non-contiguous complex tensor
        zt.real[0] = 10
        zt.imag[:, 1] *= -1
        r = T.view_as_real(zt)
        r[1, 1, 0] = -2
        assert r.stride() == (2, 4, 1)
        assert T.view_as_complex(T.view_as_real(z)).data_ptr() == z.data_ptr()
        assert z.real.data_ptr() == z.data_ptr() and z.imag.data_ptr() == z.data_ptr() + z.element_size() // 2
        z.imag = T.tensor([7.0, 6.0])
        return z, r
    same(write)


def test_view_as_complex_of_views_and_errors():
    x = rand(4, 3, 2)
    same(lambda T: T.view_as_complex(T.tensor(x)[1:, ::2]))
    raises_like(lambda T, a: T.view_as_complex(a), rand(3, 3))
    raises_like(lambda T, a: T.view_as_complex(a[1:].reshape(-1)[1:].reshape(2, 2)), rand(5))
    raises_like(lambda T, a: T.view_as_complex(a.t()), rand(2, 3))
    raises_like(lambda T, a: T.view_as_complex(a[:, 1:]), rand(4, 3))
    raises_like(lambda T, a: T.view_as_complex(a), np.ones((3, 2), np.int64))
    raises_like(lambda T, a: T.view_as_real(a), rand(3))
    raises_like(lambda T, a: a.imag, rand(3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_parts_and_conjugation(layout):
    z = crand(3, 4)
    check(lambda T, z: (z.real, z.imag, T.real(z), T.imag(z)), z, layout=layout)
    check(lambda T, z: T.view_as_real(z) * 2, z, layout=layout)
    check(lambda T, x: T.view_as_complex(x.contiguous()) * (1 - 1j), rand(3, 2), layout=layout)
    check(lambda T, z: (z.conj(), T.conj_physical(z), z.conj().resolve_conj(), T.adjoint(z), z.mH), z, layout=layout)
    check(lambda T, z: (T.angle(z), z.abs(), T.sgn(z), T.isreal(z)), z, layout=layout)
    check(lambda T, a, b: (T.complex(a, b), T.polar(a.abs(), b)), rand(3, 1), rand(4), layout=layout)
    assert not mytorch.tensor([1j]).conj().is_conj()


def test_real_inputs_of_the_complex_ops():
    x = rand(5)
    x[1], x[2] = 0, -1
    check(lambda T, x: (T.real(x) * 2, T.angle(x), T.sgn(x), T.isreal(x), T.conj(x) * 1, x.conj_physical() * 1), x)
    same(lambda T: T.angle(T.tensor([-1, 0, 2, float("nan"), float("inf")])))


# ---- arithmetic, unary ops, reductions, products ---------------------------------------------------------------------

UNARY = ["exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid", "reciprocal", "neg", "square",
         "rsqrt", "log1p", "expm1", "log2", "log10", "asin", "acos", "atan", "asinh", "acosh", "atanh", "abs"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unary_ops(layout):
    z = crand(3, 4)
    for name in UNARY:
        check(lambda T, z: getattr(T, name)(z), z, layout=layout, atol=1e-4)
    check(lambda T, z: (z.isnan(), z.isfinite(), z.isinf(), z == z.conj(), z != 1j), z, layout=layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_binary_ops_broadcast(layout):
    a, b = crand(3, 4), crand(4)
    check(lambda T, a, b: (a + b, a - b, a * b, a / b, a ** b, a ** 2, 2 ** a, (1 + 1j) ** a), a, b, layout=layout,
          atol=1e-4)
    check(lambda T, a, x: (a * x, x / a, a - x, x + a, T.where(x > 0, a, a * 2)), a, rand(3, 1), layout=layout)
    check(lambda T, a: (a * (2 - 1j), (1j - a) / 3, a + 2, 2.5 / a, -a), a, layout=layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reductions_and_products(layout):
    a = crand(3, 4)
    check(lambda T, a: (a.sum(), a.sum(0), a.mean(1, keepdim=True), a.prod(1), a.prod()), a, layout=layout, atol=1e-4)
    check(lambda T, a, b: (a @ b, T.mm(a, b), a.mH @ a), a, crand(4, 2), layout=layout, atol=1e-4)
    check(lambda T, a, b: (T.bmm(a, b), a @ b[0, :, 0], T.matmul(a, b)), crand(2, 3, 4), crand(2, 4, 5), layout=layout,
          atol=1e-4)
    check(lambda T, a, x: (a @ x.to(a.dtype), x.mT.to(a.dtype) @ a.mT), a, rand(4, 2), layout=layout, atol=1e-4)
    check(lambda T, x, w, b: T.nn.functional.linear(x, w, b), crand(2, 3, 4), crand(5, 4), crand(5), layout=layout,
          atol=1e-4)
    check(lambda T, u, v: (T.vdot(u, v), T.dot(u, v), u.vdot(v)), crand(4), crand(4), layout=layout, atol=1e-4)


def test_comparison_helpers():
    a = crand(4)
    b = a.copy()
    b[1] += 1e-7
    b[2] += 1j
    same(lambda T: (T.isclose(T.tensor(a), T.tensor(b)), T.allclose(T.tensor(a), T.tensor(a)),
                    T.equal(T.tensor(a), T.tensor(b)), T.tensor(a) == T.tensor(b)))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_joining_and_indexing(layout):
    a, b = crand(3, 4), crand(3, 4)
    idx = np.array([[0, 2, 1, 0]])
    check(lambda T, a, b: (T.cat([a, b], 1), T.stack([a, b]), a[1:, ::2], a[[0, 2]], a[a.real > 0], a.flip(0),
                           a.gather(0, T.tensor(idx)), a.t().reshape(-1), a.unsqueeze(1).expand(3, 2, 4)),
          a, b, layout=layout)
    for T in (mytorch, torch):
        z = T.zeros(3, dtype=T.complex64)
        z[1] = 1 + 2j
        z[T.tensor([0, 2])] = T.tensor([3j, -1 + 0j])
        if T is mytorch:
            m = z.tolist()
    assert m == z.tolist()


# ---- gradients ---------------------------------------------------------------------------------------------------

def test_gradient_convention():
    for T in (mytorch, torch):
        z = T.tensor([1 + 2j, -3 + 0.5j], dtype=T.complex128, requires_grad=True)
        (z * z.conj()).real.sum().backward()  # L = |z|^2: grad = 2z
        assert np.allclose(z.grad.numpy(), 2 * z.detach().numpy())
        z.grad = None
        z.abs().sum().backward()  # L = |z|: grad = z / |z|
        assert np.allclose(z.grad.numpy(), (z / z.abs()).detach().numpy())
    raises_like(lambda T, z: (z.requires_grad_() * 2).sum().backward(), crand(2, dtype=np.complex128))


GRADCHECK = {
    "mul": (lambda T, a, b: a * b, 2), "div": (lambda T, a, b: a / b, 2), "pow": (lambda T, a, b: a ** b, 2),
    "add_sub": (lambda T, a, b: a + 2 * b - (1 - 1j), 2), "matmul": (lambda T, a, b: a @ b.mT, 2),
    "linear": (lambda T, x, w: T.nn.functional.linear(x, w), 2), "vdot": (lambda T, a, b: T.vdot(a[0], b[1]), 2),
    "real": (lambda T, z: T.real(z), 1), "imag": (lambda T, z: z.imag, 1), "conj": (lambda T, z: z.conj(), 1),
    "view_as_real": (lambda T, z: T.view_as_real(z), 1), "angle": (lambda T, z: T.angle(z), 1),
    "abs": (lambda T, z: z.abs(), 1), "sgn": (lambda T, z: T.sgn(z), 1), "sum_mean": (lambda T, z: z.sum(0) + z.mean(), 1),
    "prod": (lambda T, z: z.prod(1), 1), "where": (lambda T, z: T.where(z.real > 0, z, z * 1j), 1),
    "cat_gather": (lambda T, z: T.cat([z, z[:, :1]], 1).gather(1, T.tensor([[2, 0], [1, 1]])), 1),
    "logaddexp": (lambda T, a, b: T.logaddexp(a, b), 2), "ldexp": (lambda T, z: T.ldexp(z, T.tensor([[1], [3]])), 1),
    "float_power": (lambda T, a, b: T.float_power(a, b), 2), "addcdiv": (lambda T, a, b: T.addcdiv(a, a, b, value=0.5), 2),
    "gradient": (lambda T, z: T.gradient(z, spacing=0.5, dim=1)[0], 1),
    "rms_norm": (lambda T, z, w: T.nn.functional.rms_norm(z, (2,), w[0]), 2),
    "logcumsumexp": (lambda T, z: T.logcumsumexp(z, 1), 1),
    **{name: ((lambda name: lambda T, z: getattr(T, name)(z))(name), 1)
       for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "reciprocal", "square", "neg")},
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_complex128(name):
    fn, n = GRADCHECK[name]
    inputs = [crand(2, 2, dtype=np.complex128) for _ in range(n)]
    gradcheck(fn, *inputs)
    z = [mytorch.tensor(a, requires_grad=True) for a in inputs]
    assert mytorch.autograd.gradgradcheck(lambda *xs: fn(mytorch, *xs), z)
    check(fn, *[a.astype(np.complex64) for a in inputs], atol=1e-4)


def test_silu():
    """silu of complex inputs: values as PyTorch's; PyTorch refuses their gradient, ours passes gradcheck."""
    check(lambda T, z: T.nn.functional.silu(z), crand(3, 4), grad=False)
    gradcheck(lambda T, z: T.nn.functional.silu(z), crand(2, 2, dtype=np.complex128))


def test_gradcheck_real_to_complex():
    x, y = rand(3), rand(3)
    gradcheck(lambda T, a, b: T.complex(a, b) * (2 + 1j), x, y)
    gradcheck(lambda T, a, b: T.polar(a, b), np.abs(x) + 0.5, y)
    gradcheck(lambda T, a: T.view_as_complex(a) ** 2, rand(3, 2))
    gradcheck(lambda T, a, z: a * z, x, crand(3, dtype=np.complex128))


# ---- what complex numbers don't support ------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda T, z: z < z, lambda T, z: z >= 1, lambda T, z: T.maximum(z, z), lambda T, z: z.max(), lambda T, z: z.max(0),
    lambda T, z: z.amin(), lambda T, z: z.argmax(), lambda T, z: T.sort(z), lambda T, z: z.topk(1),
    lambda T, z: z.clamp(0), lambda T, z: z.sign(), lambda T, z: z.floor(), lambda T, z: z.erf(),
    lambda T, z: z % 2, lambda T, z: z // 2, lambda T, z: T.fmod(z, 2), lambda T, z: T.atan2(z, z),
    lambda T, z: T.deg2rad(z), lambda T, z: T.rad2deg(z), lambda T, z: T.copysign(z, z), lambda T, z: T.logaddexp2(z, z),
])
def test_unsupported_ops_raise_like_torch(fn):
    raises_like(fn, crand(3))
