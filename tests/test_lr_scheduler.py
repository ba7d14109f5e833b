"""LR schedulers vs PyTorch: the lr (and momentum/beta1) sequence over 30 steps equals torch's exactly, on
an optimizer with two param groups; state_dict matches torch's and a resumed schedule continues exactly;
errors as torch's."""
import copy
import math
import warnings
import weakref

import numpy as np
import pytest
import torch

import mytorch

STEPS = 30


def _optimizer(T, name="SGD"):
    a, b = T.zeros(2, requires_grad=True), T.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    if name == "SGD":
        return T.optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(T.optim, name)(groups, lr=0.1)


def _sub(T, opt, name, **kw):
    return getattr(T.optim.lr_scheduler, name)(opt, **kw)


# name -> (optimizer class, make(T, opt) -> scheduler)
SCHEDULERS = {
    "StepLR": ("SGD", lambda T, o: _sub(T, o, "StepLR", step_size=7, gamma=0.5)),
    "MultiStepLR": ("SGD", lambda T, o: _sub(T, o, "MultiStepLR", milestones=[3, 10, 10, 21], gamma=0.3)),
    "ExponentialLR": ("SGD", lambda T, o: _sub(T, o, "ExponentialLR", gamma=0.9)),
    "CosineAnnealingLR": ("SGD", lambda T, o: _sub(T, o, "CosineAnnealingLR", T_max=10)),  # past T_max: rises again
    "CosineAnnealingLR-eta_min": ("SGD", lambda T, o: _sub(T, o, "CosineAnnealingLR", T_max=12, eta_min=0.01)),
    "LambdaLR": ("SGD", lambda T, o: _sub(T, o, "LambdaLR", lr_lambda=lambda e: 0.95 ** e + 0.01 * e)),
    "LambdaLR-per-group": ("SGD", lambda T, o: _sub(T, o, "LambdaLR",
                                                    lr_lambda=[lambda e: 1 / (1 + e), lambda e: math.cos(e)])),
    "LinearLR": ("SGD", lambda T, o: _sub(T, o, "LinearLR", start_factor=0.25, end_factor=0.9, total_iters=11)),
    "LinearLR-default": ("SGD", lambda T, o: _sub(T, o, "LinearLR")),
    "ConstantLR": ("SGD", lambda T, o: _sub(T, o, "ConstantLR", factor=0.4, total_iters=6)),
    "ConstantLR-default": ("SGD", lambda T, o: _sub(T, o, "ConstantLR")),
    "MultiplicativeLR": ("SGD", lambda T, o: _sub(T, o, "MultiplicativeLR", lr_lambda=lambda e: 0.9 + 0.01 * (e % 3))),
    "MultiplicativeLR-per-group": ("SGD", lambda T, o: _sub(T, o, "MultiplicativeLR",
                                                            lr_lambda=[lambda e: 0.95, lambda e: 1 / (1 + 0.1 * e)])),
    "PolynomialLR": ("SGD", lambda T, o: _sub(T, o, "PolynomialLR", total_iters=12, power=2.0)),
    "PolynomialLR-default": ("SGD", lambda T, o: _sub(T, o, "PolynomialLR")),
    "SequentialLR-constant-polynomial": ("SGD", lambda T, o: _sub(T, o, "SequentialLR", schedulers=[
        _sub(T, o, "ConstantLR", factor=0.5, total_iters=3), _sub(T, o, "PolynomialLR", total_iters=10)],
        milestones=[4])),
    "OneCycleLR": ("SGD", lambda T, o: _sub(T, o, "OneCycleLR", max_lr=1.0, total_steps=STEPS + 1)),
    "OneCycleLR-linear-three-phase": ("SGD", lambda T, o: _sub(T, o, "OneCycleLR", max_lr=[0.2, 0.9],
                                                               epochs=4, steps_per_epoch=8, anneal_strategy="linear",
                                                               three_phase=True, pct_start=0.25)),
    "OneCycleLR-adam-betas": ("Adam", lambda T, o: _sub(T, o, "OneCycleLR", max_lr=0.3, total_steps=STEPS,
                                                        base_momentum=0.8, max_momentum=0.9, div_factor=10.0)),
    "OneCycleLR-no-momentum": ("Adagrad", lambda T, o: _sub(T, o, "OneCycleLR", max_lr=0.3, total_steps=STEPS,
                                                            cycle_momentum=False)),
    "SequentialLR": ("SGD", lambda T, o: _sub(T, o, "SequentialLR", schedulers=[
        _sub(T, o, "LinearLR", start_factor=0.1, total_iters=5), _sub(T, o, "CosineAnnealingLR", T_max=20)],
        milestones=[5])),
    "SequentialLR-three": ("SGD", lambda T, o: _sub(T, o, "SequentialLR", schedulers=[
        _sub(T, o, "ExponentialLR", gamma=0.8), _sub(T, o, "StepLR", step_size=3, gamma=0.5),
        _sub(T, o, "MultiStepLR", milestones=[2, 4], gamma=0.1)], milestones=[6, 15])),
    "CyclicLR": ("SGD", lambda T, o: _sub(T, o, "CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=4)),
    "CyclicLR-triangular2": ("SGD", lambda T, o: _sub(T, o, "CyclicLR", base_lr=[0.01, 0.02], max_lr=[0.1, 0.3],
                                                      step_size_up=3, step_size_down=5, mode="triangular2")),
    "CyclicLR-exp_range-adam": ("Adam", lambda T, o: _sub(T, o, "CyclicLR", base_lr=0.001, max_lr=0.01,
                                                          step_size_up=5, mode="exp_range", gamma=0.97,
                                                          base_momentum=0.85, max_momentum=0.95)),
    "CyclicLR-scale_fn": ("Adagrad", lambda T, o: _sub(T, o, "CyclicLR", base_lr=0.01, max_lr=0.2, step_size_up=2,
                                                       scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                                       scale_mode="iterations", cycle_momentum=False)),
    "CosineAnnealingWarmRestarts": ("SGD", lambda T, o: _sub(T, o, "CosineAnnealingWarmRestarts", T_0=7)),
    "CosineAnnealingWarmRestarts-T_mult": ("SGD", lambda T, o: _sub(T, o, "CosineAnnealingWarmRestarts", T_0=3,
                                                                    T_mult=2, eta_min=0.01)),
    "ChainedScheduler": ("SGD", lambda T, o: T.optim.lr_scheduler.ChainedScheduler([
        _sub(T, o, "ConstantLR", factor=0.4, total_iters=4), _sub(T, o, "ExponentialLR", gamma=0.9)])),
    "ChainedScheduler-three": ("SGD", lambda T, o: T.optim.lr_scheduler.ChainedScheduler([
        _sub(T, o, "StepLR", step_size=10, gamma=0.9), _sub(T, o, "LinearLR", start_factor=0.4, end_factor=0.6,
                                                            total_iters=4),
        _sub(T, o, "MultiplicativeLR", lr_lambda=lambda e: 0.97)], optimizer=o)),
}


def _trace(T, opt_name, make, steps=STEPS):
    """Each step's (lrs, momenta) after optimizer.step() and scheduler.step()."""
    opt = _optimizer(T, opt_name)
    sched = make(T, opt)
    out = [_snapshot(opt, sched)]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(_snapshot(opt, sched))
    return out, opt, sched


def _snapshot(opt, sched):
    moms = [g.get("momentum", g.get("betas")) for g in opt.param_groups]
    return list(sched.get_last_lr()), [g["lr"] for g in opt.param_groups], moms


@pytest.mark.parametrize("name", SCHEDULERS)
def test_sequence_matches_torch(name):
    opt_name, make = SCHEDULERS[name]
    m, _, _ = _trace(mytorch, opt_name, make)
    t, _, _ = _trace(torch, opt_name, make)
    assert m == t  # exactly: the same float operations in the same order


def _comparable(state):
    """A scheduler state_dict with nested schedulers flattened and Counters as dicts."""
    return {k: ([_comparable(s) for s in v] if k == "_schedulers" else dict(v) if isinstance(v, dict) else v)
            for k, v in state.items()}


@pytest.mark.parametrize("name", SCHEDULERS)
def test_state_dict_matches_torch(name):
    opt_name, make = SCHEDULERS[name]
    _, m_opt, m_sched = _trace(mytorch, opt_name, make, steps=9)
    _, t_opt, t_sched = _trace(torch, opt_name, make, steps=9)
    m_state, t_state = _comparable(m_sched.state_dict()), _comparable(t_sched.state_dict())
    if "lr_lambdas" in t_state:
        assert m_state.pop("lr_lambdas") == t_state.pop("lr_lambdas")
    for state in (m_state, t_state):  # torch's optimizer-step counter, not part of the schedule
        state.pop("_opt_called", None)
    assert m_state == t_state
    m_groups = m_opt.state_dict()["param_groups"]
    t_groups = t_opt.state_dict()["param_groups"]
    for mg, tg in zip(m_groups, t_groups):
        assert all(mg[k] == tg[k] for k in mg)


@pytest.mark.parametrize("name", SCHEDULERS)
def test_resume_continues_exactly(name):
    """10 steps, save optimizer + scheduler state, rebuild both, load, 20 more == 30 uninterrupted steps."""
    opt_name, make = SCHEDULERS[name]
    straight, _, _ = _trace(mytorch, opt_name, make)
    _, opt, sched = _trace(mytorch, opt_name, make, steps=10)
    opt_state, sched_state = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _optimizer(mytorch, opt_name)
    sched2 = make(mytorch, opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    resumed = [_snapshot(opt2, sched2)]
    for _ in range(STEPS - 10):
        opt2.step()
        sched2.step()
        resumed.append(_snapshot(opt2, sched2))
    assert resumed == straight[10:]


def test_multistep_state_from_json_keys():
    opt = _optimizer(mytorch)
    sched = mytorch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4])
    state = sched.state_dict()
    state["milestones"] = {str(k): v for k, v in state["milestones"].items()}  # as after a JSON round trip
    sched2 = mytorch.optim.lr_scheduler.MultiStepLR(_optimizer(mytorch), milestones=[7])
    sched2.load_state_dict(state)
    assert sched2.milestones == {2: 1, 4: 1}


def test_lambda_state_dict_keeps_callable_object_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)
    sched = mytorch.optim.lr_scheduler.LambdaLR(_optimizer(mytorch), [Warmup(5), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"n": 5}, None]
    other = mytorch.optim.lr_scheduler.LambdaLR(_optimizer(mytorch), [Warmup(99), lambda e: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].n == 5


METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
           0.7, 0.7, 0.7, 0.7, 0.7, 0.6, 0.6, 0.6]


