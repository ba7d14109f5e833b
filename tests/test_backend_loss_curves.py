"""The C++ backend trains as the NumPy backend does: from the same initial weights, on the same float32
batches, the loss curves of an MLP (SGD with momentum), LeNet-5 (Adam) and a small GPT (AdamW) agree step
for step within float32 rounding. The two backends sum in different orders (our GEMM's blocking against
OpenBLAS's, our reductions' lanes against NumPy's pairwise sums), so the curves are not bit-equal; the
tolerance (2e-5 relative; they agreed to about 1e-7 when written) is far below what a wrong kernel gives (a
wrong gradient changes the loss in its second decimal within a few steps)."""
from __future__ import annotations

import numpy as np
import pytest

import mytorch
from mytorch import backends
from mytorch.models import GPT, GPTConfig, LeNet5, MLP

from cpp_compare import backend, skip_without_cpp  # noqa: F401 (the fixture: the module compares both itself)

pytestmark = skip_without_cpp
STEPS = 30


def _images(rng, n=STEPS * 32, classes=10):
    means = rng.standard_normal((classes, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, classes, n)
    return (means[y] + rng.standard_normal((n, 1, 28, 28)).astype(np.float32)), y


def _tokens(rng, n=64, length=33, vocab=40):
    start = rng.integers(0, vocab, (n, 1))
    return ((start + np.arange(length) * rng.integers(1, 3, (n, 1))) % vocab).astype(np.int64)  # learnable runs


RECIPES = {  # name: (make model, make optimizer, data, loss of a batch)
    "mlp-sgd": (MLP, lambda T, p: T.optim.SGD(p, lr=0.02, momentum=0.9), _images,
                lambda T, m, b: T.nn.functional.cross_entropy(m(b[0]), b[1])),
    "lenet-adam": (LeNet5, lambda T, p: T.optim.Adam(p, lr=2e-3), _images,
                   lambda T, m, b: T.nn.functional.cross_entropy(m(b[0]), b[1])),
    "gpt-adamw": (lambda: GPT(GPTConfig(vocab_size=40, block_size=32, n_layer=2, n_head=2, n_embd=32, dropout=0.0)),
                  lambda T, p: T.optim.AdamW(p, lr=3e-3), _tokens,
                  lambda T, m, b: T.nn.functional.cross_entropy(m(b[:, :-1]).reshape(-1, 40), b[:, 1:].reshape(-1))),
}


def _losses(name: str, backend_name: str, state: dict, data) -> list[float]:
    make, optimizer, _, loss_of = RECIPES[name]
    backends.set_cpu_backend(backend_name)
    try:
        model = make()
        model.load_state_dict({k: mytorch.from_numpy(v.copy()) for k, v in state.items()})
        opt = optimizer(mytorch, model.parameters())
        batches = [tuple(mytorch.from_numpy(np.ascontiguousarray(a[i::STEPS])) for a in data) for i in range(STEPS)]
        losses = []
        for batch in batches:
            opt.zero_grad()
            loss = loss_of(mytorch, model, batch if len(batch) > 1 else batch[0])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses
    finally:
        backends.set_cpu_backend("numpy")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_cpp_loss_curve_equals_numpy(name):
    rng = np.random.default_rng(0)
    data = RECIPES[name][2](rng)
    data = data if isinstance(data, tuple) else (data,)
    backends.set_cpu_backend("numpy")
    mytorch.manual_seed(0)
    state = {k: v.detach().numpy().copy() for k, v in RECIPES[name][0]().state_dict().items()}
    ours, numpy_ = _losses(name, "cpp", state, data), _losses(name, "numpy", state, data)
    assert ours[-1] < 0.9 * ours[0], f"the loss did not fall: {ours[0]:.4f} -> {ours[-1]:.4f}"
    np.testing.assert_allclose(ours, numpy_, rtol=2e-5, atol=1e-6, err_msg="cpp and numpy loss curves differ")
