"""Same-weights parity of an nn layer with PyTorch's.

``ModulePair(make)`` builds the layer in both frameworks with ``make(T)`` (T is
``mytorch`` or ``torch``), checks that their state_dict keys agree, and copies
torch's state into mytorch's. ``step(*arrays)`` runs both on the same inputs and
backpropagates the same random upstream gradient, comparing outputs, input
gradients and parameter gradients; ``check_state()`` compares every
state_dict entry (buffers such as running statistics included).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch

import mytorch
from helpers import to_numpy


def _close(a, b, what: str, atol: float, rtol: float) -> None:
    a, b = to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


class ModulePair:
    def __init__(self, make: Callable, seed: int = 0) -> None:
        self.m, self.t = make(mytorch), make(torch)
        m_keys, t_keys = list(self.m.state_dict()), list(self.t.state_dict())
        assert m_keys == t_keys, f"state_dict keys {m_keys} != torch {t_keys}"
        self.m.load_state_dict({k: mytorch.tensor(to_numpy(v)).to(self.m.state_dict()[k].dtype)
                                for k, v in self.t.state_dict().items()})
        self.rng = np.random.default_rng(seed)

    def train(self, mode: bool = True) -> "ModulePair":
        self.m.train(mode)
        self.t.train(mode)
        return self

    def step(self, *arrays: np.ndarray, atol: float = 1e-5, rtol: float = 1e-4):
        """One forward and backward on both; returns (mytorch output, torch output)."""
        ins = {}
        for T, module in ((mytorch, self.m), (torch, self.t)):
            xs = [T.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating)) for a in arrays]
            ins[T] = (xs, module(*xs))
        (m_in, m_out), (t_in, t_out) = ins[mytorch], ins[torch]
        _close(m_out, t_out, "output", atol, rtol)
        if t_out.requires_grad:
            g = self.rng.standard_normal(tuple(t_out.shape)).astype(to_numpy(t_out).dtype)
            m_out.backward(mytorch.tensor(g))
            t_out.backward(torch.tensor(g))
            for i, (a, b) in enumerate(zip(m_in, t_in)):
                if b.grad is not None:
                    _close(a.grad, b.grad, f"gradient of input {i}", atol, rtol)
            for (name, p), (t_name, q) in zip(self.m.named_parameters(), self.t.named_parameters()):
                assert name == t_name
                if q.grad is None:
                    assert p.grad is None, f"{name}: torch has no gradient, mytorch does"
                else:
                    _close(p.grad, q.grad, f"gradient of {name}", atol, rtol)
            self.m.zero_grad()
            self.t.zero_grad()
        return m_out, t_out

    def check_state(self, atol: float = 1e-5, rtol: float = 1e-5) -> None:
        m_state, t_state = self.m.state_dict(), self.t.state_dict()
        assert list(m_state) == list(t_state)
        for k in t_state:
            _close(m_state[k], t_state[k], k, atol, rtol)