@pytest.mark.parametrize("kw", [dict(patience=2), dict(patience=1, cooldown=2, factor=0.5),
                                dict(mode="max", patience=1, threshold=0.1, threshold_mode="abs"),
                                dict(patience=0, min_lr=[0.02, 0.3]), dict(patience=1, threshold_mode="abs",
                                                                           min_lr=0.001, eps=0.005)])
def test_reduce_on_plateau_matches_torch(kw):
    traces = {}
    for T in (mytorch, torch):
        opt = _optimizer(T)
        sched = T.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        trace = []
        for i, metric in enumerate(METRICS):
            opt.step()
            sched.step(T.tensor(metric) if i % 2 else metric)  # numbers and one-element tensors
            trace.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best,
                          sched.last_epoch))
        traces[T] = trace
        state = sched.state_dict()
        state.pop("optimizer", None)
        traces[T, "state"] = {k: v for k, v in state.items() if k != "_opt_called"}
    assert traces[mytorch] == traces[torch]
    assert traces[mytorch, "state"] == traces[torch, "state"]


def test_reduce_on_plateau_resume():
    def run(metrics, sched):
        for m in metrics:
            sched.step(m)
    opt = _optimizer(mytorch)
    sched = mytorch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    run(METRICS, sched)
    opt_a = _optimizer(mytorch)
    a = mytorch.optim.lr_scheduler.ReduceLROnPlateau(opt_a, patience=1, cooldown=1)
    run(METRICS[:9], a)
    opt_b = _optimizer(mytorch)
    b = mytorch.optim.lr_scheduler.ReduceLROnPlateau(opt_b, mode="max")
    opt_b.load_state_dict(copy.deepcopy(opt_a.state_dict()))
    b.load_state_dict(copy.deepcopy(a.state_dict()))
    run(METRICS[9:], b)
    assert b.get_last_lr() == sched.get_last_lr() and b.mode == "min" and b.best == sched.best


