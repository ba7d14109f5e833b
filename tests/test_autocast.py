"""CPU autocast against PyTorch's: inside ``autocast("cpu", bfloat16)`` (and float16) every op on PyTorch's
CPU lists that mytorch has gives PyTorch's output dtype and values close to PyTorch's autocast output, from
float32 and from lower-precision inputs; ops on no list keep their inputs' dtype; nesting, enabled=False,
the state functions, the decorator and the torch.amp / torch.cpu.amp spellings; a small model's loss and
float32 parameter gradients against PyTorch's under autocast."""
import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import to_numpy
from nn_parity import ModulePair

rng = np.random.default_rng(0)


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32)


X, Y, B3 = arr(4, 6), arr(6, 5), arr(2, 4, 6)
IMG, K, V = arr(1, 2, 6, 6), arr(3, 2, 3, 3), arr(1, 2, 4, 4, 4)
LABELS = np.array([0, 2, 1, 4])

# name: (fn(T, *tensors), arrays); each runs inside the region
OPS = {
    # lower_precision_fp
    "matmul": (lambda T, a, b: T.matmul(a, b), X, Y),
    "@": (lambda T, a, b: a @ b, X, Y),
    "mm": (lambda T, a, b: T.mm(a, b), X, Y),
    "bmm": (lambda T, a: T.bmm(a, a.transpose(1, 2)), B3),
    "linear": (lambda T, a, b: T.nn.functional.linear(a, b.T), X, Y),
    "linear_bias": (lambda T, a, b: T.nn.functional.linear(a, b.T, b[0]), X, Y),
    "conv1d": (lambda T, x, k: T.nn.functional.conv1d(x[:, :, 0], k[:, :, 0]), IMG, K),
    "conv2d": (lambda T, x, k: T.nn.functional.conv2d(x, k, padding=1), IMG, K),
    "conv_transpose1d": (lambda T, x, k: T.nn.functional.conv_transpose1d(x[:, :, 0], k[:, :, 0].transpose(0, 1)),
                         IMG, K),
    "conv_transpose2d": (lambda T, x, k: T.nn.functional.conv_transpose2d(x, k.transpose(0, 1)), IMG, K),
    "scaled_dot_product_attention": (lambda T, q: T.nn.functional.scaled_dot_product_attention(q, q, q), B3),
    "addmm": (lambda T, a, b: T.addmm(b[0, :5], a, b[:, :5]), X, Y),
    "baddbmm": (lambda T, a: T.baddbmm(a[:, :, :4], a, a.transpose(1, 2)), B3),
    "addbmm": (lambda T, a: T.addbmm(a[0, :, :4], a, a.transpose(1, 2)), B3),
    "einsum (its matmul)": (lambda T, a, b: T.einsum("ij,jk->ik", a, b), X, Y),
    # fp32
    "prod": (lambda T, a: (a[:, :3] @ a[:, :3].T).prod(1), X),
    "mse_loss": (lambda T, a, b: T.nn.functional.mse_loss(a @ b, (a @ b).float() + 1), X, Y),
    "l1_loss": (lambda T, a, b: T.nn.functional.l1_loss(a @ b, T.ones(4, 5)), X, Y),
    "smooth_l1_loss": (lambda T, a, b: T.nn.functional.smooth_l1_loss(a @ b, T.ones(4, 5)), X, Y),
    "huber_loss": (lambda T, a, b: T.nn.functional.huber_loss(a @ b, T.ones(4, 5)), X, Y),
    "cross_entropy": (lambda T, a, b: T.nn.functional.cross_entropy(a @ b, T.tensor(LABELS)), X, Y),
    "nll_loss": (lambda T, a, b: T.nn.functional.nll_loss(a @ b, T.tensor(LABELS)), X, Y),
    "binary_cross_entropy": (lambda T, a, b: T.nn.functional.binary_cross_entropy((a @ b).sigmoid(),
                                                                                  T.full((4, 5), 0.3)), X, Y),
    "binary_cross_entropy_with_logits": (lambda T, a, b: T.nn.functional.binary_cross_entropy_with_logits(
        a @ b, T.full((4, 5), 0.3)), X, Y),
    "kl_div": (lambda T, a, b: T.nn.functional.kl_div(a @ b, T.full((4, 5), 0.2), reduction="batchmean"), X, Y),
    "adaptive_avg_pool3d": (lambda T, v: T.nn.functional.adaptive_avg_pool3d(v.to(T.bfloat16), 2), V),
    "pad reflect": (lambda T, x, k: T.nn.functional.pad(T.nn.functional.conv2d(x, k), (1, 1, 1, 1), mode="reflect"),
                    IMG, K),
    "pad replicate": (lambda T, x, k: T.nn.functional.pad(T.nn.functional.conv2d(x, k), (1, 2, 0, 1), mode="replicate"),
                      IMG, K),
    "pad constant": (lambda T, x, k: T.nn.functional.pad(T.nn.functional.conv2d(x, k), (1, 2)), IMG, K),
    # promote
    "cat": (lambda T, a, b: T.cat([a @ b, a[:, :5]]), X, Y),
    "stack": (lambda T, a, b: T.stack([a[:, :5], a @ b]), X, Y),
    "index_copy": (lambda T, a, b: a[:, :5].index_copy(0, T.tensor([1, 3]), (a @ b)[:2]), X, Y),
    # on no list: the dtype they are given
    "softmax": (lambda T, a: T.softmax(a, -1), X),
    "softmax of bf16": (lambda T, a, b: T.softmax(a @ b, -1), X, Y),
    "layer_norm of bf16": (lambda T, a, b: T.nn.functional.layer_norm(a @ b, (5,)), X, Y),
    "add mixed": (lambda T, a, b: (a @ b) + a[:, :5], X, Y),
    "sum": (lambda T, a: a.sum(), X),
    "relu of bf16": (lambda T, a, b: T.relu(a @ b), X, Y),
    "dot": (lambda T, a: T.dot(a[0], a[1]), X),
    "float64 matmul": (lambda T, a, b: a.double() @ b.double(), X, Y),
}


