"""``mytorch.library.custom_op``: a Python function made an op with its backward, written as for PyTorch.

The op is defined once in a factory taking the framework module ``T``; the very same code registers
it with torch.library and with mytorch.library, and values and gradients are compared.
"""
import numpy as np
import pytest
import torch

import mytorch
from helpers import to_numpy


def same(ours, theirs):
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=1e-12, atol=1e-12)


def make_scaled_tanh(T, namespace):
    """y = s * tanh(x);  dy/dx = s * (1 - tanh(x)^2) = s - y^2 / s (saved output, tensor ops: twice differentiable)."""
    @T.library.custom_op(f"{namespace}::scaled_tanh", mutates_args=())
    def scaled_tanh(x: T.Tensor, scale: float = 1.0) -> T.Tensor:
        return x.tanh() * scale

    def setup_context(ctx, inputs, output):
        x, scale = inputs
        ctx.scale = scale
        ctx.save_for_backward(output)

    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (ctx.scale - y * y / ctx.scale), None

    scaled_tanh.register_autograd(backward, setup_context=setup_context)

    @scaled_tanh.register_fake
    def _(x, scale=1.0):
        return T.empty_like(x)
    return scaled_tanh


TORCH_OP = make_scaled_tanh(torch, "mytorch_test")  # torch registers a name once per process
X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])
G = np.array([[0.3, 1.1, -0.4], [2.0, -0.6, 0.9]])


@pytest.fixture(scope="module")
def op(backend):
    return make_scaled_tanh(mytorch, "mylib")


def test_values_and_grads_equal_torch(op):
    ours, theirs = mytorch.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = op(ours, 2.5), TORCH_OP(theirs, 2.5)
    same(y, ty)
    y.backward(mytorch.tensor(G))
    ty.backward(torch.tensor(G))
    same(ours.grad, theirs.grad)
    assert type(y.grad_fn).__name__ == "ScaledTanhBackward"


def test_keyword_arguments_and_defaults(op):
    x = mytorch.tensor(X)
    same(op(x, scale=2.0), TORCH_OP(torch.tensor(X), scale=2.0))
    same(op(x), TORCH_OP(torch.tensor(X)))


def test_gradcheck_and_gradgradcheck(op):
    x = mytorch.tensor(X, requires_grad=True)
    assert mytorch.autograd.gradcheck(lambda t: op(t, 1.7), (x,))
    assert mytorch.autograd.gradgradcheck(lambda t: op(t, 1.7), (x,))


def test_no_grad_records_nothing(op):
    x = mytorch.tensor(X, requires_grad=True)
    with mytorch.no_grad():
        y = op(x, 2.0)
    assert y.grad_fn is None and not y.requires_grad


def test_trains_like_builtin(op):
    """A few SGD steps through the op follow the same steps through x.tanh() * s."""
    def run(f):
        mytorch.manual_seed(0)
        lin = mytorch.nn.Linear(3, 2).double()
        opt = mytorch.optim.SGD(lin.parameters(), lr=0.1)
        losses = []
        for _ in range(4):
            opt.zero_grad()
            loss = f(lin(mytorch.tensor(X))).square().mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    np.testing.assert_allclose(run(lambda h: op(h, 1.5)), run(lambda h: h.tanh() * 1.5), rtol=1e-12)


def test_without_autograd_backward_raises(op):
    @mytorch.library.custom_op("mylib::plain_exp", mutates_args=())
    def plain_exp(x: mytorch.Tensor) -> mytorch.Tensor:
        return x.exp()
    x = mytorch.tensor(X, requires_grad=True)
    same(plain_exp(x), torch.tensor(X).exp())
    with pytest.raises(RuntimeError, match="Autograd has not been implemented for operator mylib::plain_exp"):
        plain_exp(x).sum().backward()


def test_backward_with_wrong_number_of_grads_raises():
    @mytorch.library.custom_op("mylib::twice", mutates_args=())
    def twice(x: mytorch.Tensor, k: int) -> mytorch.Tensor:
        return x * 2
    twice.register_autograd(lambda ctx, g: g * 2)  # forgets the None for k
    with pytest.raises(RuntimeError, match="returned 1 gradients, expected 2"):
        twice(mytorch.tensor(X, requires_grad=True), 3).sum().backward()


def test_bad_definitions_raise():
    def f(x):
        return x
    with pytest.raises(ValueError, match="namespace::op_name"):
        mytorch.library.custom_op("no_namespace", f)
    with pytest.raises(ValueError, match=r"mutates_args names \['y'\]"):
        mytorch.library.custom_op("mylib::f", f, mutates_args=("y",))
    inplace = mytorch.library.custom_op("mylib::g", f, mutates_args=("x",))
    with pytest.raises(RuntimeError, match="mutates"):
        inplace.register_autograd(lambda ctx, g: g)


def test_device_types_are_checked():
    cuda_only = mytorch.library.custom_op("mylib::cuda_only", lambda x: x, device_types="cuda")
    with pytest.raises(RuntimeError, match="mylib::cuda_only: no implementation for device type 'cpu'"):
        cuda_only(mytorch.tensor(X))


def test_opcheck_compares_fake_and_backward(op):
    x = mytorch.tensor(X, requires_grad=True)
    mytorch.library.opcheck(op, (x, 2.0))

    @mytorch.library.custom_op("mylib::row_sum", mutates_args=())
    def row_sum(x: mytorch.Tensor) -> mytorch.Tensor:
        return x.sum(1)
    row_sum.register_fake(lambda x: mytorch.empty(x.shape[0], x.shape[1]))  # wrong: keeps the summed dim
    with pytest.raises(AssertionError, match=r"output 0 is \(2,\) torch.float64|output 0 is \(2,\)"):
        mytorch.library.opcheck(row_sum, (x,))