def test_initial_lr_recorded_and_chaining():
    """Construction records initial_lr; two chained schedulers compose multiplicatively, as torch's."""
    traces = {}
    for T in (mytorch, torch):
        opt = _optimizer(T)
        s1 = T.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
        s2 = T.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.5]
        trace = []
        for _ in range(10):
            opt.step()
            s1.step()
            s2.step()
            trace.append([g["lr"] for g in opt.param_groups])
        traces[T] = trace
    assert traces[mytorch] == traces[torch]


def test_deprecated_epoch_argument_uses_closed_form():
    traces = {}
    for T in (mytorch, torch):
        opt = _optimizer(T)
        sched = T.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(7)
        traces[T] = sched.get_last_lr()
    assert traces[mytorch] == traces[torch]


def test_get_lr_outside_step_warns():
    opt = _optimizer(mytorch)
    sched = mytorch.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()


def test_scheduler_step_before_optimizer_step_warns():
    messages = []
    for T in (mytorch, torch):
        opt = _optimizer(T)
        sched = T.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        T.optim.lr_scheduler.StepLR(opt, step_size=2)  # a second scheduler on the optimizer: tracking is shared
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`") as record:
            sched.step()
        messages.append(str(record[0].message))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()
    assert messages[0] == messages[1]


def test_no_reference_cycle():
    """The step-tracking wrapper holds the optimizer weakly: dropping both frees them without the gc."""
    opt = _optimizer(mytorch)
    sched = mytorch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
    ref = weakref.ref(opt)
    del opt, sched
    assert ref() is None


def _same_error(make, match):
    errors = []
    for T in (mytorch, torch):
        with pytest.raises(Exception) as info:
            make(T)
        errors.append(info.value)
    m, t = errors
    assert type(m) is type(t), (m, t)
    assert match in str(m) and match in str(t), (str(m), str(t))


ERRORS = [
    (lambda T: T.optim.lr_scheduler.StepLR(object(), step_size=2), "is not an Optimizer"),
    (lambda T: T.optim.lr_scheduler.StepLR(_optimizer(T), step_size=2, last_epoch=3), "initial_lr"),
    (lambda T: T.optim.lr_scheduler.LinearLR(_optimizer(T), start_factor=0), "Starting multiplicative factor"),
    (lambda T: T.optim.lr_scheduler.LinearLR(_optimizer(T), end_factor=1.5), "Ending multiplicative factor"),
    (lambda T: T.optim.lr_scheduler.ConstantLR(_optimizer(T), factor=1.5), "Constant multiplicative factor"),
    (lambda T: T.optim.lr_scheduler.MultiplicativeLR(_optimizer(T), lr_lambda=[lambda e: 1.0] * 5), "lr_lambdas"),
    (lambda T: T.optim.lr_scheduler.LambdaLR(_optimizer(T), [lambda e: 1.0]), "Expected 2 lr_lambdas, but got 1"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(T), factor=1.0), "Factor should be < 1.0."),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(T), mode="avg"), "mode avg is unknown!"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(T), threshold_mode="x"), "threshold mode x"),
    (lambda T: T.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(T), min_lr=[0.1]), "expected 2 min_lrs, got 1"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=1.0), "You must define either total_steps"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=1.0, total_steps=0), "positive integer"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=1.0, epochs=2, steps_per_epoch=-1),
     "Expected positive integer steps_per_epoch"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=1.0, total_steps=5, pct_start=1),
     "Expected float between 0 and 1 pct_start"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=1.0, total_steps=5, anneal_strategy="exp"),
     "anneal_strategy must be one of"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T), max_lr=[1.0], total_steps=5),
     "max_lr must have the same length as optimizer.param_groups"),
    (lambda T: T.optim.lr_scheduler.OneCycleLR(_optimizer(T, "Adagrad"), max_lr=1.0, total_steps=5),
     "optimizer must support momentum or beta1"),
    (lambda T: T.optim.lr_scheduler.SequentialLR(_optimizer(T), schedulers=[], milestones=[]),
     "expects at least one scheduler"),
    (lambda T: T.optim.lr_scheduler.CyclicLR(_optimizer(T), 0.1, 1.0, mode="cosine"), "mode is invalid"),
    (lambda T: T.optim.lr_scheduler.CyclicLR(_optimizer(T, "Adagrad"), 0.1, 1.0), "must support momentum or beta1"),
    (lambda T: T.optim.lr_scheduler.CyclicLR(_optimizer(T), [0.1], 1.0), "base_lr must have the same length"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(T), T_0=0), "positive integer T_0"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(T), T_0=2, T_mult=1.5),
     "integer T_mult >= 1"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(T), T_0=2, eta_min="0"),
     "float or int eta_min"),
    (lambda T: T.optim.lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(T), T_0=2).step(-1), "non-negative"),
    (lambda T: T.optim.lr_scheduler.ChainedScheduler([]), "expects at least one scheduler to be chained"),
    (lambda T: T.optim.lr_scheduler.ChainedScheduler([T.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(T))]),
     "does not support `ReduceLROnPlateau`"),
]


@pytest.mark.parametrize("make,match", ERRORS, ids=[m for _, m in ERRORS])
def test_errors(make, match):
    _same_error(make, match)


def test_sequential_errors():
    def milestones(T):
        opt = _optimizer(T)
        T.optim.lr_scheduler.SequentialLR(opt, [T.optim.lr_scheduler.StepLR(opt, 2)], milestones=[3])
    _same_error(milestones, "one more than the number of milestone points")

    def other_optimizer(T):
        opt = _optimizer(T)
        T.optim.lr_scheduler.SequentialLR(opt, [T.optim.lr_scheduler.StepLR(opt, 2),
                                                T.optim.lr_scheduler.StepLR(_optimizer(T), 2)], milestones=[3])
    _same_error(other_optimizer, "expects all schedulers to belong to the same optimizer")

    def plateau(T):
        opt = _optimizer(T)
        T.optim.lr_scheduler.SequentialLR(opt, [T.optim.lr_scheduler.ReduceLROnPlateau(opt)], milestones=[])
    _same_error(plateau, "does not support `ReduceLROnPlateau`")


def test_warm_restarts_fractional_epochs():
    """step(epoch) with fractions of an epoch (stepping per batch), over periods growing by T_mult."""
    lrs = []
    for T in (mytorch, torch):
        opt = _optimizer(T)
        sched = T.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3, eta_min=0.001)
        trace = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the deprecated epoch argument
            for i in range(40):
                opt.step()
                sched.step(i * 0.35)
                trace.append((sched.get_last_lr(), sched.T_i, sched.T_cur, sched.last_epoch))
        lrs.append(trace)
    assert lrs[0] == lrs[1]


def test_one_cycle_overrun():
    def overrun(T):
        opt = _optimizer(T)
        sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(4):
            opt.step()
            sched.step()
    _same_error(overrun, "Tried to step 4 times. The specified number of total steps is 3")


def test_schedule_drives_training_identically():
    """An Adam + OneCycleLR run over real gradients follows torch's parameters."""
    rng = np.random.default_rng(0)
    w0, x = rng.standard_normal((4,)), rng.standard_normal((16, 4))
    result = {}
    for T in (mytorch, torch):
        w = T.tensor(w0, requires_grad=True)
        opt = T.optim.Adam([w], lr=0.01)
        sched = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=20)
        for _ in range(20):
            opt.zero_grad()
            ((T.tensor(x) @ w).tanh() ** 2).mean().backward()
            opt.step()
            sched.step()
        result[T] = w.detach().numpy().copy()
    np.testing.assert_allclose(result[mytorch], result[torch], rtol=1e-12)


def test_deepcopied_optimizer_is_independent():
    """A copy of an optimizer a scheduler wraps steps its own parameters, not the original's."""
    opt = _optimizer(mytorch)
    mytorch.optim.lr_scheduler.StepLR(opt, step_size=2)
    twin = copy.deepcopy(opt)
    for group in twin.param_groups:
        for p in group["params"]:
            p.grad = mytorch.ones(p.shape)
    twin.step()
    assert all(p.tolist() == [0.0] * p.numel() for g in opt.param_groups for p in g["params"])
    assert all(p.tolist() != [0.0] * p.numel() for g in twin.param_groups for p in g["params"])
    assert [g["initial_lr"] for g in twin.param_groups] == [0.1, 0.5]
