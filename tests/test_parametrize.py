"""nn.utils.parametrize, parametrizations.weight_norm / spectral_norm and the original nn.utils.weight_norm,
against PyTorch with the same weights: state_dict keys, outputs, the gradients of the originals, the
power-iteration buffers, and assignment / removal."""
import numpy as np
import pytest
import torch

import mytorch

rng = np.random.default_rng(5)


def pair(make):
    """The same module in both frameworks, mytorch's holding torch's weights."""
    t, m = make(torch), make(mytorch)
    m.load_state_dict({k: mytorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, m


def assert_close(m, t, atol=1e-5):
    np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), atol=atol, rtol=1e-4)


def run_both(t, m, x, names):
    """Forward + backward under one random upstream gradient; compare outputs and the named gradients."""
    tx, mx = torch.tensor(x), mytorch.tensor(x)
    ty, my = t(tx), m(mx)
    assert_close(my, ty)
    g = rng.standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.tensor(g))
    my.backward(mytorch.tensor(g))
    tp, mp = dict(t.named_parameters()), dict(m.named_parameters())
    assert list(mp) == list(tp)
    for name in names:
        assert_close(mp[name].grad, tp[name].grad)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(backend, dim):
    def make(T):
        return T.nn.utils.parametrizations.weight_norm(T.nn.Conv2d(3, 4, 3), dim=dim)
    t, m = pair(make)
    assert list(m.state_dict()) == list(t.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert type(m).__name__ == "ParametrizedConv2d" and mytorch.nn.utils.parametrize.is_parametrized(m, "weight")
    assert_close(m.weight, t.weight)
    run_both(t, m, rng.standard_normal((2, 3, 6, 6)).astype(np.float32),
             ["parametrizations.weight.original0", "parametrizations.weight.original1", "bias"])


def test_legacy_weight_norm_and_its_removal(backend):
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        t, m = pair(lambda T: T.nn.utils.weight_norm(T.nn.Linear(5, 3)))
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "weight_g", "weight_v"]
    run_both(t, m, rng.standard_normal((4, 5)).astype(np.float32), ["weight_g", "weight_v", "bias"])
    with pytest.raises(RuntimeError, match="two weight_norm hooks"):
        mytorch.nn.utils.weight_norm(m)
    torch.nn.utils.remove_weight_norm(t)
    mytorch.nn.utils.remove_weight_norm(m)
    assert list(m.state_dict()) == list(t.state_dict()) == ["bias", "weight"]
    assert_close(m.weight, t.weight)


@pytest.mark.parametrize("make", [lambda T: T.nn.Linear(6, 4), lambda T: T.nn.Conv2d(2, 3, 3),
                                  lambda T: T.nn.ConvTranspose2d(2, 3, 3)])
def test_spectral_norm_follows_pytorch_stream_and_power_iteration(backend, make):
    # seeded alike, the module init and u, v come from the same random stream in both frameworks
    torch.manual_seed(3)
    t = torch.nn.utils.parametrizations.spectral_norm(make(torch))
    mytorch.manual_seed(3)
    m = mytorch.nn.utils.parametrizations.spectral_norm(make(mytorch))
    assert list(m.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v)
    shape = (3, 6) if isinstance(t, torch.nn.Linear) else (2, 2, 5, 5)
    for _ in range(2):  # training mode: each forward takes one power-iteration step
        run_both(t, m, rng.standard_normal(shape).astype(np.float32), ["parametrizations.weight.original"])
        t.zero_grad(), m.zero_grad()
    assert_close(m.parametrizations.weight[0]._u, t.parametrizations.weight[0]._u)
    t.eval(), m.eval()
    assert_close(m.weight, t.weight)


class Symmetric(mytorch.nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(0, 1)

    def right_inverse(self, a):
        return a.triu()


def test_register_assign_cache_and_remove(backend):
    m = mytorch.nn.Linear(3, 3)
    mytorch.nn.utils.parametrize.register_parametrization(m, "weight", Symmetric())
    w = m.weight
    assert mytorch.equal(w, w.t()) and list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    other = mytorch.nn.Linear(3, 3)
    assert type(other) is mytorch.nn.Linear  # only this instance's class changed
    s = mytorch.randn(3, 3)
    m.weight = s + s.t()  # through right_inverse
    assert mytorch.allclose(m.weight, s + s.t())
    with mytorch.nn.utils.parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    assert mytorch.nn.utils.parametrize.type_before_parametrizations(m) is mytorch.nn.Linear
    mytorch.nn.utils.parametrize.remove_parametrizations(m, "weight")
    assert type(m) is mytorch.nn.Linear and list(m.state_dict()) == ["bias", "weight"]  # as PyTorch
    assert isinstance(m.weight, mytorch.nn.Parameter) and mytorch.allclose(m.weight, s + s.t())


def test_errors(backend):
    class Grow(mytorch.nn.Module):
        def forward(self, x):
            return mytorch.cat([x, x])
    with pytest.raises(ValueError, match="may not change the shape"):
        mytorch.nn.utils.parametrize.register_parametrization(mytorch.nn.Linear(2, 2), "weight", Grow())
    with pytest.raises(ValueError, match="does not have a parameter"):
        mytorch.nn.utils.parametrize.register_parametrization(mytorch.nn.Linear(2, 2), "nope", Symmetric())
    with pytest.raises(ValueError, match="does not have a parametrization"):
        mytorch.nn.utils.parametrize.remove_parametrizations(mytorch.nn.Linear(2, 2), "weight")


@pytest.mark.parametrize("make", [lambda T: T.nn.Linear(6, 4), lambda T: T.nn.ConvTranspose2d(2, 3, 3)])
def test_legacy_spectral_norm_follows_pytorch(backend, make):
    torch.manual_seed(4)
    t = torch.nn.utils.spectral_norm(make(torch))
    mytorch.manual_seed(4)
    m = mytorch.nn.utils.spectral_norm(make(mytorch))
    assert list(m.state_dict()) == list(t.state_dict())  # bias, weight_orig, weight_u, weight_v
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v)
    shape = (3, 6) if isinstance(t, torch.nn.Linear) else (2, 2, 5, 5)
    for _ in range(2):
        run_both(t, m, rng.standard_normal(shape).astype(np.float32), ["weight_orig", "bias"])
        t.zero_grad(), m.zero_grad()
    assert_close(m.weight_u, t.weight_u)
    torch.nn.utils.remove_spectral_norm(t)
    mytorch.nn.utils.remove_spectral_norm(m)
    assert list(m.state_dict()) == list(t.state_dict())
    assert_close(m.weight, t.weight)