def run(T, name, dtype):
    fn, *arrays = OPS[name]
    tensors = [T.tensor(a) for a in arrays]
    with T.autocast("cpu", dtype=getattr(T, dtype)):
        assert T.is_autocast_enabled("cpu")
        return fn(T, *tensors)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", list(OPS))
def test_op_dtype_and_values(name, dtype):
    got, want = run(mytorch, name, dtype), run(torch, name, dtype)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], name
    tol = 2e-2 if want.dtype in (torch.bfloat16, torch.float16) else 2e-3
    np.testing.assert_allclose(to_numpy(got.float()), to_numpy(want.float()), rtol=tol, atol=tol, err_msg=name)


def test_region_state_nesting_and_spellings():
    x = mytorch.tensor(X)
    assert not mytorch.is_autocast_enabled("cpu") and mytorch.get_autocast_dtype("cpu") == mytorch.bfloat16
    with mytorch.autocast("cpu", dtype=mytorch.float16):
        assert mytorch.get_autocast_dtype("cpu") == mytorch.float16 and (x @ x.T).dtype == mytorch.float16
        with mytorch.autocast("cpu", enabled=False):
            assert not mytorch.is_autocast_enabled("cpu") and (x @ x.T).dtype == mytorch.float32
        with mytorch.autocast("cpu", dtype=mytorch.bfloat16):
            assert (x @ x.T).dtype == mytorch.bfloat16
        assert (x @ x.T).dtype == mytorch.float16
    assert not mytorch.is_autocast_enabled("cpu") and mytorch.get_autocast_dtype("cpu") == mytorch.bfloat16
    assert not mytorch.is_autocast_enabled() and mytorch.get_autocast_dtype("cuda") == mytorch.float16

    @mytorch.autocast("cpu")
    def product(a):
        return a @ a.T
    assert product(x).dtype == mytorch.bfloat16 and (x @ x.T).dtype == mytorch.float32
    with mytorch.amp.autocast("cpu"):
        assert (x @ x.T).dtype == mytorch.bfloat16
    with pytest.warns(FutureWarning, match="torch.cpu.amp.autocast"):
        region = mytorch.cpu.amp.autocast()
    with region:
        assert (x @ x.T).dtype == mytorch.bfloat16
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        region = mytorch.autocast("cpu", dtype=mytorch.float32)
    with region:
        assert not mytorch.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        mytorch.autocast("foo")


class Net:
    """make(T): conv -> relu -> flatten -> linear -> cross_entropy, PyTorch's layers in framework T."""

    @staticmethod
    def make(T):
        return T.nn.Sequential(T.nn.Conv2d(2, 3, 3, padding=1), T.nn.ReLU(), T.nn.Flatten(), T.nn.Linear(108, 5))


