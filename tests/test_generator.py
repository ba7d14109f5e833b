"""`mytorch.Generator`: one random stream per device, valid on whichever backend serves that device.

Construction, seeding and state round trips are checked against torch's API
behaviour (types, errors); the streams' numbers are torch's (test_torch_streams.py). A second
device type and a second cpu backend are registered for single tests (a NumPy
backend under another name), so the cross-device and backend-switch rules run
here without a GPU or a compiler.
"""
import copy
import pickle

import numpy as np
import pytest
import torch

import mytorch
import mytorch.backends as B
import mytorch.ops.random as R
from helpers import raises_like
from mytorch.backends.numpy_backend import NumpyBackend


def np_(t) -> np.ndarray:
    return t.detach().to(mytorch.float64).numpy()


class FakeCudaBackend(NumpyBackend):
    """NumPy kernels serving the ``cuda`` device type: enough for generator bookkeeping."""

    device_type = "cuda"


class OtherCpuBackend(NumpyBackend):
    """A second cpu backend (another instance, so another stream), as the compiled one will be."""


@pytest.fixture
def registry(monkeypatch):
    """Backends registered in the test vanish after it (the registry and default generators are copies)."""
    monkeypatch.setattr(B, "_REGISTRY", {k: dict(v) for k, v in B._REGISTRY.items()})
    monkeypatch.setattr(B, "_INSTANCES", dict(B._INSTANCES))
    monkeypatch.setattr(B, "_ACTIVE", dict(B._ACTIVE))
    monkeypatch.setattr(R, "_DEFAULT_GENERATORS", dict(R._DEFAULT_GENERATORS))
    return B


# ---- construction -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda T: T.Generator(), lambda T: T.Generator("cpu"), lambda T: T.Generator(device="cpu"),
    lambda T: T.Generator(device=T.device("cpu")), lambda T: T.Generator(device="cpu:0"),
    lambda T: T.Generator(T.device("cpu", 0)),
])
def test_cpu_generator_device_like_torch(make):
    g, t = make(mytorch), make(torch)
    assert isinstance(g.device, mytorch.device) and repr(g.device) == repr(t.device) == "device(type='cpu')"
    assert g.initial_seed() == t.initial_seed() == 67280421310721


def test_device_is_read_only():
    raises_like(lambda T: setattr(T.Generator(), "device", T.device("cpu")))


@pytest.mark.parametrize("make", [
    lambda T: T.Generator(device="foo"), lambda T: T.Generator(device="cuda:x"),
    lambda T: T.Generator(device="cuda"), lambda T: T.Generator(device="meta"),
    lambda T: T.Generator(device="cpu", foo=1),
])
def test_construction_errors_like_torch(make):
    raises_like(make)


def test_default_generator_is_the_cpu_one():
    for T in (torch, mytorch):
        assert isinstance(T.default_generator, T.Generator) and T.default_generator.device == T.device("cpu")
        assert T.random.default_generator is T.default_generator
        assert T.manual_seed(3) is T.default_generator


# ---- seeding --------------------------------------------------------------------------------------------------

def test_manual_seed_returns_the_generator_and_wraps_negatives():
    for T in (torch, mytorch):
        g = T.Generator()
        assert g.manual_seed(5) is g and g.initial_seed() == 5
        assert g.manual_seed(-1).initial_seed() == 2 ** 64 - 1
        assert g.manual_seed(2 ** 64 - 1).initial_seed() == 2 ** 64 - 1
        s = g.seed()
        assert isinstance(s, int) and 0 <= s < 2 ** 64 and g.initial_seed() == s


@pytest.mark.parametrize("seed", [1.5, "3", True, 2 ** 64, -2 ** 63 - 1])
def test_generator_manual_seed_takes_only_ints_in_range(seed):
    raises_like(lambda T: T.Generator().manual_seed(seed))


@pytest.mark.parametrize("seed", [1.5, "3"])
def test_module_manual_seed_converts_like_torch(seed):
    """torch.manual_seed calls int() first; Generator.manual_seed does not."""
    assert mytorch.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed() == int(float(seed))


def test_seed_reseeds_and_reports():
    s = mytorch.seed()
    assert mytorch.initial_seed() == s
    assert mytorch.seed() != s  # 64 bits of entropy: a repeat would mean no entropy was read


# ---- state ----------------------------------------------------------------------------------------------------

def test_get_state_is_a_copy_and_set_state_returns_the_generator():
    for T in (torch, mytorch):
        g = T.Generator().manual_seed(2)
        state = g.get_state()
        assert state.dtype == T.uint8 and state.ndim == 1
        state.zero_()  # a copy: the generator is unaffected
        assert g.initial_seed() == 2 and g.get_state().sum().item() > 0
        assert g.set_state(g.get_state()) is g


def test_set_state_round_trip_replays_the_stream():
    g = mytorch.Generator().manual_seed(4)
    mytorch.rand(3, generator=g)
    state = g.get_state()
    a = mytorch.randn(6, generator=g)
    g.manual_seed(99)
    g.set_state(state)
    assert g.initial_seed() == 4
    np.testing.assert_array_equal(np_(mytorch.randn(6, generator=g)), np_(a))


