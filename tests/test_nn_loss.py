"""Losses vs torch: values and gradients (of inputs and of float targets) for every reduction, weights,
ignore_index, label smoothing, K-dim cross-entropy, stability at +-1e4, gradcheck, double backward, errors
and the loss modules."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, same

REDUCTIONS = ("none", "mean", "sum")


def F(T):
    return T.nn.functional


def _randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _targets(shape, classes, seed=0, ignore=None):
    t = np.random.default_rng(seed).integers(0, classes, shape)
    if ignore is not None:
        t.reshape(-1)[::3] = ignore
    return t.astype(np.int64)


def _probs(*shape, seed=0, dim=1):
    p = np.random.default_rng(seed).random(shape).astype(np.float32) + 0.05
    return (p / p.sum(axis=dim, keepdims=True)).astype(np.float32)


def _unit(*shape, seed=0):
    return (np.random.default_rng(seed).random(shape) * 0.9 + 0.05).astype(np.float32)


# ---- regression losses --------------------------------------------------------------------------

REGRESSION = {
    "mse": lambda T, x, y, **kw: F(T).mse_loss(x, y, **kw),
    "l1": lambda T, x, y, **kw: F(T).l1_loss(x, y, **kw),
    "smooth_l1": lambda T, x, y, **kw: F(T).smooth_l1_loss(x, y, beta=0.5, **kw),
    "smooth_l1_beta0": lambda T, x, y, **kw: F(T).smooth_l1_loss(x, y, beta=0.0, **kw),
    "huber": lambda T, x, y, **kw: F(T).huber_loss(x, y, delta=0.7, **kw),
}


@pytest.mark.parametrize("name", list(REGRESSION))
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_regression(name, reduction, layout):
    check(lambda T, x, y: REGRESSION[name](T, x, y, reduction=reduction), _randn(3, 4), _randn(3, 4, seed=1),
          layout=layout)


@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_broadcast_warns_like_torch(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(lambda T, x, y: REGRESSION[name](T, x, y, reduction="none"), _randn(3, 4), _randn(4, seed=1))
    messages = [str(w.message) for w in caught if "target size" in str(w.message)]
    assert len(messages) == 2 and "mytorch.Size([4])" in messages[0] + messages[1]


@pytest.mark.parametrize("name", ["mse", "l1", "huber"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_weight(name, reduction):
    w = np.random.default_rng(2).random((3, 4)).astype(np.float32)
    check(lambda T, x, y: REGRESSION[name](T, x, y, reduction=reduction, weight=T.tensor(w)),
          _randn(3, 4), _randn(3, 4, seed=1))


@pytest.mark.parametrize("name", list(REGRESSION))
def test_regression_gradcheck(name):
    gradcheck(lambda T, x, y: REGRESSION[name](T, x, y, reduction="sum"), _randn(2, 3), _randn(2, 3, seed=1))


def test_smooth_l1_at_the_kink():
    # |d| == beta: both branches meet, value and slope as torch
    x = np.array([0.5, -0.5, 1.0, 0.0], np.float32)
    check(lambda T, x, y: F(T).smooth_l1_loss(x, y, reduction="none", beta=0.5), x, np.zeros(4, np.float32))
    check(lambda T, x, y: F(T).huber_loss(x, y, reduction="none", delta=1.0), x, np.zeros(4, np.float32))


@pytest.mark.parametrize("size_average", [None, True, False])
@pytest.mark.parametrize("reduce", [None, True, False])
def test_legacy_reduction_args(size_average, reduce):
    x, y, t = _randn(3, 4), _randn(3, 4, seed=1), _targets(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda T: [F(T).mse_loss(T.tensor(x), T.tensor(y), size_average, reduce),
                        F(T).l1_loss(T.tensor(x), T.tensor(y), size_average=size_average, reduce=reduce),
                        F(T).cross_entropy(T.tensor(x), T.tensor(t), None, size_average, -100, reduce),
                        F(T).kl_div(T.tensor(x), T.tensor(y).abs(), size_average, reduce),
                        T.nn.MSELoss(size_average, reduce).reduction])


# ---- cross-entropy and NLL with class indices -------------------------------------------------------

# (input shape, target shape): batch, K-dim (1, 2 and 3 extra dims), unbatched
CLASS_SHAPES = [((4, 5), (4,)), ((2, 5, 3), (2, 3)), ((2, 4, 3, 2), (2, 3, 2)), ((2, 3, 2, 2, 2), (2, 2, 2, 2)),
                ((5,), ())]
OPTIONS = {
    "plain": {},
    "weight": {"weight": True},
    "ignore": {"ignore_index": -100},
    "ignore_class": {"ignore_index": 1},
    "smooth": {"label_smoothing": 0.2},
    "all": {"weight": True, "ignore_index": 2, "label_smoothing": 0.3},
}


def _class_case(in_shape, t_shape, opts, seed=0):
    classes = in_shape[1] if len(in_shape) > 1 else in_shape[0]
    ignore = opts.get("ignore_index")
    t = _targets(t_shape, classes, seed, ignore if ignore is not None and t_shape else None)
    kwargs = {k: v for k, v in opts.items() if k != "weight"}
    w = np.random.default_rng(seed + 7).random(classes).astype(np.float32) + 0.5 if opts.get("weight") else None
    return _randn(*in_shape, seed=seed) * 3, t, w, kwargs


@pytest.mark.parametrize("shapes", CLASS_SHAPES, ids=str)
@pytest.mark.parametrize("opt", list(OPTIONS))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_indices(shapes, opt, reduction):
    x, t, w, kwargs = _class_case(*shapes, OPTIONS[opt])
    check(lambda T, x, t: F(T).cross_entropy(x, t, weight=None if w is None else T.tensor(w),
                                             reduction=reduction, **kwargs), x, t)


@pytest.mark.parametrize("shapes", CLASS_SHAPES, ids=str)
@pytest.mark.parametrize("opt", ["plain", "weight", "ignore", "ignore_class"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(shapes, opt, reduction):
    x, t, w, kwargs = _class_case(*shapes, OPTIONS[opt])
    check(lambda T, x, t: F(T).nll_loss(x, t, weight=None if w is None else T.tensor(w),
                                        reduction=reduction, **kwargs), x, t)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_class_losses_layouts(layout, loss):
    check(lambda T, x, t: getattr(F(T), loss)(x, t, reduction="none"), _randn(4, 5), _targets(4, 5), layout=layout)
    check(lambda T, x, t: getattr(F(T), loss)(x, t), _randn(2, 5, 3), _targets((2, 3), 5), layout=layout)


def test_uint8_targets_and_one_element_target_of_1d_input():
    x = _randn(4, 5)
    check(lambda T, x, t: F(T).cross_entropy(x, t), x, _targets(4, 5).astype(np.uint8))
    # torch's own backward fails on this shape ("size mismatch"): compare values only
    check(lambda T, x, t: F(T).cross_entropy(x, t, reduction="none"), _randn(5), np.array([3]), grad=False)
    check(lambda T, x, t: F(T).nll_loss(x, t, reduction="none"), _randn(5), np.array([3]), grad=False)


def test_all_targets_ignored_mean_is_nan_like_torch():
    t = np.full(3, -100)
    check(lambda T, x, t: F(T).cross_entropy(x, t), _randn(3, 4), t, grad=False)
    check(lambda T, x, t: F(T).cross_entropy(x, t, weight=T.ones(4), label_smoothing=0.1), _randn(3, 4), t,
          grad=False)
    check(lambda T, x, t: F(T).cross_entropy(x, t, reduction="sum"), _randn(3, 4), t)
    check(lambda T, x, t: F(T).cross_entropy(x, t), np.zeros((0, 4), np.float32), np.zeros(0, np.int64), grad=False)


def test_negative_label_smoothing_is_ignored_like_torch():
    check(lambda T, x, t: F(T).cross_entropy(x, t, label_smoothing=-0.5), _randn(4, 5), _targets(4, 5))


# ---- cross-entropy with class probabilities ---------------------------------------------------------

PROB_SHAPES = [(4, 5), (2, 5, 3), (5,)]


@pytest.mark.parametrize("shape", PROB_SHAPES, ids=str)
@pytest.mark.parametrize("opt", ["plain", "weight", "smooth", "weight_smooth"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(shape, opt, reduction):
    classes = shape[1] if len(shape) > 1 else shape[0]
    y = _probs(*shape, seed=1, dim=1 if len(shape) > 1 else 0)
    smoothing = 0.25 if "smooth" in opt else 0.0
    if "weight" in opt:  # a float weight array requires grad: torch differentiates it here, and so must we
        w = np.random.default_rng(3).random(classes).astype(np.float32) + 0.5
        check(lambda T, x, y, w: F(T).cross_entropy(x, y, weight=w, reduction=reduction, label_smoothing=smoothing),
              _randn(*shape), y, w)
    else:
        check(lambda T, x, y: F(T).cross_entropy(x, y, reduction=reduction, label_smoothing=smoothing),
              _randn(*shape), y)


def test_cross_entropy_probabilities_promote_like_torch():
    check(lambda T, x, y: F(T).cross_entropy(x, y), _randn(4, 5), _probs(4, 5).astype(np.float64))
    check(lambda T, x, y: F(T).cross_entropy(x, y, weight=T.ones(5, dtype=T.float64)), _randn(4, 5), _probs(4, 5))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_low_and_double_precision(dtype):
    x, t, y = _randn(4, 5), np.array([0, 1, 2, 4]), _probs(4, 5)
    tol = {"atol": 2e-2, "rtol": 2e-2} if dtype != "float64" else {}

    def cast(T, *ts):
        return [a.to(getattr(T, dtype)) for a in ts]
    check(lambda T, x, t: F(T).cross_entropy(*cast(T, x), t, label_smoothing=0.1), x, t, **tol)
    check(lambda T, x, t: F(T).nll_loss(*cast(T, x), t), x, t, **tol)
    check(lambda T, x, y: F(T).cross_entropy(*cast(T, x, y)), x, y, **tol)
    check(lambda T, x, y: F(T).binary_cross_entropy_with_logits(*cast(T, x, y)), x, y, **tol)
    check(lambda T, p, y: F(T).binary_cross_entropy(*cast(T, p, y)), _unit(4, 5), y, **tol)
    check(lambda T, x, y: F(T).smooth_l1_loss(*cast(T, x, y)), x, y, **tol)


# ---- stability, gradcheck and double backward ------------------------------------------------------

def test_cross_entropy_stable_with_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], np.float32)
    t = np.array([1, 2, 0])
    for reduction in REDUCTIONS:
        check(lambda T, x, t: F(T).cross_entropy(x, t, reduction=reduction, label_smoothing=0.1), x, t)
        check(lambda T, x, y: F(T).cross_entropy(x, y, reduction=reduction), x, _probs(3, 3))
    out = F(mytorch).cross_entropy(mytorch.tensor(x), mytorch.tensor(t), reduction="none")
    assert np.isfinite(out.numpy()).all()


def test_masked_logits_do_not_poison_the_loss():
    # a logit of -inf (a masked class) that is not the target gives a finite loss and zero gradient there
    x = np.array([[0.5, -np.inf, 1.0], [-np.inf, 2.0, 0.0]], np.float32)
    check(lambda T, x, t: F(T).cross_entropy(x, t), x, np.array([0, 1]))
    check(lambda T, x, t: F(T).nll_loss(x, t, reduction="none"), x, np.array([2, 1]))


def test_binary_cross_entropy_with_logits_stable_with_huge_logits():
    x = np.array([1e4, -1e4, 0.0, 30.0, -30.0], np.float32)
    y = np.array([0.0, 1.0, 0.5, 0.2, 0.9], np.float32)
    check(lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, reduction="none"), x, y)
    check(lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, pos_weight=T.tensor([3.0])), x, y)


@pytest.mark.parametrize("opt", ["plain", "all"])
def test_cross_entropy_gradcheck(opt):
    x, t, w, kwargs = _class_case((3, 4), (3,), OPTIONS[opt])
    t_, w_ = mytorch.tensor(t), None if w is None else mytorch.tensor(w.astype(np.float64))
    gradcheck(lambda T, x: F(T).cross_entropy(x, t_, weight=w_, **kwargs), x)
    gradcheck(lambda T, x: F(T).nll_loss(x, t_, weight=w_, reduction="sum"), x)
    gradcheck(lambda T, x: F(T).cross_entropy(x.reshape(1, 4, 3), t_.reshape(1, 3), reduction="none"), x.T.copy())
    gradcheck(lambda T, x, y, w: F(T).cross_entropy(x, y, weight=w, label_smoothing=0.2),
              x, _probs(3, 4), np.random.default_rng(1).random(4) + 0.5)


def test_binary_losses_gradcheck():
    x = np.random.default_rng(0).random((2, 3)) * 0.8 + 0.1
    y = np.random.default_rng(1).random((2, 3))
    gradcheck(lambda T, x, y: F(T).binary_cross_entropy(x, y), x, y)
    pw = mytorch.tensor([0.5, 2.0, 1.5], dtype=mytorch.float64)
    gradcheck(lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, pos_weight=pw), _randn(2, 3), y)
    gradcheck(lambda T, x, y: F(T).kl_div(x, y, reduction="batchmean"), _randn(2, 3), y + 0.1)
    gradcheck(lambda T, x, y: F(T).kl_div(x, y, reduction="sum", log_target=True), _randn(2, 3), _randn(2, 3))


def _gradgradcheck(fn, *arrays):
    inputs = [mytorch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert mytorch.autograd.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_double_backward(reduction):
    t = mytorch.tensor([2, 0, 1])
    w = mytorch.tensor([0.5, 1.0, 2.0], dtype=mytorch.float64)
    x = _randn(3, 3)
    _gradgradcheck(lambda x: F(mytorch).cross_entropy(x, t, reduction=reduction), x)
    _gradgradcheck(lambda x: F(mytorch).cross_entropy(x, t, weight=w, label_smoothing=0.2, reduction=reduction,
                                                      ignore_index=0), x)
    _gradgradcheck(lambda x, y: F(mytorch).cross_entropy(x, y, weight=w, label_smoothing=0.1, reduction=reduction),
                   x, _probs(3, 3))
    _gradgradcheck(lambda x: F(mytorch).nll_loss(x, t, weight=w, reduction=reduction), x)


def test_binary_losses_double_backward():
    x = np.random.default_rng(0).random((2, 3)) * 0.8 + 0.1
    y = np.random.default_rng(1).random((2, 3))
    _gradgradcheck(lambda x, y: F(mytorch).binary_cross_entropy(x, y), x, y)
    pw = mytorch.tensor([0.5, 2.0, 1.5], dtype=mytorch.float64)
    _gradgradcheck(lambda x, y: F(mytorch).binary_cross_entropy_with_logits(x, y, pos_weight=pw), _randn(2, 3), y)


def test_cross_entropy_hessian_vs_torch():
    x, t = _randn(3, 4).astype(np.float64), _targets(3, 4)

    def hvp(T):
        xs = T.tensor(x, requires_grad=True)
        (g,) = T.autograd.grad(F(T).cross_entropy(xs, T.tensor(t), label_smoothing=0.1), xs, create_graph=True)
        return T.autograd.grad((g * g).sum(), xs)[0]
    same(hvp, atol=1e-10)


def test_fused_cross_entropy_is_one_node():
    x = mytorch.randn(4, 5, requires_grad=True)
    loss = F(mytorch).cross_entropy(x, mytorch.tensor([0, 1, 2, 3]))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].variable is x


# ---- binary cross-entropy -----------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, (4,), (3, 1), (3, 4)], ids=str)
def test_binary_cross_entropy(reduction, weight):
    w = None if weight is None else _unit(*weight, seed=5)
    check(lambda T, x, y: F(T).binary_cross_entropy(x, y, weight=None if w is None else T.tensor(w),
                                                    reduction=reduction), _unit(3, 4), _unit(3, 4, seed=1))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_binary_losses_layouts(layout):
    check(lambda T, x, y: F(T).binary_cross_entropy(x, y, reduction="none"), _unit(3, 4), _unit(3, 4, seed=1),
          layout=layout)
    check(lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, reduction="none"), _randn(3, 4),
          _unit(3, 4, seed=1), layout=layout)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-30], np.float32)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    check(lambda T, x, y: F(T).binary_cross_entropy(x, y, reduction="none"), x, y, grad=False)
    check(lambda T, x: F(T).binary_cross_entropy(x, T.tensor(y)), x, rtol=1e-4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opt", ["plain", "weight", "pos_weight", "both", "pos_weight_2d"])
def test_binary_cross_entropy_with_logits(reduction, opt):
    w = _unit(4, seed=5) if opt in ("weight", "both") else None
    pw = {"pos_weight": _unit(4, seed=6) * 3, "both": _unit(4, seed=6) * 3,
          "pos_weight_2d": _unit(3, 1, seed=6) * 3}.get(opt)
    check(lambda T, x, y: F(T).binary_cross_entropy_with_logits(
        x, y, weight=None if w is None else T.tensor(w), reduction=reduction,
        pos_weight=None if pw is None else T.tensor(pw)), _randn(3, 4) * 3, _unit(3, 4, seed=1))


def test_binary_dtypes_like_torch():
    # the target promotes the logits' loss; weights and pos_weight never promote
    def dtypes(T):
        x, d = T.zeros(3), T.ones(3, dtype=T.float64)
        return [str(t.dtype).split(".")[-1] for t in (
            F(T).binary_cross_entropy_with_logits(x, d), F(T).binary_cross_entropy_with_logits(x, x, weight=d),
            F(T).binary_cross_entropy_with_logits(x, x, pos_weight=d), F(T).binary_cross_entropy(x + 0.5, x, weight=d),
            F(T).mse_loss(x, d), F(T).kl_div(x, d, reduction="sum"))]
    same(dtypes)


# ---- KL divergence --------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    x = np.log(_probs(3, 4))
    y = np.log(_probs(3, 4, seed=1)) if log_target else _probs(3, 4, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, x, y: F(T).kl_div(x, y, reduction=reduction, log_target=log_target), x, y)


def test_kl_div_zero_target_and_0d():
    y = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], np.float32)
    check(lambda T, x: F(T).kl_div(x, T.tensor(y), reduction="sum"), np.log(_probs(2, 3)))
    check(lambda T, x, y: F(T).kl_div(x, y, reduction="batchmean"), np.float32(-0.3).reshape(()),
          np.float32(0.4).reshape(()))


# ---- errors -------------------------------------------------------------------------------------------

def _x(*shape):
    return _randn(*shape)


@pytest.mark.parametrize("case", [
    # (fn, arrays, message fragment)
    (lambda T, x, t: F(T).nll_loss(x, t), (_x(3, 5), np.array([0, 5, 1])), "Target 5 is out of bounds."),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.array([0, -1, 1])), "Target -1 is out of bounds."),
    (lambda T, x, t: F(T).cross_entropy(x, t, ignore_index=1), (_x(3, 5), np.array([7, 1, 1])), "Target 7"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.array([0, 1])), "batch_size (3)"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.array(1)), "batch_size"),
    (lambda T, x, t: F(T).nll_loss(x, t), (_x(2, 5), np.zeros((2, 4), np.int64)), "multi-target"),
    (lambda T, x, t: F(T).nll_loss(x, t), (_x(2, 5, 4), np.zeros((2, 3), np.int64)), "Expected target size [2, 4]"),
    (lambda T, x, t: F(T).nll_loss(x, t), (_x(2, 5, 4, 3, 2), np.zeros((2, 4, 3), np.int64)), "target size"),
    (lambda T, x, t: F(T).nll_loss(x, t), (_x(5), np.array([1, 2])), "must have size 1"),
    (lambda T, x, t: F(T).nll_loss(x, t), (np.float32(1.0).reshape(()), np.array(1)), "Expected 1 or more"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3), np.array([0.0, 1.0])), "Long or Byte"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.array([0.0, 1.0, 2.0], np.float32)), "Long or Byte"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.array([0, 1, 2], np.int32)), "Long or Byte"),
    (lambda T, x, t: F(T).cross_entropy(x, t), (_x(3, 5), np.zeros((3, 5), np.int64)), "class probabilities"),
    (lambda T, x, t: F(T).cross_entropy(x, t, ignore_index=1), (_x(3, 5), _probs(3, 5)), "ignore_index"),
    (lambda T, x, t: F(T).cross_entropy(x, t, label_smoothing=1.5), (_x(3, 5), np.array([0, 1, 2])),
     "label_smoothing"),
    (lambda T, x, t: F(T).cross_entropy(x, t, weight=T.ones(3)), (_x(3, 5), np.array([0, 1, 2])), "all 5 classes"),
    (lambda T, x, t: F(T).cross_entropy(x, t, weight=T.ones(4)), (_x(3, 5), _probs(3, 5)), "cross_entropy: weight"),
    (lambda T, x, t: F(T).nll_loss(x, t, weight=T.ones(5, dtype=T.float64)), (_x(3, 5), np.array([0, 1, 2])),
     "expected scalar type Float but found Double"),
    (lambda T, x, t: F(T).nll_loss(x, t, weight=T.ones(5, requires_grad=True)), (_x(3, 5), np.array([0, 1, 2])),
     "not differentiable with respect to argument 'weight'"),
    (lambda T, x, t: F(T).nll_loss(x.int(), t), (_x(3, 5), np.array([0, 1, 2])), "not implemented for 'Int'"),
    (lambda T, x, t: F(T).cross_entropy(x.int(), t), (_x(3, 5), np.array([0, 1, 2])), "not implemented for 'Int'"),
    (lambda T, x, t: F(T).cross_entropy(x, t, reduction="avg"), (_x(3, 5), np.array([0, 1, 2])),
     "avg is not a valid value for reduction"),
    (lambda T, x, y: F(T).mse_loss(x, y, reduction="foo"), (_x(3), _x(3)), "foo is not a valid value"),
    (lambda T, x, y: F(T).kl_div(x, y, reduction="foo"), (_x(3), _x(3)), "foo is not a valid value"),
    (lambda T, x, y: F(T).huber_loss(x, y, reduction="foo"), (_x(3), _x(3)), "foo is not a valid value"),
    (lambda T, x, y: F(T).mse_loss(x, y), (_x(3), _x(4)), "must match the size"),
    (lambda T, x, y: F(T).mse_loss(x, y), (np.arange(3), np.arange(3)), "\"mse_cpu\" not implemented for 'Long'"),
    (lambda T, x, y: F(T).l1_loss(x, y), (np.arange(3), np.arange(3)), "mean(): could not infer output dtype"),
    (lambda T, x, y: F(T).mse_loss(x, y, weight=T.ones(2)), (_x(3), _x(3)), "same size"),
    (lambda T, x, y: F(T).smooth_l1_loss(x, y, beta=-1.0), (_x(3), _x(3)), "negative values for beta"),
    (lambda T, x, y: F(T).huber_loss(x, y, delta=0.0), (_x(3), _x(3)), "non-positive values for delta"),
    (lambda T, x, y: F(T).binary_cross_entropy(x, y), (_unit(3), _unit(3, 1)), "different to the input size"),
    (lambda T, x, y: F(T).binary_cross_entropy(x + 1, y), (_unit(3), _unit(3)), "between 0 and 1"),
    (lambda T, x, y: F(T).binary_cross_entropy(x.double(), y), (_unit(3), _unit(3)),
     "Found dtype Float but expected Double"),
    (lambda T, x, y: F(T).binary_cross_entropy(x, y.long()), (_unit(3), _unit(3)), "Found dtype Long"),
    (lambda T, x, y: F(T).binary_cross_entropy(x, y, weight=T.ones(2)), (_unit(3), _unit(3)), ""),
    (lambda T, x, y: F(T).binary_cross_entropy(x, y, weight=T.ones(4, 3)), (_unit(3), _unit(3)),
     "doesn't match the broadcast shape"),
    (lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y), (_x(3), _unit(3, 1)), "must be the same as"),
    (lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y.long()), (_x(3), _unit(3)), "can't be cast"),
    (lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, pos_weight=T.ones(2)), (_x(3), _unit(3)), ""),
    (lambda T, x, y: F(T).binary_cross_entropy_with_logits(x, y, pos_weight=T.ones(3, requires_grad=True)),
     (_x(3), _unit(3)), "argument 'pos_weight'"),
    (lambda T, x, y: F(T).kl_div(x.long(), y), (_x(3), _x(3)), "Integral inputs not supported"),
], ids=lambda c: c[2][:40] or "error")
def test_errors_like_torch(case):
    fn, arrays, message = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(fn, *arrays, match=[message] if message else [])


# ---- modules --------------------------------------------------------------------------------------------

def _modules(T):
    w5 = T.tensor(np.linspace(0.5, 1.5, 5, dtype=np.float32))
    return {
        "MSELoss": (T.nn.MSELoss(), "reg"),
        "L1Loss": (T.nn.L1Loss(reduction="sum"), "reg"),
        "SmoothL1Loss": (T.nn.SmoothL1Loss(beta=0.5), "reg"),
        "HuberLoss": (T.nn.HuberLoss(reduction="none", delta=0.5), "reg"),
        "CrossEntropyLoss": (T.nn.CrossEntropyLoss(weight=w5, ignore_index=2, label_smoothing=0.1), "class"),
        "CrossEntropyLoss_probs": (T.nn.CrossEntropyLoss(), "probs"),
        "NLLLoss": (T.nn.NLLLoss(w5, reduction="sum"), "class"),
        "BCELoss": (T.nn.BCELoss(weight=w5), "unit"),
        "BCEWithLogitsLoss": (T.nn.BCEWithLogitsLoss(pos_weight=w5 * 2), "logit"),
        "BCEWithLogitsLoss_both": (T.nn.BCEWithLogitsLoss(w5, pos_weight=w5, reduction="sum"), "logit"),
        "KLDivLoss": (T.nn.KLDivLoss(reduction="batchmean", log_target=True), "reg"),
    }


_INPUTS = {
    "reg": (_randn(4, 5), _randn(4, 5, seed=1)),
    "class": (_randn(4, 5), _targets(4, 5)),
    "probs": (_randn(4, 5), _probs(4, 5)),
    "unit": (_unit(4, 5), _unit(4, 5, seed=1)),
    "logit": (_randn(4, 5), _unit(4, 5, seed=1)),
}


@pytest.mark.parametrize("name", list(_modules(torch)))
def test_modules_match_torch(name):
    kind = _modules(torch)[name][1]
    check(lambda T, x, y: _modules(T)[name][0](x, y), *_INPUTS[kind])
    m, t = _modules(mytorch)[name][0], _modules(torch)[name][0]
    assert list(m.state_dict().keys()) == list(t.state_dict().keys())
    assert repr(m) == repr(t)
    for attr in ("reduction", "ignore_index", "label_smoothing", "beta", "delta", "log_target"):
        assert getattr(m, attr, None) == getattr(t, attr, None), attr


def test_loss_module_buffers_follow_the_module():
    m = mytorch.nn.CrossEntropyLoss(weight=mytorch.ones(3))
    assert [n for n, _ in m.named_buffers()] == ["weight"]
    m.to(mytorch.float64)
    assert m.weight.dtype is mytorch.float64
    m.load_state_dict({"weight": mytorch.tensor([1.0, 2.0, 3.0], dtype=mytorch.float64)})
    x = mytorch.randn(2, 3, dtype=mytorch.float64)
    t = mytorch.tensor([2, 0])
    expected = F(mytorch).cross_entropy(x, t, weight=mytorch.tensor([1.0, 2.0, 3.0], dtype=mytorch.float64))
    np.testing.assert_allclose(m(x, t).numpy(), expected.numpy())
    assert len(mytorch.nn.BCEWithLogitsLoss().state_dict()) == 0


def test_module_legacy_args_like_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda T: [T.nn.NLLLoss(size_average=False).reduction, T.nn.BCELoss(reduce=False).reduction,
                        T.nn.KLDivLoss(size_average=True, reduce=True).reduction,
                        T.nn.CrossEntropyLoss(None, False, -100, False).reduction])


def test_kl_div_target_gradient_nan_where_torch():
    """d/dy of y log y is NaN at y = 0 and for y < 0 (PyTorch's xlogy), finite for y > 0."""
    x, y = np.random.default_rng(3).standard_normal(5), np.array([0.0, -0.5, 0.3, 1.0, 2.0])
    check(lambda T, x, y: T.nn.functional.kl_div(x, y, reduction="none"), x, y)
    check(lambda T, x, y: T.nn.KLDivLoss(reduction="sum")(x, y), x, y)


def test_cross_entropy_every_target_ignored():
    """The mean over no counted targets is NaN, and the gradient is 0 (no sample contributes), as PyTorch."""
    x, t = np.random.default_rng(4).standard_normal((3, 4)), np.array([-100, -100, -100])
    for loss in ("cross_entropy", "nll_loss"):
        check(lambda T, x, t: getattr(T.nn.functional, loss)(x, t), x, t)
    check(lambda T, x, t: T.nn.functional.cross_entropy(x, t, ignore_index=2), x, np.array([2, 2, 2]))
