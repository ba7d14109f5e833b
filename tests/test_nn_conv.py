"""conv1d/2d/3d, conv_transpose1d/2d/3d and the Conv modules vs PyTorch: values, input/weight/bias
gradients under a random upstream gradient, double backward, gradcheck, errors, module parity."""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

R = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return R.standard_normal(shape).astype(dtype)


def F(T):
    return T.nn.functional


# (stride, padding, dilation, groups) combos; channels 4 -> 6 so groups 1 and 2 both divide
CONV2D = [(s, p, d, g) for s, p, d, g in itertools.product((1, 2), (0, 1, (2, 0)), (1, 2), (1, 2))]


@pytest.mark.parametrize("stride,padding,dilation,groups", CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(stride, padding, dilation, groups, bias):
    x, w, b = randn(2, 4, 7, 6), randn(6, 4 // groups, 3, 2), randn(6)
    args = (x, w, b) if bias else (x, w)
    check(lambda T, x, w, b=None: F(T).conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                                              groups=groups), *args)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_conv2d_layouts(layout):
    check(lambda T, x, w, b: F(T).conv2d(x, w, b, padding=1), randn(2, 3, 6, 6), randn(3, 3, 3, 3), randn(3),
          layout=layout)


@pytest.mark.parametrize("stride,padding,dilation,groups",
                         [(1, 0, 1, 1), (2, 1, 1, 2), (3, 2, 2, 1), (1, 3, 3, 2), (2, "valid", 1, 1)])
def test_conv1d(stride, padding, dilation, groups):
    check(lambda T, x, w, b: F(T).conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups),
          randn(3, 4, 11), randn(6, 4 // groups, 3), randn(6))


@pytest.mark.parametrize("stride,padding,dilation,groups",
                         [(1, 0, 1, 1), (2, 1, 1, 2), (1, (1, 0, 2), (2, 1, 1), 1), (1, "same", 1, 2)])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note on its own copy
def test_conv3d(stride, padding, dilation, groups):
    check(lambda T, x, w, b: F(T).conv3d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups),
          randn(2, 4, 5, 6, 4), randn(6, 4 // groups, 3, 2, 2), randn(6))


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation",
                         [(1, 0, 0, 1, 1), (2, 1, 1, 2, 1), ((2, 1, 3), (0, 1, 1), (1, 0, 2), 1, (1, 2, 1))])
def test_conv_transpose3d(stride, padding, output_padding, groups, dilation):
    check(lambda T, x, w, b: F(T).conv_transpose3d(x, w, b, stride, padding, output_padding, groups, dilation),
          randn(2, 4, 3, 4, 3), randn(4, 6 // groups, 2, 3, 2), randn(6))


@pytest.mark.parametrize("fn,x_shape,w_shape,dilation", [
    ("conv2d", (2, 3, 7, 8), (4, 3, 3, 3), 1), ("conv2d", (2, 3, 7, 8), (4, 3, 2, 4), 1),
    ("conv2d", (1, 2, 6, 6), (2, 2, 4, 3), 2), ("conv1d", (2, 3, 9), (4, 3, 4), 1),
    ("conv1d", (2, 3, 9), (4, 3, 3), 3)])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch's note on its own copy
def test_padding_same(fn, x_shape, w_shape, dilation):
    """'same' pads d * (k - 1) in total; an odd total puts the extra row/column after (even kernels)."""
    check(lambda T, x, w: getattr(F(T), fn)(x, w, padding="same", dilation=dilation), randn(*x_shape),
          randn(*w_shape))


def test_depthwise_and_pointwise():
    check(lambda T, x, w: F(T).conv2d(x, w, padding=1, groups=4), randn(2, 4, 5, 5), randn(8, 1, 3, 3))
    check(lambda T, x, w: F(T).conv2d(x, w), randn(2, 4, 5, 5), randn(3, 4, 1, 1))


def test_unbatched_and_top_level():
    check(lambda T, x, w, b: F(T).conv2d(x, w, b, padding=1), randn(3, 5, 5), randn(2, 3, 3, 3), randn(2))
    check(lambda T, x, w: F(T).conv1d(x, w), randn(3, 6), randn(2, 3, 3))
    check(lambda T, x, w: T.conv2d(x, w, stride=[2]), randn(1, 1, 6, 6), randn(1, 1, 2, 2))
    check(lambda T, x, w: T.conv_transpose2d(x, w, padding=[1]), randn(1, 1, 3, 3), randn(1, 1, 3, 3))
    check(lambda T, x, w: F(T).conv_transpose2d(x, w, stride=2), randn(2, 3, 3), randn(2, 3, 2, 2))


CONV_T2D = [(1, 0, 0, 1, 1), (2, 0, 1, 1, 1), (2, 1, 1, 2, 1), (3, 1, 2, 1, 2), (1, 2, 0, 2, 2),
            ((2, 1), (1, 0), (1, 0), 1, 1)]


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", CONV_T2D)
def test_conv_transpose2d(stride, padding, output_padding, groups, dilation):
    check(lambda T, x, w, b: F(T).conv_transpose2d(x, w, b, stride=stride, padding=padding,
                                                   output_padding=output_padding, groups=groups, dilation=dilation),
          randn(2, 4, 4, 5), randn(4, 6 // groups, 3, 3), randn(6))


@pytest.mark.parametrize("stride,padding,output_padding,groups,dilation", [(1, 0, 0, 1, 1), (3, 1, 2, 2, 1),
                                                                           (2, 2, 1, 1, 3)])
def test_conv_transpose1d(stride, padding, output_padding, groups, dilation):
    check(lambda T, x, w, b: F(T).conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation),
          randn(2, 4, 6), randn(4, 2, 3), randn(2 * groups))


# output_padding >= stride, which PyTorch allows while it is < dilation: (fn, stride, padding, output_padding,
# dilation, groups); the convolution adjoint to these has fewer windows than its size padded (p, p) would give
BEYOND_STRIDE = [("conv_transpose2d", 1, 0, 1, 2, 1), ("conv_transpose2d", 1, 1, 2, 3, 2),
                 ("conv_transpose2d", (1, 2), (0, 1), (1, 0), (2, 1), 1), ("conv_transpose2d", 2, 1, 2, 3, 1),
                 ("conv_transpose1d", 1, 2, 1, 2, 2), ("conv_transpose1d", 2, 0, 3, 4, 1),
                 ("conv_transpose3d", 1, 0, 1, 2, 1)]


@pytest.mark.parametrize("fn,stride,padding,output_padding,dilation,groups", BEYOND_STRIDE)
def test_conv_transpose_output_padding_beyond_stride(fn, stride, padding, output_padding, dilation, groups):
    nd = int(fn[-2])
    check(lambda T, x, w, b: getattr(F(T), fn)(x, w, b, stride, padding, output_padding, groups, dilation),
          randn(2, 4, *(4, 5, 3)[:nd]), randn(4, 6 // groups, *(3, 2, 2)[:nd]), randn(6))


def test_conv_transpose_output_padding_beyond_stride_gradcheck():
    gradcheck(lambda T, x, w, b: F(T).conv_transpose2d(x, w, b, stride=1, padding=1, output_padding=1, dilation=2),
              randn(1, 2, 3, 4), randn(2, 2, 3, 2), randn(2))


def test_conv_transpose_is_conv_adjoint():
    """<conv(x, w), g> = <x, conv_transpose(g, w)>: the transposed convolution is conv's adjoint in x."""
    x, w, g = (mytorch.tensor(randn(*s, dtype=np.float64)) for s in ((2, 3, 9, 8), (4, 3, 3, 3), (2, 4, 5, 4)))
    f = mytorch.nn.functional
    lhs = (f.conv2d(x, w, stride=2, padding=1) * g).sum()
    rhs = (x * f.conv_transpose2d(g, w, stride=2, padding=1, output_padding=(0, 1))).sum()
    assert abs(lhs.item() - rhs.item()) < 1e-9


def test_gradcheck():
    gradcheck(lambda T, x, w, b: F(T).conv2d(x, w, b, stride=2, padding=1, dilation=(1, 2), groups=2),
              randn(1, 2, 5, 6), randn(2, 1, 2, 2), randn(2))
    gradcheck(lambda T, x, w, b: F(T).conv1d(x, w, b, padding="same", dilation=2), randn(2, 2, 5), randn(3, 2, 2),
              randn(3))
    gradcheck(lambda T, x, w, b: F(T).conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
              randn(1, 2, 3, 3), randn(2, 2, 3, 3), randn(2))


def crandn(*shape):
    return (randn(*shape) + 1j * randn(*shape)).astype(np.complex64)


@pytest.mark.parametrize("fn, x_shape, w_shape, kwargs", [
    ("conv1d", (2, 4, 7), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
    ("conv2d", (2, 2, 6, 5), (3, 2, 3, 3), dict(padding="same", dilation=(2, 1))),
    ("conv3d", (1, 2, 4, 5, 4), (2, 2, 2, 3, 2), dict(stride=(1, 2, 1))),
    ("conv_transpose2d", (2, 4, 3, 4), (4, 3, 3, 3), dict(stride=2, output_padding=1, groups=1)),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 3), dict(dilation=2, groups=2)),
])
def test_complex(fn, x_shape, w_shape, kwargs):
    """Complex convolutions: values, and the conjugate Wirtinger gradients of input, weight and bias."""
    out_channels = w_shape[1] * kwargs.get("groups", 1) if fn.startswith("conv_transpose") else w_shape[0]
    check(lambda T, x, w, b: getattr(F(T), fn)(x, w, b, **kwargs), crandn(*x_shape), crandn(*w_shape),
          crandn(out_channels), atol=1e-4)


def test_complex_gradcheck():
    gradcheck(lambda T, x, w, b: F(T).conv2d(x, w, b, stride=2, padding=1, groups=2), crandn(1, 2, 5, 4),
              crandn(2, 1, 2, 2), crandn(2))
    gradcheck(lambda T, x, w: F(T).conv_transpose1d(x, w, stride=2, output_padding=1), crandn(1, 2, 3),
              crandn(2, 3, 2))
    xs = [mytorch.tensor(crandn(*s).astype(np.complex128), requires_grad=True) for s in ((1, 2, 4, 4), (2, 2, 2, 2))]
    assert mytorch.autograd.gradgradcheck(lambda x, w: F(mytorch).conv2d(x, w, padding=1), xs)


def test_gradgradcheck():
    xs = [mytorch.tensor(randn(*s, dtype=np.float64), requires_grad=True) for s in ((1, 2, 5, 5), (4, 1, 3, 2))]
    assert mytorch.autograd.gradgradcheck(lambda x, w: mytorch.nn.functional.conv2d(x, w, stride=2, padding=1,
                                                                                     groups=2), xs)
    xs = [mytorch.tensor(randn(*s, dtype=np.float64), requires_grad=True) for s in ((1, 2, 3, 3), (2, 2, 2, 2))]
    assert mytorch.autograd.gradgradcheck(lambda x, w: mytorch.nn.functional.conv_transpose2d(x, w, stride=2), xs)


def test_double_backward_vs_torch():
    """A gradient penalty: d/d(x, w) of |d conv(x, w) . g / dx|^2 + sum(dw^2), as in WGAN-GP."""
    x, w, g = randn(2, 3, 6, 6), randn(4, 3, 3, 3), randn(2, 4, 3, 3)

    def fn(T, x, w):
        y = F(T).conv2d(x, w, stride=2, padding=1)
        gx, gw = T.autograd.grad(y, (x, w), T.tensor(g), create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum() + (gx * x).sum()
    check(fn, x, w, rtol=1e-3, atol=1e-3)


def test_grad_fn_name_and_integers():
    same(lambda T: [F(T).conv2d(T.ones(1, 1, 3, 3, requires_grad=True), T.ones(1, 1, 2, 2)).grad_fn.name()])
    x, w = R.integers(-5, 5, (2, 3, 5, 5)), R.integers(-5, 5, (2, 3, 3, 3))
    check(lambda T, x, w: F(T).conv2d(x, w, padding=1), x, w)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision(dtype):
    """Half inputs give half results and gradients (compared with torch's through float32)."""
    def fn(T, x, w):
        dt = getattr(T, dtype)
        return F(T).conv2d(x.to(dt), w.to(dt), padding=1, stride=2)
    check(fn, randn(2, 3, 6, 6), randn(4, 3, 3, 3), atol=0.1, rtol=0.05)


def test_float64_precision():
    check(lambda T, x, w: F(T).conv2d(x, w, padding=1), randn(2, 3, 5, 5, dtype=np.float64),
          randn(2, 3, 3, 3, dtype=np.float64), atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("fn,match", [
    (lambda T, x, w: F(T).conv2d(x[0, 0], w), ["conv2d", "[5, 5]"]),  # wrong input rank
    (lambda T, x, w: F(T).conv2d(x[:, :2], w), ["expected input[2, 2, 5, 5] to have 3 channels"]),
    (lambda T, x, w: F(T).conv2d(x[:, :, :2, :2], w), ["Kernel size can't be greater"]),
    (lambda T, x, w: F(T).conv2d(x, w, dilation=3), ["(7 x 7)"]),
    (lambda T, x, w: F(T).conv2d(x, w[:3], groups=2), ["divisible by 2"]),
    (lambda T, x, w: F(T).conv2d(x, w, groups=0), ["groups"]),
    (lambda T, x, w: F(T).conv2d(x, w, stride=2, padding="same"), ["strided"]),
    (lambda T, x, w: F(T).conv2d(x, w, padding="full"), ["full"]),
    (lambda T, x, w: F(T).conv2d(x, w, padding=-1), ["negative padding"]),
    (lambda T, x, w: F(T).conv2d(x, w, stride=0), ["stride"]),
    (lambda T, x, w: F(T).conv2d(x, w, dilation=0), ["dilation"]),
    (lambda T, x, w: F(T).conv2d(x, w, stride=(1, 1, 1)), ["stride"]),
    (lambda T, x, w: F(T).conv2d(x, w, padding=(1, 1, 1)), ["padding"]),
    (lambda T, x, w: F(T).conv2d(x, w, w[:3, 0, 0, 0]), ["bias"]),
    (lambda T, x, w: F(T).conv2d(x.double(), w), ["float64", "float32"]),
    (lambda T, x, w: F(T).conv2d(x, w, w[:4, 0, 0, 0].double()), ["bias type"]),
    (lambda T, x, w: F(T).conv_transpose2d(x, w, stride=2, output_padding=2), ["output padding"]),
    (lambda T, x, w: F(T).conv_transpose2d(x[:, :2], w.transpose(0, 1)), ["transposed", "channels"]),
    (lambda T, x, w: F(T).conv_transpose2d(x, w.transpose(0, 1), padding="same"), ["padding"]),
])
def test_errors(fn, match):
    raises_like(fn, randn(2, 3, 5, 5), randn(4, 3, 3, 3), match=match)


def test_error_argument_types():
    raises_like(lambda T, w: F(T).conv2d([[1.0]], w), randn(4, 3, 3, 3), match=["conv2d", "input"])


# ---- modules -------------------------------------------------------------------------------------------

def module_parity(make, x: np.ndarray, atol: float = 1e-5, **forward_kwargs) -> None:
    """Same weights in a torch and a mytorch module: same repr, state_dict keys, output, input and
    parameter gradients (random upstream gradient)."""
    t = make(torch.nn)
    m = make(mytorch.nn)
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: mytorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    xt, xm = torch.tensor(x, requires_grad=True), mytorch.tensor(x, requires_grad=True)
    yt, ym = t(xt, **forward_kwargs), m(xm, **forward_kwargs)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), atol=atol, rtol=1e-4)
    g = randn(*yt.shape)
    yt.backward(torch.tensor(g))
    ym.backward(mytorch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-4)
    for (name, pm), (_, pt) in zip(m.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(pm.grad.numpy(), pt.grad.numpy(), atol=atol, rtol=1e-4, err_msg=name)


CONV_MODULES = [
    (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2, bias=False),
     (2, 4, 7, 6)),
    (lambda nn: nn.Conv2d(3, 4, 4, padding="same", dilation=1), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding="valid"), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="reflect"), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 4, 4, padding="same", padding_mode="replicate"), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 3, 3, padding=1, groups=3), (3, 5, 5)),
    (lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)),
    (lambda nn: nn.Conv1d(2, 4, 2, padding="same", padding_mode="zeros", groups=2), (2, 2, 7)),
    (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 4, 3)),
    (lambda nn: nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), dilation=2, bias=False), (2, 3, 4, 3)),
    (lambda nn: nn.ConvTranspose1d(3, 2, 3, stride=3, padding=1), (2, 3, 5)),
    (lambda nn: nn.Conv3d(2, 4, (2, 3, 2), stride=2, padding=1, padding_mode="reflect"), (2, 2, 5, 6, 4)),
    (lambda nn: nn.Conv3d(2, 4, 3, padding="same", groups=2, bias=False), (2, 4, 4, 3)),
    (lambda nn: nn.ConvTranspose3d(4, 2, 3, stride=2, output_padding=1, groups=2), (2, 4, 3, 2, 3)),
]