def test_set_state_accepts_any_shape_with_the_right_bytes():
    for T in (torch, mytorch):
        g = T.Generator().manual_seed(1)
        g.set_state(T.Generator().manual_seed(1).get_state().reshape(-1, 1))
        assert g.initial_seed() == 1


@pytest.mark.parametrize("state", [
    lambda T: [1, 2, 3], lambda T: T.zeros(3, dtype=T.uint8), lambda T: T.Generator().get_state().float(),
    lambda T: T.Generator().get_state()[1:],
])
def test_set_state_errors_like_torch(state):
    raises_like(lambda T: T.Generator().set_state(state(T)))


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g))],
                         ids=["deepcopy", "pickle"])
def test_copies_continue_the_stream_like_torch(duplicate):
    for T in (torch, mytorch):
        g = T.Generator().manual_seed(3)
        T.rand(2, generator=g)
        h = duplicate(g)
        assert h is not g and h.initial_seed() == 3 and h.device == g.device
        np.testing.assert_array_equal(T.rand(4, generator=h).numpy(), T.rand(4, generator=g).numpy())


# ---- sampling ops ---------------------------------------------------------------------------------------------

def test_generator_must_be_a_generator():
    raises_like(lambda T: T.rand(3, generator=3))
    raises_like(lambda T: T.empty(3).normal_(generator="g"))


def test_dropout_draws_from_the_default_generator():
    x = mytorch.ones(50)
    mytorch.manual_seed(8)
    a = mytorch.nn.functional.dropout(x, 0.5)
    mytorch.manual_seed(8)
    b = mytorch.nn.functional.dropout(x, 0.5)
    np.testing.assert_array_equal(np_(a), np_(b))
    assert 0 < (a == 0).sum().item() < 50


# ---- a second device type -------------------------------------------------------------------------------------

def test_generator_for_a_registered_device(registry):
    registry.register_backend("cuda", "fake", FakeCudaBackend)
    g = mytorch.Generator("cuda").manual_seed(6)
    assert repr(g.device) == repr(torch.device("cuda", 0)) == "device(type='cuda', index=0)"
    x = mytorch.randn(4, generator=g, device="cuda")
    assert x.device.type == "cuda"
    np.testing.assert_array_equal(np_(x), np_(mytorch.randn(4, generator=g.manual_seed(6), device="cuda")))
    y = mytorch.empty(3, device="cuda").uniform_(generator=mytorch.Generator("cuda"))
    assert y.device.type == "cuda"


def test_generator_of_another_device_raises_torchs_message(registry):
    registry.register_backend("cuda", "fake", FakeCudaBackend)
    cuda_gen = mytorch.Generator("cuda")
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda'"):
        mytorch.randn(3, generator=cuda_gen)
    on_cuda = mytorch.zeros(3, device="cuda")
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        on_cuda.normal_(generator=mytorch.Generator())
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        mytorch.randperm(5, device="cuda", generator=mytorch.Generator())


def test_each_device_has_a_default_generator_seeded_by_manual_seed(registry):
    registry.register_backend("cuda", "fake", FakeCudaBackend)
    mytorch.manual_seed(12)
    on_cuda = mytorch.rand(5, device="cuda")  # the cuda default generator, made now, from seed 12
    on_cpu = mytorch.rand(5)  # the cpu default generator did not move for the cuda draw
    np.testing.assert_array_equal(np_(on_cpu), np_(mytorch.rand(5, generator=mytorch.Generator().manual_seed(12))))
    cuda_12 = mytorch.Generator("cuda").manual_seed(12)
    np.testing.assert_array_equal(np_(on_cuda), np_(mytorch.rand(5, device="cuda", generator=cuda_12)))
    mytorch.manual_seed(12)  # reseeds both devices
    np.testing.assert_array_equal(np_(mytorch.rand(5, device="cuda")), np_(on_cuda))
    np.testing.assert_array_equal(np_(mytorch.rand(5)), np_(on_cpu))


# ---- a second cpu backend -------------------------------------------------------------------------------------

def test_switching_the_cpu_backend_continues_the_stream(registry):
    registry.register_backend("cpu", "other", OtherCpuBackend)
    g, ref = mytorch.Generator().manual_seed(21), mytorch.Generator().manual_seed(21)
    on_first = mytorch.empty(4)  # made before the switch: it stays on the first backend
    a1 = on_first.uniform_(generator=g).clone()
    registry.set_cpu_backend("other")
    b1 = mytorch.rand(4, generator=g)
    assert type(b1._backend) is OtherCpuBackend is not type(a1._backend)
    # the state moved to the new backend: one stream, as if one backend had drawn both
    expected = mytorch.rand(12, generator=ref)
    np.testing.assert_array_equal(np_(a1), np_(expected[:4]))
    np.testing.assert_array_equal(np_(b1), np_(expected[4:8]))
    # and back to the first backend's tensor, still continuing
    np.testing.assert_array_equal(np_(on_first.uniform_(generator=g)), np_(expected[8:]))


def test_state_belongs_to_the_backend_serving_the_device(registry):
    registry.register_backend("cpu", "other", OtherCpuBackend)
    g = mytorch.Generator().manual_seed(5)
    registry.set_cpu_backend("other")
    mytorch.rand(2, generator=g)
    state = g.get_state()
    a = mytorch.rand(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(np_(mytorch.rand(3, generator=g)), np_(a))
