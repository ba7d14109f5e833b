"""The fused rotary embedding op (mytorch/ops/rotary.py, ``Backend.rotary_embedding``) against PyTorch running the
formula as Hugging Face's Llama writes it, and against mytorch's own tensor-op form of the same formula: values
and gradients under random upstream gradients, strided and broadcast operands, partial and interleaved pairs,
every floating dtype, and second derivatives."""
import numpy as np
import pytest
import torch

import mytorch
from mytorch import nn
from mytorch.ops.rotary import fusable

rng = np.random.default_rng(0)


def torch_rope(x, cos, sin, interleaved):
    """(a, b) -> (a cos - b sin, b cos + a sin) over the pairs of x's first 2h features, in torch ops."""
    h = cos.shape[-1]
    if interleaved:
        a, b = x[..., 0:2 * h:2], x[..., 1:2 * h:2]
        rotated = torch.stack([a * cos - b * sin, b * cos + a * sin], -1).flatten(-2)
    else:
        a, b = x[..., :h], x[..., h:2 * h]
        rotated = torch.cat([a * cos - b * sin, b * cos + a * sin], -1)
    return torch.cat([rotated, x[..., 2 * h:]], -1)


def angles(shape, dtype):
    t = rng.uniform(-4, 4, shape)
    return np.cos(t).astype(dtype), np.sin(t).astype(dtype)


# (x shape as produced, transposed dims or None, cos/sin shape, rotary features)
CASES = [
    ((2, 3, 5, 8), None, (5, 4), 8),             # (B, H, L, D), angles per position
    ((2, 5, 3, 8), (1, 2), (2, 1, 5, 4), 8),     # a head split (B, L, H, D) -> (B, H, L, D): strided x
    ((1, 9, 1, 64), None, (1, 1, 1, 32), 64),    # one decoding step, SmolLM2's heads
    ((3, 4, 10), None, (4, 3), 6),               # partial rotary: the last 4 features pass through
]


@pytest.mark.parametrize("interleaved", [False, True])
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch_values_and_gradients(case, interleaved, dtype):
    shape, transpose, angle_shape, rotary = CASES[case]
    x = rng.standard_normal(shape).astype(dtype)
    cos, sin = angles(angle_shape[:-1] + (rotary // 2,), dtype)
    xm = mytorch.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    inm, int_ = (xm.transpose(*transpose), xt.transpose(*transpose)) if transpose else (xm, xt)
    assert fusable(inm, mytorch.tensor(cos), mytorch.tensor(sin))
    ym = nn.apply_rotary_pos_emb(inm, mytorch.tensor(cos), mytorch.tensor(sin), interleaved)
    yt = torch_rope(int_, torch.tensor(cos), torch.tensor(sin), interleaved)
    assert ym.grad_fn.name() == "RotaryEmbeddingBackward0"
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), **tol)
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    ym.backward(mytorch.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", [mytorch.float16, mytorch.bfloat16])
def test_half_precision_within_one_rounding_of_float32(dtype):
    """Half types are computed in float32 and rounded once (the tensor-op form rounds after each product)."""
    x = mytorch.tensor(rng.standard_normal((2, 3, 4, 8)).astype(np.float32))
    cos, sin = (mytorch.tensor(a) for a in angles((4, 4), np.float32))
    exact = nn.apply_rotary_pos_emb(x, cos, sin).to(dtype).float()
    got = nn.apply_rotary_pos_emb(x.to(dtype), cos.to(dtype), sin.to(dtype))
    assert got.dtype is dtype
    eps = mytorch.finfo(dtype).eps
    np.testing.assert_allclose(got.float().numpy(), exact.numpy(), rtol=4 * eps, atol=4 * eps)


def test_angles_that_want_gradients_use_the_tensor_ops():
    """cos and sin requiring grad (learned frequencies): the tensor-op form, whose gradient reaches them,
    agrees with the fused op on values and on dx."""
    x = rng.standard_normal((2, 5, 8))
    cos, sin = angles((5, 4), np.float64)
    xf = mytorch.tensor(x, requires_grad=True)
    xc = mytorch.tensor(x, requires_grad=True)
    cc, sc = mytorch.tensor(cos, requires_grad=True), mytorch.tensor(sin, requires_grad=True)
    assert not fusable(xc, cc, sc)
    yf = nn.apply_rotary_pos_emb(xf, mytorch.tensor(cos), mytorch.tensor(sin))
    yc = nn.apply_rotary_pos_emb(xc, cc, sc)
    assert yc.grad_fn.name() != "RotaryEmbeddingBackward0"
    np.testing.assert_allclose(yf.detach().numpy(), yc.detach().numpy(), rtol=1e-14, atol=1e-14)
    g = mytorch.tensor(rng.standard_normal((2, 5, 8)))
    yf.backward(g)
    yc.backward(g)
    np.testing.assert_allclose(xf.grad.numpy(), xc.grad.numpy(), rtol=1e-14, atol=1e-14)
    assert cc.grad is not None and sc.grad is not None


@pytest.mark.parametrize("interleaved", [False, True])
def test_gradcheck_and_second_derivative(interleaved):
    cos, sin = (mytorch.tensor(a) for a in angles((3, 2), np.float64))
    x = mytorch.tensor(rng.standard_normal((2, 3, 6)), requires_grad=True)
    def f(t):  # squared: a nonlinear function, so the second derivative is not trivially zero
        return nn.apply_rotary_pos_emb(t, cos, sin, interleaved) ** 2
    assert mytorch.autograd.gradcheck(f, [x])
    assert mytorch.autograd.gradgradcheck(f, [x])


def test_angles_wider_than_x_are_not_fused():
    """cos/sin with more leading dims than x broadcast the result wider, as the formula's products do."""
    x = mytorch.tensor(rng.standard_normal((5, 8)))
    cos, sin = (mytorch.tensor(a) for a in angles((2, 5, 4), np.float64))
    assert not fusable(x, cos, sin)
    assert tuple(nn.apply_rotary_pos_emb(x, cos, sin).shape) == (2, 5, 8)