@pytest.mark.parametrize("make,shape", CONV_MODULES)
def test_conv_modules(make, shape):
    module_parity(make, randn(*shape))


def test_conv_transpose_output_size():
    module_parity(lambda nn: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), randn(1, 2, 4, 4),
                  output_size=(8, 7))
    module_parity(lambda nn: nn.ConvTranspose1d(2, 3, 3, stride=3), randn(1, 2, 4), output_size=[1, 3, 12])
    for T in (torch, mytorch):  # sizes outside [smallest, smallest + stride) are a ValueError in both
        with pytest.raises(ValueError, match="output size"):
            T.nn.ConvTranspose2d(2, 3, 3, stride=2)(T.zeros(1, 2, 4, 4), output_size=(20, 20))


@pytest.mark.parametrize("make", [lambda nn: nn.Conv2d(16, 32, 3), lambda nn: nn.Conv1d(8, 64, 5, groups=4),
                                  lambda nn: nn.ConvTranspose2d(16, 32, 3)])
def test_default_init_distribution(make):
    """kaiming_uniform(a=sqrt(5)) weights and the bias both ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch."""
    m, t = make(mytorch.nn), make(torch.nn)
    for name in ("weight", "bias"):
        a, b = getattr(m, name).detach().numpy(), getattr(t, name).detach().numpy()
        assert a.shape == b.shape and a.dtype == b.dtype
        bound = np.abs(b).max()
        assert np.abs(a).max() <= 1 / np.sqrt(m.weight.shape[1] * np.prod(m.kernel_size)) + 1e-7
        if a.size > 1000:  # U(-c, c) has std c / sqrt(3)
            assert abs(a.std() - b.std()) < 0.05 * b.std() and abs(a.mean()) < 0.1 * bound


