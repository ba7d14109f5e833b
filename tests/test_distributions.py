"""mytorch.distributions against torch.distributions: log_prob, entropy, moments, cdf, KL and their
gradients, the same samples from the same seed, and the same argument errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch import distributions as MD

rng = np.random.default_rng(0)
LOC, SCALE = rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (3, 4))
PROBS = rng.uniform(0.05, 0.95, (3, 4))
LOGITS = rng.standard_normal((3, 5))
LOW, HIGH = rng.uniform(-2, 0, 4), rng.uniform(0.5, 2, 4)
RATE = rng.uniform(0.5, 3, 4)

# name: (build(lib, module, tensors...) -> distribution, parameter arrays, a value array)
CASES = {
    "normal": (lambda D, a, b: D.Normal(a, b), (LOC, SCALE), rng.standard_normal((2, 3, 4))),
    "bernoulli-probs": (lambda D, p: D.Bernoulli(probs=p), (PROBS,), (rng.uniform(size=(3, 4)) > 0.5) * 1.0),
    "bernoulli-logits": (lambda D, p: D.Bernoulli(logits=p), (LOC,), (rng.uniform(size=(3, 4)) > 0.5) * 1.0),
    "categorical-logits": (lambda D, p: D.Categorical(logits=p), (LOGITS,), rng.integers(0, 5, (2, 3))),
    "categorical-probs": (lambda D, p: D.Categorical(probs=p), (np.exp(LOGITS),), rng.integers(0, 5, (3,))),
    "uniform": (lambda D, a, b: D.Uniform(a, b), (LOW, HIGH), rng.uniform(0, 0.5, (2, 4))),
    "exponential": (lambda D, r: D.Exponential(r), (RATE,), rng.uniform(0, 3, (4,))),
    "independent": (lambda D, a, b: D.Independent(D.Normal(a, b), 1), (LOC, SCALE), rng.standard_normal((3, 4))),
}


def build(lib, case, requires_grad=False):
    make, params, _ = CASES[case]
    tensors = [lib.tensor(p, dtype=lib.float64, requires_grad=requires_grad) for p in params]
    return make(lib.distributions, *tensors), tensors


def close(a, b):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), np.asarray(b.detach().numpy()), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_log_prob_entropy_moments_and_gradients(case, backend):
    (dt, pt), (dm, pm) = build(torch, case, True), build(mytorch, case, True)
    value = CASES[case][2]
    vt = torch.tensor(value, dtype=torch.float64 if value.dtype.kind == "f" else torch.int64)
    vm = mytorch.tensor(value, dtype=mytorch.float64 if value.dtype.kind == "f" else mytorch.int64)
    lt, lm = dt.log_prob(vt), dm.log_prob(vm)
    close(lm, lt)
    et, em = dt.entropy(), dm.entropy()
    close(em, et)
    (lt.sum() + et.sum()).backward()
    (lm.sum() + em.sum()).backward()
    for a, b in zip(pm, pt):
        close(a.grad, b.grad)
    assert tuple(dm.batch_shape) == tuple(dt.batch_shape) and tuple(dm.event_shape) == tuple(dt.event_shape)
    for moment in ("mean", "variance", "stddev", "mode"):
        close(getattr(dm, moment), getattr(dt, moment))


@pytest.mark.parametrize("case", ["normal", "uniform", "exponential", "independent"])
def test_rsample_is_differentiable(case, backend):
    (dt, pt), (dm, pm) = build(torch, case, True), build(mytorch, case, True)
    torch.manual_seed(3)
    mytorch.manual_seed(3)
    st, sm = dt.rsample((5,)), dm.rsample((5,))
    close(sm, st)  # the same noise: mytorch's streams are PyTorch's
    st.square().sum().backward()
    sm.square().sum().backward()
    for a, b in zip(pm, pt):
        close(a.grad, b.grad)


@pytest.mark.parametrize("case", CASES)
def test_samples_equal_pytorchs_from_the_same_seed(case, backend):
    (dt, _), (dm, _) = build(torch, case), build(mytorch, case)
    torch.manual_seed(11)
    mytorch.manual_seed(11)
    st, sm = dt.sample((6,)), dm.sample((6,))
    assert tuple(sm.shape) == tuple(st.shape) and str(sm.dtype).split(".")[-1] == str(st.dtype).split(".")[-1]
    np.testing.assert_array_equal(sm.numpy(), st.numpy())


@pytest.mark.parametrize("pair", [("normal", "normal"), ("bernoulli-probs", "bernoulli-logits"),
                                  ("categorical-logits", "categorical-logits"), ("exponential", "exponential"),
                                  ("uniform", "uniform"), ("independent", "independent")])
def test_kl_divergence(pair, backend):
    p_t, p_m = build(torch, pair[0])[0], build(mytorch, pair[0])[0]
    q_t = CASES[pair[1]][0](torch.distributions, *[torch.tensor(a[::-1].copy() if a.ndim == 1 else a[::-1].copy(),
                                                                  dtype=torch.float64) for a in CASES[pair[1]][1]])
    q_m = CASES[pair[1]][0](mytorch.distributions, *[mytorch.tensor(a[::-1].copy(), dtype=mytorch.float64)
                                                     for a in CASES[pair[1]][1]])
    close(MD.kl_divergence(p_m, q_m), torch.distributions.kl_divergence(p_t, q_t))


def test_cdf(backend):
    for case in ("normal", "uniform", "exponential"):
        (dt, _), (dm, _) = build(torch, case), build(mytorch, case)
        value = CASES[case][2]
        close(dm.cdf(mytorch.tensor(value)), dt.cdf(torch.tensor(value)))


def test_argument_errors_like_pytorch(backend):
    def message(fn):
        with pytest.raises(ValueError) as e:
            fn()
        return str(e.value)

    assert message(lambda: MD.Normal(0.0, -1.0)) == message(lambda: torch.distributions.Normal(0.0, -1.0))
    assert message(lambda: MD.Bernoulli(probs=mytorch.tensor([0.2]), logits=mytorch.tensor([0.0]))) == message(
        lambda: torch.distributions.Bernoulli(probs=torch.tensor([0.2]), logits=torch.tensor([0.0])))
    assert "to be within the support (IntegerInterval(lower_bound=0, upper_bound=1))" in message(
        lambda: MD.Categorical(probs=mytorch.tensor([0.2, 0.8])).log_prob(mytorch.tensor(5)))
    assert "not broadcastable with batch_shape+event_shape" in message(
        lambda: MD.Normal(mytorch.zeros(2), mytorch.ones(2)).log_prob(mytorch.ones(3)))
    with pytest.raises(NotImplementedError, match="No KL"):
        MD.kl_divergence(MD.Normal(0.0, 1.0), MD.Exponential(1.0))
