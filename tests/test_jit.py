"""mytorch.jit: TorchScript's entry points run the code eagerly, as scripts expect."""
from __future__ import annotations

import pytest

import mytorch
from mytorch import jit, nn


def test_script_and_trace_give_back_eager_code(backend):
    @jit.script
    def double(x):
        return x * 2

    assert mytorch.equal(double(mytorch.ones(2)), mytorch.full((2,), 2.0))
    model = nn.Linear(3, 2)
    assert jit.script(model) is model and jit.trace(model, mytorch.ones(1, 3)) is model
    assert jit.freeze(jit.script(model).eval()) is model


def test_decorators_and_queries(backend):
    @jit.ignore
    def f(x):
        return x + 1

    @jit.ignore(drop=True)
    def g(x):
        return x - 1

    assert f(1) == 2 and g(1) == 0 and jit.unused(f) is f and jit.export(f) is f
    assert not jit.is_scripting() and not jit.is_tracing() and jit.annotate(list, [1]) == [1]
    assert jit.wait(jit.fork(lambda a, b: a * b, 3, 4)) == 12


def test_archives_are_refused(backend, tmp_path):
    with pytest.raises(NotImplementedError, match="mytorch.save"):
        jit.save(nn.Linear(1, 1), tmp_path / "m.pt")
    with pytest.raises(NotImplementedError, match="TorchScript"):
        jit.load(tmp_path / "m.pt")
