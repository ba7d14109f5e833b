"""batch_norm, layer_norm and group_norm (functional and modules) against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like
from nn_parity import ModulePair

rng = np.random.default_rng(0)


def rand(*shape, scale=1.0, shift=0.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale + shift).astype(dtype)


def _bn(T, x, w, b, training=True):
    c = x.shape[1]
    rm, rv = T.zeros(c, dtype=x.dtype), T.ones(c, dtype=x.dtype)
    return T.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-4)


NORMS = {
    "layer_norm": (lambda T, x, w, b: T.nn.functional.layer_norm(x, x.shape[-1:], w, b), lambda s: s[-1:]),
    "layer_norm2": (lambda T, x, w, b: T.nn.functional.layer_norm(x, x.shape[-2:], w, b, eps=1e-3),
                    lambda s: s[-2:]),
    "batch_norm": (lambda T, x, w, b: _bn(T, x, w, b), lambda s: s[1:2]),
    "batch_norm_eval": (lambda T, x, w, b: _bn(T, x, w, b, training=False), lambda s: s[1:2]),
    "group_norm": (lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b), lambda s: s[1:2]),
}
SHAPES = [(4, 6), (3, 4, 5), (2, 4, 3, 3)]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_matches_torch(name, shape, layout):
    fn, param_shape = NORMS[name]
    p = param_shape(shape)
    check(fn, rand(*shape, scale=2, shift=1), rand(*p), rand(*p), layout=layout, atol=1e-4)


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_without_affine(name):
    fn, _ = NORMS[name]
    check(lambda T, x: fn(T, x, None, None), rand(3, 4, 5), atol=1e-4)


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_gradcheck(name):
    fn, param_shape = NORMS[name]
    shape = (3, 4, 2)
    p = param_shape(shape)
    gradcheck(fn, rand(*shape, dtype=np.float64), rand(*p, dtype=np.float64), rand(*p, dtype=np.float64))


@pytest.mark.parametrize("name", ["layer_norm", "batch_norm", "group_norm"])
def test_norm_second_derivative_matches_torch(name):
    fn, param_shape = NORMS[name]
    shape = (3, 4, 2)
    p = param_shape(shape)

    def grads(T, x, w, b):
        y = fn(T, x, w, b)
        return T.autograd.grad((y * y * y).sum(), (x, w, b), create_graph=True)
    check(grads, rand(*shape, dtype=np.float64), rand(*p, dtype=np.float64), rand(*p, dtype=np.float64),
          atol=1e-8, rtol=1e-6)


def test_grad_fn_names_match_torch():
    for name in ("layer_norm", "batch_norm", "group_norm"):
        fn, param_shape = NORMS[name]
        names = [fn(T, T.tensor(rand(3, 4), requires_grad=True), None, None).grad_fn.name() for T in (mytorch, torch)]
        assert names[0] == names[1]


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_running_stats_follow_torch(momentum):
    stats = {}
    for T in (mytorch, torch):
        rm, rv = T.zeros(3), T.ones(3)
        for step in range(5):
            x = T.tensor(np.random.default_rng(step).standard_normal((6, 3, 2)).astype(np.float32) * (step + 1))
            T.nn.functional.batch_norm(x, rm, rv, training=True, momentum=momentum)
        stats[T] = (rm.numpy(), rv.numpy())
    for a, b in zip(stats[mytorch], stats[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_batch_norm_running_stats_are_updated_in_place_and_eval_uses_them():
    rm, rv = mytorch.zeros(2), mytorch.ones(2)
    x = mytorch.tensor(rand(5, 2, scale=3, shift=2))
    mytorch.nn.functional.batch_norm(x, rm, rv, training=True, momentum=1.0)
    np.testing.assert_allclose(rm.numpy(), x.numpy().mean(0), rtol=1e-5)
    np.testing.assert_allclose(rv.numpy(), x.numpy().var(0, ddof=1), rtol=1e-5)
    assert rm._version > 0
    check(lambda T, x: T.nn.functional.batch_norm(x, T.tensor(rm.numpy()), T.tensor(rv.numpy())), rand(4, 2))


def test_batch_norm_training_without_running_stats():
    check(lambda T, x: T.nn.functional.batch_norm(x, None, None, training=True), rand(4, 3, 2))


def test_errors_like_torch():
    x = rand(1, 3)
    raises_like(lambda T, x: T.nn.functional.batch_norm(x, None, None, training=True), x,
                match=["more than 1 value per channel"])
    raises_like(lambda T, x: T.nn.functional.batch_norm(x, None, None, training=False), rand(2, 3),
                match=["running_mean"])
    raises_like(lambda T, x: T.nn.functional.batch_norm(x, T.zeros(4), T.ones(4), training=False), rand(2, 3),
                match=["running_mean", "3", "4"])
    raises_like(lambda T, x: T.nn.functional.layer_norm(x, (3,)), rand(3, 2), match=["normalized_shape"])
    raises_like(lambda T, x: T.nn.functional.layer_norm(x, (2,), T.ones(3)), rand(3, 2))
    raises_like(lambda T, x: T.nn.functional.group_norm(x, 4), rand(3, 6), match=["divisible", "num_groups=4"])


def test_float64_and_top_level_names():
    check(lambda T, x: T.nn.functional.layer_norm(x, (4,)), rand(3, 4, dtype=np.float64))
    check(lambda T, x: T.layer_norm(x, [4]) + T.group_norm(x.unsqueeze(-1), 2).squeeze(-1), rand(3, 4))


# ---- modules -----------------------------------------------------------------------------------------------

BATCH_NORMS = {
    "1d": (lambda T, **kw: T.nn.BatchNorm1d(3, **kw), (6, 3)),
    "1d_seq": (lambda T, **kw: T.nn.BatchNorm1d(3, **kw), (4, 3, 5)),
    "2d": (lambda T, **kw: T.nn.BatchNorm2d(3, **kw), (4, 3, 2, 3)),
}
BN_OPTIONS = [{}, {"momentum": None}, {"momentum": 0.5, "eps": 1e-3}, {"affine": False}, {"bias": False},
              {"track_running_stats": False}]


@pytest.mark.parametrize("options", BN_OPTIONS, ids=str)
@pytest.mark.parametrize("kind", sorted(BATCH_NORMS))
def test_batch_norm_module_train_then_eval(kind, options):
    make, shape = BATCH_NORMS[kind]
    pair = ModulePair(lambda T: make(T, **options))
    assert repr(pair.m) == repr(pair.t)
    for step in range(3):
        pair.step(rand(*shape, scale=step + 1, shift=step), atol=1e-4)
    pair.check_state()
    pair.train(False)
    pair.step(rand(*shape, scale=2), atol=1e-4)
    pair.check_state()


def test_batch_norm_buffers_and_keys():
    bn = mytorch.nn.BatchNorm2d(4)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert bn.num_batches_tracked.dtype is mytorch.int64 and int(bn.num_batches_tracked) == 0
    bn(mytorch.randn(2, 4, 3, 3))
    bn(mytorch.randn(2, 4, 3, 3))
    assert int(bn.num_batches_tracked) == 2
    bn.eval()
    bn(mytorch.randn(2, 4, 3, 3))
    assert int(bn.num_batches_tracked) == 2
    bn.reset_running_stats()
    assert int(bn.num_batches_tracked) == 0 and not bn.running_mean.numpy().any()
    assert list(mytorch.nn.BatchNorm1d(3, track_running_stats=False).state_dict()) == ["weight", "bias"]
    assert list(mytorch.nn.BatchNorm1d(3, affine=False).state_dict()) == [
        "running_mean", "running_var", "num_batches_tracked"]


def test_batch_norm_loads_state_dict_without_counter():
    """A checkpoint from before num_batches_tracked existed (no version metadata) still loads."""
    bn = mytorch.nn.BatchNorm1d(2)
    state = {"weight": mytorch.ones(2) * 2, "bias": mytorch.zeros(2), "running_mean": mytorch.ones(2),
             "running_var": mytorch.ones(2) * 4}
    bn.load_state_dict(state)
    assert int(bn.num_batches_tracked) == 0 and bn.running_mean.numpy().tolist() == [1.0, 1.0]


def test_batch_norm_input_checks_like_torch():
    raises_like(lambda T, x: T.nn.BatchNorm1d(3)(x), rand(2, 3, 4, 5), match=["expected 2D or 3D input (got 4D"])
    raises_like(lambda T, x: T.nn.BatchNorm2d(3)(x), rand(2, 3, 4), match=["expected 4D input (got 3D"])
    raises_like(lambda T, x: T.nn.BatchNorm1d(3)(x), rand(1, 3), match=["more than 1 value per channel"])
    raises_like(lambda T, x: T.nn.BatchNorm1d(4)(x), rand(2, 3))


def test_batch_norm_eval_mode_without_running_stats_uses_batch_statistics():
    pair = ModulePair(lambda T: T.nn.BatchNorm1d(3, track_running_stats=False)).train(False)
    pair.step(rand(5, 3, scale=3))


@pytest.mark.parametrize("make, shape", [
    (lambda T: T.nn.LayerNorm(5), (3, 5)),
    (lambda T: T.nn.LayerNorm([4, 5], eps=1e-3), (2, 3, 4, 5)),
    (lambda T: T.nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    (lambda T: T.nn.LayerNorm(5, bias=False), (2, 2, 5)),
    (lambda T: T.nn.GroupNorm(2, 4), (3, 4, 5)),
    (lambda T: T.nn.GroupNorm(4, 4, eps=1e-3), (2, 4, 2, 3)),
    (lambda T: T.nn.GroupNorm(1, 6, affine=False), (2, 6)),
    (lambda T: T.nn.GroupNorm(3, 6, bias=False), (2, 6, 3)),
])
def test_layer_and_group_norm_modules(make, shape):
    pair = ModulePair(make)
    with mytorch.no_grad(), torch.no_grad():  # non-trivial affine parameters
        for p, q in zip(pair.m.parameters(), pair.t.parameters()):
            q.normal_()
            p.copy_(mytorch.tensor(q.numpy()))
    pair.step(rand(*shape, scale=2, shift=1), atol=1e-4)
    pair.train(False).step(rand(*shape), atol=1e-4)
    assert repr(pair.m) == repr(pair.t)


def test_norm_module_defaults():
    ln, gn = mytorch.nn.LayerNorm((2, 3)), mytorch.nn.GroupNorm(2, 4)
    assert ln.normalized_shape == (2, 3) and ln.weight.shape == (2, 3)
    for m in (ln, gn):
        assert (m.weight.detach().numpy() == 1).all() and not m.bias.detach().numpy().any()
    raises_like(lambda T, x: T.nn.GroupNorm(3, 4), rand(1), match=["divisible"])


@pytest.mark.parametrize("make,shape", [(lambda nn: nn.BatchNorm1d(3), (0, 3)),
                                        (lambda nn: nn.BatchNorm2d(3, momentum=None), (0, 3, 2, 2)),
                                        (lambda nn: nn.BatchNorm3d(3), (0, 3, 2, 1, 2))])
def test_batch_norm_empty_batch_keeps_running_stats(make, shape):
    """An empty batch has no statistics: the running ones stay as they were (not NaN), as in PyTorch."""
    pair = ModulePair(lambda T: make(T.nn))
    pair.step(np.zeros(shape, np.float32))
    pair.check_state()
    assert not np.isnan(pair.m.running_mean.numpy()).any()


@pytest.mark.parametrize("shape", [(2, 3, 5), (3, 2, 4, 3), (2, 2, 3, 2, 3)])
def test_instance_norm_functional(shape):
    rng = np.random.default_rng(5)
    c = shape[1]
    check(lambda T, x, w, b: T.nn.functional.instance_norm(x, weight=w, bias=b, eps=1e-3),
          rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c))
    x, mean = rng.standard_normal(shape), rng.standard_normal(c)
    for use_input_stats in (True, False):  # running statistics updated (batch mean), or used to normalize
        results = []
        for T in (mytorch, torch):
            running = (T.tensor(mean), T.tensor(np.full(c, 2.0)))
            y = T.nn.functional.instance_norm(T.tensor(x), *running, use_input_stats=use_input_stats, momentum=0.3)
            results.append([t.numpy() for t in (y,) + running])
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("make,shape", [
    (lambda nn: nn.InstanceNorm1d(3), (2, 3, 5)), (lambda nn: nn.InstanceNorm1d(3, affine=True), (3, 6)),
    (lambda nn: nn.InstanceNorm2d(2, momentum=0.4, track_running_stats=True), (3, 2, 3, 4)),
    (lambda nn: nn.InstanceNorm3d(2, affine=True, track_running_stats=True), (2, 2, 3, 2, 3)),
    (lambda nn: nn.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=2.0), (2, 5, 3)),
    (lambda nn: nn.LocalResponseNorm(2), (2, 4, 3, 2, 2)),
])
def test_instance_and_local_response_norm_modules(make, shape):
    pair = ModulePair(lambda T: make(T.nn))
    assert repr(pair.m) == repr(pair.t)
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    for training in (True, False):
        pair.train(training).step(x)
        pair.check_state()


def test_local_response_norm_of_integers():
    """Integer inputs: PyTorch averages the window's squares by integer average pooling (rounded down)."""
    x = np.random.default_rng(7).integers(-9, 10, (1, 6, 3))
    check(lambda T, x: T.nn.functional.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0), x, grad=False)


def test_instance_and_local_response_norm_errors():
    raises_like(lambda T, x: T.nn.InstanceNorm2d(3, affine=True)(x), np.zeros((2, 4, 3, 3)),
                match=["to match num_features (3)"])
    raises_like(lambda T, x: T.nn.InstanceNorm1d(3)(x), np.zeros((2, 3, 1)), match=["more than 1 spatial element"])
    raises_like(lambda T, x: T.nn.functional.local_response_norm(x, 2), np.zeros((2, 3)),
                match=["Expected 3D or higher"])