def test_small_model_loss_and_float32_grads():
    pair = ModulePair(Net.make)
    results = {}
    for T, model in ((mytorch, pair.m), (torch, pair.t)):
        x = T.tensor(np.concatenate([IMG] * 4), requires_grad=True)
        with T.autocast("cpu", dtype=T.bfloat16):
            logits = model(x)
            loss = T.nn.functional.cross_entropy(logits, T.tensor(LABELS))
        loss.backward()
        results[T] = logits, loss, x.grad, [p.grad for p in model.parameters()]
    (ml, mloss, mx, mg), (tl, tloss, tx, tg) = results[mytorch], results[torch]
    assert ml.dtype == mytorch.bfloat16 and mloss.dtype == mytorch.float32
    np.testing.assert_allclose(to_numpy(mloss), to_numpy(tloss), rtol=1e-2)
    assert mx.dtype == mytorch.float32
    np.testing.assert_allclose(to_numpy(mx), to_numpy(tx), rtol=5e-2, atol=5e-3)
    for a, b in zip(mg, tg):
        assert a.dtype == mytorch.float32
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=5e-2, atol=5e-3)


@pytest.mark.parametrize("make, packed", [
    (lambda T: T.nn.LSTM(6, 4, num_layers=2, bidirectional=True), False),
    (lambda T: T.nn.LSTM(6, 4), True),
    (lambda T: T.nn.GRU(6, 4), False),
    (lambda T: T.nn.RNN(6, 4), False),
    (lambda T: T.nn.LSTMCell(6, 4), False),
    (lambda T: T.nn.GRUCell(6, 4), False),
    (lambda T: T.nn.RNNCell(6, 4), False),
])
def test_recurrent_layers(make, packed):
    """The dtypes PyTorch's CPU recurrent kernels come out in under autocast, and their values."""
    pair = ModulePair(make)
    out = {}
    for T, module in ((mytorch, pair.m), (torch, pair.t)):
        x = T.tensor(B3.transpose(1, 0, 2).copy() if not isinstance(module, T.nn.RNNCellBase) else X)
        if packed:
            x = T.nn.utils.rnn.pack_padded_sequence(x, [2, 1])
        try:
            with T.autocast("cpu"):
                y = module(x)
        except RuntimeError as e:  # oneDNN has no bfloat16 LSTM on CPUs without AVX-512 BF16 (PyTorch raises
            # there): its float32 result, in the dtype its kernel gives on the CPUs that have them
            if T is not torch or "primitive descriptor" not in str(e):
                raise
            y = module(x)[0].to(torch.bfloat16)
        y = y[0] if isinstance(y, tuple) else y
        out[T] = y.data if packed else y
    assert str(out[mytorch].dtype).split(".")[-1] == str(out[torch].dtype).split(".")[-1]
    np.testing.assert_allclose(to_numpy(out[mytorch].float()), to_numpy(out[torch].float()), rtol=3e-2, atol=3e-2)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_linear_and_conv_round_once_as_pytorch(dtype):
    """With a bias, half-precision addmm and convolutions round the float32 sum once: in bfloat16 the same bits
    as the float32 result rounded. PyTorch does that where oneDNN has bfloat16 instructions (AVX-512 BF16); on
    other CPUs its bfloat16 convolutions round along the way, so PyTorch is held to bfloat16's tolerance."""
    x, w, b = arr(16, 32), arr(8, 32), arr(8)
    img, k = arr(2, 3, 7, 7), arr(4, 3, 3, 3)

    def run(T, half):
        F = T.nn.functional
        return [F.linear(half(x), half(w), half(b)), F.conv2d(half(img), half(k), half(b[:4]), padding=1),
                F.conv_transpose2d(half(img), half(k.transpose(1, 0, 2, 3).copy()), half(b[:4]))]

    ours = run(mytorch, lambda a: mytorch.tensor(a).to(getattr(mytorch, dtype)))
    theirs = run(torch, lambda a: torch.tensor(a).to(getattr(torch, dtype)))
    exact = run(torch, lambda a: torch.tensor(a).to(getattr(torch, dtype)).float())  # float32 sums of the same inputs
    for o, t, e in zip(ours, theirs, exact):
        if dtype == "bfloat16":
            np.testing.assert_array_equal(to_numpy(o.float()), to_numpy(e.to(torch.bfloat16).float()))
            # where PyTorch rounds its partial sums (terms up to ~4, 2^-8 relative each) cancellation leaves ~0.03
            np.testing.assert_allclose(to_numpy(t.float()), to_numpy(e), rtol=3e-2, atol=1e-1)
        else:  # float16's finer rounding meets the odd tie where the sums' order differs, and PyTorch's float16
            # transposed convolution sums in float16 (errors up to ~5e-3 at these sizes)
            np.testing.assert_allclose(to_numpy(o.float()), to_numpy(t.float()), rtol=1e-2, atol=1e-2)
