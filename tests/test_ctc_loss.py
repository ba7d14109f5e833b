"""F.ctc_loss / nn.CTCLoss vs torch: values and gradients (float64 within 1e-6, float32 looser) for padded
and concatenated targets, every reduction, zero_infinity, infeasible alignments, blank index, length types,
non-contiguous log_probs, unbatched input; gradcheck through log_softmax; PyTorch's errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from helpers import raises_like, to_numpy


def _log_probs(T: int, N: int, C: int, seed: int = 0, dtype=np.float64) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((T, N, C))
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype)


def _targets(N: int, S: int, C: int, blank: int, seed: int = 0) -> np.ndarray:
    labels = [c for c in range(C) if c != blank]
    return np.random.default_rng(seed).choice(labels, (N, S)).astype(np.int64)


def _run(T, lp: np.ndarray, targets: np.ndarray, il, tl, grad_out: np.ndarray | None, *, layout="contiguous",
         length_kind="tensor", length_dtype="int64", **kw):
    """(loss, d loss / d log_probs) from framework T; log_probs made non-contiguous on request."""
    base = T.tensor(lp.transpose(1, 0, 2).copy() if layout == "transposed" else lp, requires_grad=True)
    x = base.transpose(0, 1) if layout == "transposed" else base
    if length_kind == "tensor":
        il, tl = (T.tensor(v, dtype=getattr(T, length_dtype)) for v in (il, tl))
    else:
        il, tl = tuple(il), tuple(tl)
    loss = T.nn.functional.ctc_loss(x, T.tensor(targets), il, tl, **kw)
    g = T.ones_like(loss) if grad_out is None else T.tensor(grad_out).to(loss.dtype)
    (dx,) = T.autograd.grad(loss, base, g)
    return to_numpy(loss), to_numpy(dx)


def _compare(lp, targets, il, tl, atol=1e-6, **kw):
    grad_out = np.random.default_rng(1).random(len(il)) if kw.get("reduction") == "none" else None
    m_loss, m_grad = _run(mytorch, lp, targets, il, tl, grad_out, **kw)
    t_loss, t_grad = _run(torch, lp, targets, il, tl, grad_out, **kw)
    np.testing.assert_allclose(m_loss, t_loss, atol=atol, rtol=atol)
    np.testing.assert_allclose(m_grad, t_grad, atol=atol, rtol=atol, equal_nan=True)
    assert np.array_equal(np.isnan(m_grad), np.isnan(t_grad))


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_padded_targets(reduction, zero_infinity):
    lp = _log_probs(12, 4, 6)
    # the third sample cannot fit its 4 labels, 2 of them repeated, into 5 frames: inf loss
    targets = np.array([[1, 2, 2, 3, 1], [4, 4, 0, 0, 0], [5, 5, 5, 5, 0], [2, 0, 0, 0, 0]])
    il, tl = [12, 9, 5, 7], [5, 2, 4, 1]
    if not zero_infinity and reduction != "none":
        il[2] = 8  # an inf in a reduced loss makes every gradient NaN: the inf case is covered by "none"
    _compare(lp, targets, il, tl, reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_concatenated_targets_and_blank(reduction):
    lp = _log_probs(10, 3, 5, seed=2)
    tl = [3, 0, 4]
    targets = _targets(1, sum(tl), 5, blank=2, seed=3).reshape(-1)
    _compare(lp, targets, [10, 4, 8], tl, blank=2, reduction=reduction)


@pytest.mark.parametrize("length_kind,length_dtype", [("tensor", "int32"), ("tuple", "int64")])
def test_length_types_and_layout(length_kind, length_dtype):
    lp = _log_probs(9, 3, 4, seed=4)
    _compare(lp, _targets(3, 3, 4, 0, seed=5), [9, 7, 6], [3, 2, 3], layout="transposed", length_kind=length_kind,
             length_dtype=length_dtype, reduction="none")


def test_edge_lengths():
    """No frames (loss 0 for an empty target, inf otherwise), empty targets, the tightest feasible
    repeated target (a blank between the repeats) and one frame short of it."""
    lp = _log_probs(4, 5, 3, seed=6)
    targets = np.array([[1, 1], [1, 1], [1, 2], [2, 2], [1, 1]])
    _compare(lp, targets, [0, 0, 4, 3, 2], [0, 2, 0, 2, 2], reduction="none")


def test_unbatched_and_float32():
    lp = _log_probs(7, 1, 4, seed=7)
    for reduction in ("none", "mean"):
        same = {}
        for T in (mytorch, torch):
            x = T.tensor(lp[:, 0], requires_grad=True)
            loss = T.nn.functional.ctc_loss(x, T.tensor([1, 3, 3]), T.tensor(7), T.tensor(3), reduction=reduction)
            loss.backward()
            same[T] = (to_numpy(loss), to_numpy(x.grad), tuple(loss.shape))
        assert same[mytorch][2] == same[torch][2] == ()
        np.testing.assert_allclose(same[mytorch][0], same[torch][0], atol=1e-6)
        np.testing.assert_allclose(same[mytorch][1], same[torch][1], atol=1e-6)
    lp32 = _log_probs(15, 4, 6, seed=8, dtype=np.float32)
    _compare(lp32, _targets(4, 5, 6, 0, seed=9), [15, 14, 12, 10], [5, 4, 5, 3], atol=1e-4)


def test_float32_gradient_rounds_as_pytorch():
    # OpInfo's sample: peaked posteriors (logits uniform in [-9, 9]) and long targets put the loss near 240, where
    # a float32 ulp is 1.5e-5: the gradient agrees within PyTorch's float32 tolerance only when the occupancies
    # are summed per class in log space, in PyTorch's order, before the loss is added back (was off by 1.6e-5)
    x = np.random.default_rng(0).uniform(-9, 9, (50, 4, 20))
    lp = (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(np.float32)
    rng = np.random.default_rng(0)
    tl, grad_out = rng.integers(10, 30, 4).tolist(), rng.random(4)
    m_loss, m_grad = _run(mytorch, lp, _targets(4, 30, 20, 0), [50] * 4, tl, grad_out, reduction="none")
    t_loss, t_grad = _run(torch, lp, _targets(4, 30, 20, 0), [50] * 4, tl, grad_out, reduction="none")
    np.testing.assert_allclose(m_loss, t_loss, atol=1e-5, rtol=1.3e-6)
    np.testing.assert_allclose(m_grad, t_grad, atol=1e-5, rtol=1.3e-6)


def test_long_sequence_stays_finite():
    """Log space: 200 frames of probability products underflow any linear-space recursion."""
    lp = _log_probs(200, 2, 8, seed=10)
    _compare(lp, _targets(2, 40, 8, 0, seed=11), [200, 150], [40, 30], reduction="sum")


def test_module_and_gradcheck():
    lp = _log_probs(6, 2, 4, seed=12)
    targets = np.array([[1, 2], [3, 0]])
    m = mytorch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    t = torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    args = ([6, 5], [2, 1])
    np.testing.assert_allclose(to_numpy(m(mytorch.tensor(lp), mytorch.tensor(targets), *args)),
                               to_numpy(t(torch.tensor(lp), torch.tensor(targets), *args)), atol=1e-6)
    # the gradient is the one PyTorch returns, meant for log_softmax outputs: check it through log_softmax
    logits = mytorch.tensor(np.random.default_rng(13).standard_normal((6, 2, 4)), requires_grad=True)

    def fn(z):
        return mytorch.nn.functional.ctc_loss(z.log_softmax(2), mytorch.tensor(targets), [6, 5], [2, 1],
                                              reduction="none")

    assert mytorch.autograd.gradcheck(fn, (logits,))


def test_double_backward_raises():
    x = mytorch.tensor(_log_probs(4, 1, 3), requires_grad=True)
    loss = mytorch.nn.functional.ctc_loss(x, mytorch.tensor([[1, 2]]), [4], [2], reduction="none")
    (g,) = mytorch.autograd.grad(loss, x, mytorch.ones(1, dtype=mytorch.float64, requires_grad=True),
                                 create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        g.sum().backward()


LP = _log_probs(6, 3, 5)
TG = np.array([[1, 2, 2], [1, 1, 0], [3, 4, 1]])
IL, TL = np.array([6, 3, 5]), np.array([3, 2, 1])
ERRORS = {
    "input_lengths too long": (LP, TG, np.array([7, 3, 5]), TL, {}, "at most 6, but got value 7"),
    "input_lengths size": (LP, TG, np.array([6, 3]), TL, {}, "input_lengths must be of size batch_size"),
    "target_lengths size": (LP, TG, IL, np.array([1, 2]), {}, "target_lengths must be of size batch_size"),
    "target longer than targets": (LP, TG, IL, np.array([4, 2, 1]), {}, "size at least 4 at dimension 1"),
    "negative target length": (LP, TG, IL, np.array([-1, 2, 1]), {}, "at least 0, but got value -1"),
    "negative input length": (LP, TG, np.array([-1, 3, 5]), TL, {}, "at least 0, but got value -1"),
    "blank out of range": (LP, TG, IL, TL, {"blank": 5}, "blank must be in label range"),
    "integer log_probs": (LP.astype(np.int64), TG, IL, TL, {}, "not implemented for 'Long'"),
    "float lengths": (LP, TG, IL.astype(np.float64), TL, {}, "input_lengths must be integral"),
    "4-d log_probs": (LP[None], TG, IL, TL, {}, "Expected 3-dimensional tensor, but got 5-dimensional"),
    "3-d targets": (LP, TG[None], IL, TL, {}, "Expected 1 to 2 dimensions"),
    "concatenated too short": (LP, np.array([1, 2, 2, 1, 1]), IL, TL, {}, "size 6 at dimension 0, but got size 5"),
    "targets batch": (LP, TG[:2], IL, TL, {}, "size 3 at dimension 0, but got size 2"),
    "reduction": (LP, TG, IL, TL, {"reduction": "avg"}, "avg is not a valid value for reduction"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors(case):
    lp, tg, il, tl, kw, message = ERRORS[case]
    raises_like(lambda T, *a: T.nn.functional.ctc_loss(*a, **kw), lp, tg, il, tl, match=[message])


def test_out_of_range_label_raises():
    """PyTorch's CPU kernel reads outside log_probs here; mytorch names the label instead."""
    with pytest.raises(IndexError, match="target label 7 is out of bounds for log_probs with 5 classes"):
        mytorch.nn.functional.ctc_loss(mytorch.tensor(LP), mytorch.tensor([[7, 2, 2], [1, 1, 0], [3, 4, 1]]),
                                       [6, 3, 5], [3, 2, 1])
