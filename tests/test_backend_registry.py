"""The backend registry: registration, choosing the cpu backend, tensors keeping their backend."""
import os
import subprocess
import sys

import numpy as np
import pytest

import mytorch
from mytorch import backends
from mytorch.backends.base import Backend
from mytorch.backends.numpy_backend import NumpyBackend


def test_compiled_backend_is_built_in_ci():
    # CI installs with a compiler: a broken build must fail here, not shrink the suite to one backend
    if os.environ.get("CI") == "true":
        assert "cpp" in backends.available_backends(), backends._CPP_MISSING


def test_register_backend_for_a_new_device_type():
    class Fake(NumpyBackend):
        name = "fake"
        device_type = "fakedev"

    backends.register_backend("fakedev", "fake", Fake)
    try:
        assert backends.available_backends("fakedev") == ["fake"]
        assert isinstance(backends.get_backend("fakedev"), Fake)
        assert backends.backend("fake", "fakedev") is backends.get_backend("fakedev")
    finally:
        del backends._REGISTRY["fakedev"], backends._ACTIVE["fakedev"], backends._INSTANCES[("fakedev", "fake")]


def test_registry_errors():
    with pytest.raises(TypeError, match="subclass of mytorch.backends.base.Backend"):
        backends.register_backend("cpu", "bad", object)
    with pytest.raises(ValueError, match="unknown cpu backend 'nope'"):
        backends.set_cpu_backend("nope")
    with pytest.raises(RuntimeError, match="no backend for device type 'tpu'"):
        backends.get_backend("tpu")


def test_tensors_keep_their_backend_and_mixing_raises():
    names = backends.available_backends()
    if len(names) < 2:
        pytest.skip("one cpu backend in this build")  # CI builds both (test above)
    backends.set_cpu_backend(names[0])
    a = mytorch.ones(3)
    backends.set_cpu_backend(names[1])
    b = mytorch.ones(3)
    assert a._backend.name == names[0] and b._backend.name == names[1]
    assert (a * 2).tolist() == [2.0, 2.0, 2.0]  # a still computes on its own backend
    with pytest.raises(RuntimeError, match="backend"):
        a + b
    converted = mytorch.from_numpy(a.numpy())  # the documented conversion: through the host, no copy on CPU
    assert converted._backend is b._backend and (converted + b).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("make", [
    lambda a: mytorch.zeros_like(a), lambda a: mytorch.ones_like(a), lambda a: mytorch.empty_like(a),
    lambda a: mytorch.full_like(a, 2.0), lambda a: a.new_zeros(3), lambda a: a.new_ones((3,)),
    lambda a: a.new_empty(3), lambda a: a.new_full((3,), 2.0)], ids=lambda f: "")
def test_tensors_made_like_another_take_its_backend(make):
    names = backends.available_backends()
    if len(names) < 2:
        pytest.skip("one cpu backend in this build")
    backends.set_cpu_backend(names[0])
    a = mytorch.ones(3)
    backends.set_cpu_backend(names[1])  # serving cpu now, but the new tensor is made like a
    made = make(a)
    assert made._backend is a._backend
    assert (a + made).shape == (3,)
    assert mytorch.zeros_like(a, device="cpu")._backend.name == names[1]  # an explicit device: its backend now


@pytest.mark.parametrize("name", backends.available_backends())
def test_environment_variable_picks_the_default(name):
    code = "import mytorch; print(mytorch.ones(1)._backend.name)"
    env = dict(os.environ, MYTORCH_CPU_BACKEND=name)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == name


def test_environment_variable_unknown_backend():
    env = dict(os.environ, MYTORCH_CPU_BACKEND="nope")
    out = subprocess.run([sys.executable, "-c", "import mytorch"], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "unknown cpu backend 'nope'" in out.stderr


def test_contract_subclass_is_a_backend():
    assert issubclass(NumpyBackend, Backend)
    assert np.array_equal(mytorch.arange(3).numpy(), np.arange(3))


def test_set_num_threads():
    before = mytorch.get_num_threads()
    try:
        mytorch.set_num_threads(1)
        if backends.get_backend("cpu").name == "cpp":
            assert mytorch.get_num_threads() == 1
            mytorch.set_num_threads(2)
            assert mytorch.get_num_threads() == 2
        for bad in (0, -1, 1.5):
            with pytest.raises(RuntimeError, match="positive integer"):
                mytorch.set_num_threads(bad)
    finally:
        mytorch.set_num_threads(max(before, 1))
