"""The tinygrad column of ``mytorch bench``: the workloads tinygrad's own API can express, written in it.

tinygrad is a third point of reference, another small framework (https://github.com/tinygrad/tinygrad): it
builds a lazy graph and compiles it into kernels (on the CPU with clang), so its steps run as tinygrad users
write them, inside ``TinyJit``: the JIT captures the step's kernels on its second call and replays them from
the third, and ``build`` makes those first calls (their compilation takes seconds). The models, batches and
optimizers are the PyTorch workloads' (same shapes, hyper-parameters and loss); the weights are tinygrad's own
initialisation, so its losses are its own and the table does not compare them. tinygrad is imported inside
each builder: this module is importable where tinygrad is not installed.
"""
from __future__ import annotations

from typing import Callable

from ._base import Workload
from .gemm import N
from .lenet import BATCH as LENET_BATCH

JIT_CALLS = 2  # TinyJit records on its 2nd call; later calls replay


def _jitted(step: Callable, items: float, unit: str, training: bool) -> Workload:
    from tinygrad import TinyJit

    jit = TinyJit(step)
    for _ in range(JIT_CALLS):
        jit()
    read = (lambda out: out.item()) if training else (lambda out: float(out.flatten()[0].item()))
    return Workload(lambda: read(jit()), items, unit, training)


def _train_step(model: Callable, params: list, x, y, optimizer) -> Workload:
    """zero_grad, forward, cross-entropy, backward, step on one fixed batch, as benchmarks/workloads/mlp.py."""
    from tinygrad import Context

    def step():
        with Context(TRAINING=1):  # tinygrad's optimizers refuse to step outside training mode
            optimizer.zero_grad()
            loss = model(x).sparse_categorical_crossentropy(y)
            loss.backward()
            optimizer.step()
        return loss.realize()

    return _jitted(step, x.shape[0], "samples/s", training=True)


def _mlp():
    from tinygrad import nn

    layers = [nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)]
    return (lambda x: layers[2](layers[1](layers[0](x).relu()).relu())), nn.state.get_parameters(layers)


def mlp() -> Workload:
    from tinygrad import Tensor, nn

    model, params = _mlp()
    return _train_step(model, params, Tensor.randn(128, 784).realize(), Tensor.randint(128, high=10).realize(),
                       nn.optim.Adam(params, lr=1e-3))


def mlp_inference() -> Workload:
    from tinygrad import Tensor

    model, _ = _mlp()
    x = Tensor.randn(1024, 784).realize()
    return _jitted(lambda: model(x).realize(), 1024, "samples/s", training=False)


def lenet() -> Workload:
    from tinygrad import Tensor, nn

    conv1, conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
    fc1, fc2, fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def model(x):
        x = conv2(conv1(x).relu().max_pool2d(2)).relu().max_pool2d(2).flatten(1)
        return fc3(fc2(fc1(x).relu()).relu())

    params = nn.state.get_parameters([conv1, conv2, fc1, fc2, fc3])
    return _train_step(model, params, Tensor.randn(LENET_BATCH, 1, 28, 28).realize(),
                       Tensor.randint(LENET_BATCH, high=10).realize(), nn.optim.SGD(params, lr=0.01, momentum=0.9))


def gemm() -> Workload:
    from tinygrad import Tensor

    a, b = Tensor.randn(N, N).realize(), Tensor.randn(N, N).realize()
    return _jitted(lambda: (a @ b).realize(), 2 * N ** 3 / 1e9, "GFLOP/s", training=False)


TINYGRAD: dict[str, Callable[[], Workload]] = {"mlp": mlp, "mlp-infer": mlp_inference, "lenet": lenet, "gemm": gemm}