def test_module_arguments():
    for T in (torch, mytorch):
        for kwargs, match in [(dict(groups=2), "in_channels must be divisible"),
                              (dict(padding="full"), "Invalid padding string"),
                              (dict(padding="same", stride=2), "strided"),
                              (dict(padding_mode="zero"), "padding_mode must be one of")]:
            with pytest.raises(ValueError, match=match):
                T.nn.Conv2d(3, 4, 3, **kwargs)
        with pytest.raises(ValueError, match="zeros"):
            T.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
    same(lambda T: [T.nn.Conv2d(2, 4, 3, dtype=T.float64).weight.dtype is T.float64,
                    T.nn.Conv2d(2, 4, (1, 3), stride=[2, 1]).stride])


def test_benchmark_runs(tmp_path):
    """benchmarks/conv.py runs end to end (--quick) and reports a ratio per case (numbers are not checked)."""
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "conv.py"
    out = tmp_path / "rows.json"
    proc = subprocess.run([sys.executable, str(script), "--quick", "--threads", "1", "--json", str(out)],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 8 and all(r["ratio"] > 0 for r in rows)


@pytest.mark.parametrize("name,kwargs,shape", [
    ("Conv1d", {}, (2, 3, 7)), ("Conv2d", {"groups": 2, "bias": False}, (4, 5, 4)),
    ("Conv3d", {"padding": 1}, (1, 2, 3, 4, 3)), ("ConvTranspose1d", {"stride": 2}, (2, 3, 4)),
    ("ConvTranspose2d", {"groups": 2}, (2, 4, 3, 3)), ("ConvTranspose3d", {}, (1, 2, 2, 3, 2))])
def test_lazy_conv(name, kwargs, shape):
    """The first input fixes in_channels; the module then is the eager class, with PyTorch's weights from the
    same seed and the same outputs and gradients."""
    mods = {}
    for T in (mytorch, torch):
        T.manual_seed(0)
        mods[T] = getattr(T.nn, f"Lazy{name}")(6, 3, **kwargs)
    assert repr(mods[mytorch]) == repr(mods[torch])
    assert isinstance(mods[mytorch].weight, mytorch.nn.UninitializedParameter)
    check(lambda T, x: mods[T](x), randn(*shape))
    assert type(mods[mytorch]) is getattr(mytorch.nn, name) and repr(mods[mytorch]) == repr(mods[torch])
    for (n, p), (_, q) in zip(mods[mytorch].named_parameters(), mods[torch].named_parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, err_msg=n)


def test_lazy_conv_errors():
    raises_like(lambda T, x: T.nn.LazyConv2d(4, 3, groups=2)(x), randn(1, 3, 5, 5), match=["divisible by groups"])
    raises_like(lambda T, x: T.nn.LazyConv2d(4, 3)(x), randn(5, 5), match=["Expected 3D (unbatched) or 4D"])
