"""Every optimizer against PyTorch's own OptimizerInfo database (`common_optimizers.optim_db`): each
configuration it lists for the CPU runs 20 closure steps in float64 on the same small model in mytorch and
in PyTorch, and the parameters agree after every step (1e-12, as tests/test_optim.py); the optimizer state
then matches PyTorch's, and a state_dict saved halfway and loaded into a fresh optimizer continues
bit for bit. Each optimizer also runs under the scheduler chains the database pairs it with."""
import copy
import inspect

import numpy as np
import pytest
import torch
from torch.testing._internal.common_optimizers import optim_db

import mytorch
from test_optim import _assert_params_equal, _same_error

STEPS = 20

# Options the database may list that concern accelerators, not the numbers a CPU step computes: each such
# configuration is left out, for the reason given.
NOT_FOR_CPU = {
    "fused": "fused=True selects PyTorch's CUDA/MPS fused kernels; mytorch's CPU kernels are always fused",
    "capturable": "capturable=True needs parameters on a CUDA-graph-capturable device (tested for its error)",
}


def _configs():
    """(optimizer name, kwargs, description) for every CPU configuration of optim_db."""
    out = []
    for info in optim_db:
        for inp in info.optim_inputs_func(device="cpu"):
            if any(inp.kwargs.get(flag) for flag in NOT_FOR_CPU):
                continue
            out.append((info.optim_cls.__name__, inp.kwargs, inp.desc))
    return out


CONFIGS = _configs()
# LBFGS forms curvature pairs from dot products (y.s, y.y, s.q) that PyTorch's BLAS sums in another order
# than ours (as its multi-tensor and single-tensor paths also differ); the two-loop recursion over up to
# 20 pairs per step magnifies those last-bit differences into the 1e-12s (more with the BLAS of a CPU without
# AVX-512), so its parameters and losses get 1e-10 / 1e-11, and its
# state (al = rho s.q sums terms of opposite signs) 1e-8.
TOLERANCE = {"LBFGS": dict(rtol=1e-10, atol=1e-11)}
STATE_TOLERANCE = {"LBFGS": dict(rtol=1e-8, atol=1e-10)}
NAMES = sorted({name for name, _, _ in CONFIGS})


def _to_mytorch(value):
    return mytorch.tensor(value.numpy()) if isinstance(value, torch.Tensor) else value


def _problem(T, name):
    """A small regression, loss = mean((tanh(x W^T + b) - y)^2) + 0.1 |W|^2 over float64 parameters W (3x4)
    and b (3); Muon optimizes matrices only, so it gets W alone (b stays fixed). Returns (params, closure).

    The closure computes the loss and gradients in NumPy, from the parameters' values, for both frameworks:
    so both optimizers see bit-identical gradients wherever their parameters agree, and a difference left is
    the optimizer's own (as in tests/test_optim.py). LBFGS's differences of gradients y = g' - g would
    otherwise magnify an autograd rounding difference of one ulp into the 1e-10s."""
    rng = np.random.default_rng(0)
    w0, b0, x, y = (rng.standard_normal(s) for s in [(3, 4), (3,), (8, 4), (8, 3)])
    w, b = T.tensor(w0, requires_grad=True), T.tensor(b0, requires_grad=name != "Muon")
    params = [w] if name == "Muon" else [w, b]

    def closure():
        wv, bv = w.detach().numpy(), b.detach().numpy()
        a = np.tanh(x @ wv.T + bv)
        loss = ((a - y) ** 2).mean() + 0.1 * (wv ** 2).sum()
        dz = 2 * (a - y) / y.size * (1 - a ** 2)
        grads = [dz.T @ x + 0.2 * wv, dz.sum(0)]
        for p, g in zip(params, grads):
            g = T.tensor(g)
            # PyTorch's SparseAdam takes only sparse gradients: the same values as a sparse tensor
            p.grad = g.to_sparse() if name == "SparseAdam" and T is torch else g
        return T.tensor(loss)
    return params, closure


def _optimizers(name, kwargs):
    m_params, m_closure = _problem(mytorch, name)
    t_params, t_closure = _problem(torch, name)
    m_opt = getattr(mytorch.optim, name)(m_params, **{k: _to_mytorch(v) for k, v in kwargs.items()})
    t_opt = getattr(torch.optim, name)(t_params, **kwargs)
    return (m_params, m_opt, m_closure), (t_params, t_opt, t_closure)


def _values(x):
    """A state entry as plain numbers: tensors to arrays, lists elementwise."""
    if isinstance(x, (list, tuple)):
        return [_values(v) for v in x]
    if isinstance(x, (mytorch.Tensor, torch.Tensor)):
        return x.detach().numpy()
    return x


def _assert_state_matches(name, m_opt, t_opt):
    m_sd, t_sd = m_opt.state_dict(), t_opt.state_dict()
    for mg, tg in zip(m_sd["param_groups"], t_sd["param_groups"]):
        assert list(mg) == list(tg)
        assert all(_values(mg[k]) == _values(tg[k]) for k in mg if k not in ("lr", "params"))
    assert sorted(m_sd["state"]) == sorted(t_sd["state"])
    for i, t_state in t_sd["state"].items():
        m_state = m_sd["state"][i]
        assert list(m_state) == list(t_state)
        for key, tv in t_state.items():
            mv = m_state[key]
            if isinstance(tv, torch.Tensor) and not (name == "LBFGS" and tv.ndim == 0):  # its floats: lbfgs.py
                assert str(mv.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], key
            np.testing.assert_allclose(np.asarray(_values(mv), dtype=float), np.asarray(_values(tv), dtype=float),
                                       err_msg=key, **STATE_TOLERANCE.get(name, dict(rtol=1e-10, atol=1e-13)))


def _resumed(T, name, opt, params):
    """A fresh optimizer of the class (default options) on copies of params, loaded with opt's state_dict."""
    r_params, r_closure = _problem(T, name)
    with T.no_grad():
        for r, p in zip(r_params, params):
            r.copy_(p)
    resumed = getattr(T.optim, name)(r_params)
    resumed.load_state_dict(copy.deepcopy(opt.state_dict()))
    return r_params, resumed, r_closure


@pytest.mark.parametrize("name,kwargs,desc", CONFIGS, ids=[f"{n}-{d}" for n, _, d in CONFIGS])
def test_trajectory_and_resume_match_torch(name, kwargs, desc):
    (m_params, m_opt, m_closure), (t_params, t_opt, t_closure) = _optimizers(name, kwargs)
    for step in range(STEPS):
        m_loss, t_loss = m_opt.step(m_closure), t_opt.step(t_closure)
        np.testing.assert_allclose(m_loss.item(), t_loss.item(), err_msg=f"step {step}",
                                   **TOLERANCE.get(name, dict(rtol=1e-12)))
        _assert_params_equal(m_params, t_params, **TOLERANCE.get(name, {}))
        if step == STEPS // 2 - 1:
            _assert_state_matches(name, m_opt, t_opt)
            m_resume, t_resume = _resumed(mytorch, name, m_opt, m_params), _resumed(torch, name, t_opt, t_params)
    # the resumed runs continue as PyTorch's: bit for bit where PyTorch's does (loading casts scalar state
    # such as ASGD's eta to the parameter's dtype, in both), and equal to PyTorch's resumed run
    for (params, opt, closure) in (m_resume, t_resume):
        for _ in range(STEPS // 2):
            opt.step(closure)
    _assert_params_equal(m_resume[0], t_resume[0], **TOLERANCE.get(name, {}))
    exact = [all(np.array_equal(r.detach().numpy(), p.detach().numpy()) for r, p in zip(resume[0], params))
             for resume, params in ((m_resume, m_params), (t_resume, t_params))]
    assert exact[0] == exact[1]


def _scheduler_inputs():
    return [(info.optim_cls.__name__, i) for info in optim_db for i in range(len(info.scheduler_inputs))]


def _as_mytorch_scheduler(t_sched, m_opt):
    """The mytorch scheduler of t_sched's class, built with the constructor arguments t_sched holds."""
    cls = getattr(mytorch.optim.lr_scheduler, type(t_sched).__name__)
    names = [n for n in list(inspect.signature(type(t_sched).__init__).parameters)[2:] if n != "last_epoch"]
    return cls(m_opt, **{n: getattr(t_sched, n) for n in names if hasattr(t_sched, n)})


@pytest.mark.parametrize("name,index", _scheduler_inputs())
def test_scheduler_inputs_match_torch(name, index):
    """The optimizer's default configuration, its lr driven by the database's scheduler chain."""
    info = next(i for i in optim_db if i.optim_cls.__name__ == name)
    (m_params, m_opt, m_closure), (t_params, t_opt, t_closure) = _optimizers(name, {})
    t_scheds = [make(t_opt) for make in info.scheduler_inputs[index]]
    m_scheds = [_as_mytorch_scheduler(s, m_opt) for s in t_scheds]
    for _ in range(STEPS):
        m_loss, t_loss = m_opt.step(m_closure), t_opt.step(t_closure)
        for m_s, t_s in zip(m_scheds, t_scheds):
            if isinstance(t_s, torch.optim.lr_scheduler.ReduceLROnPlateau):
                m_s.step(m_loss.item())
                t_s.step(t_loss.item())
            else:
                m_s.step()
                t_s.step()
        assert [g["lr"] for g in m_opt.param_groups] == pytest.approx([g["lr"] for g in t_opt.param_groups],
                                                                       rel=1e-15)
        _assert_params_equal(m_params, t_params, **TOLERANCE.get(name, {}))


ERRORS = [
    ("Adamax", dict(lr=-1), "Invalid learning rate"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value"),
    ("NAdam", dict(eps=-1), "Invalid epsilon value"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values"),
    ("Rprop", dict(lr=-0.5), "Invalid learning rate"),
]


@pytest.mark.parametrize("name,kw,match", ERRORS, ids=[f"{n}-{m}" for n, _, m in ERRORS])
def test_hyperparameter_errors(name, kw, match):
    _same_error(lambda T: getattr(T.optim, name)([T.zeros(1, requires_grad=True)], **kw), match)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_capturable_refused_on_cpu(name):
    """As PyTorch: capturable=True needs a capturable device, and a CPU step says so."""
    p = mytorch.zeros(2, requires_grad=True)
    opt = getattr(mytorch.optim, name)([p], capturable=True)
    p.grad = mytorch.ones(2)
    with pytest.raises(AssertionError, match="If capturable=True, params and state_steps must be on supported"):
        opt.step()


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_differentiable_step(name):
    """differentiable=True records the step: the updated parameter's gradients with respect to the value
    before the step and to the gradient, as PyTorch's (one step: a second in-place step overwrites state the
    first saved, in PyTorch as here)."""
    results = []
    for T in (mytorch, torch):
        rng = np.random.default_rng(0)
        p0, g = (T.tensor(rng.standard_normal(5), requires_grad=True) for _ in range(2))
        p = p0.clone()  # a non-leaf: allowed because the optimizer is differentiable
        opt = getattr(T.optim, name)([p], lr=0.1, differentiable=True)
        p.grad = g * 2
        opt.step()
        (p * T.arange(5.0, dtype=T.float64)).sum().backward()
        results.append([p.detach().numpy(), p0.grad.numpy(), g.grad.numpy()])
    # NAdam's differentiable step keeps mu_product a float32 tensor in its step factors, and PyTorch divides a
    # number by a tensor as number * reciprocal (two roundings to float32, ours one): a float32 ulp apart
    tol = dict(rtol=1e-7, atol=1e-8) if name == "NAdam" else dict(rtol=1e-12, atol=1e-14)
    for m, t in zip(*results):
        np.testing.assert_allclose(m, t, **tol)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"])
def test_fused_kernel_optimizers_refuse_differentiable(name):
    """Their step is one backend kernel that autograd does not record: said at construction, not ignored."""
    with pytest.raises(NotImplementedError, match=f"{name}\\(differentiable=True\\)"):
        getattr(mytorch.optim, name)([mytorch.zeros(1, requires_grad=True)], lr=0.1, differentiable=True)


@pytest.mark.parametrize("name,kw", [(n, kw) for n in ("SGD", "Adam", "AdamW", "Adagrad")
                                     for kw in (dict(fused=True, foreach=True), dict(fused=True, differentiable=True))])
def test_fused_refusals(name, kw):
    _same_error(lambda T: getattr(T.optim, name)([T.zeros(1, requires_grad=True)], lr=0.1, **kw), "`fused`")


@pytest.mark.parametrize("name,kw", [("SGD", dict(fused=True)), ("Adam", dict(foreach=False, fused=True)),
                                     ("AdamW", dict(fused=True)), ("Adagrad", dict(foreach=True)),
                                     ("RMSprop", dict(foreach=True)), ("Adadelta", dict(foreach=True))])
def test_implementation_switches_accepted(name, kw):
    """PyTorch's foreach/fused switches choose an implementation, not the numbers: same steps as without."""
    (m_params, m_opt, m_closure), (t_params, t_opt, t_closure) = _optimizers(name, kw)
    for _ in range(3):
        m_opt.step(m_closure)
        t_opt.step(t_closure)
    _assert_params_equal(m_params, t_params)
    assert all(m_opt.param_groups[0][k] == v for k, v in kw.items())


def test_tensor_lr_must_have_one_element():
    _same_error(lambda T: T.optim.Adamax([T.zeros(1, requires_grad=True)], lr=T.tensor([0.1, 0.2])),
                "Tensor lr must be 1-element")


def test_every_optimizer_of_the_database_exists():
    assert NAMES == sorted(info.optim_cls.__name__ for info in optim_db)


@pytest.mark.parametrize("sparse", [False, True])
def test_sparse_adam_leaves_rows_without_gradient_alone(sparse):
    """An embedding-like parameter whose gradient skips rows: PyTorch's SparseAdam gets the row-sparse
    gradient, ours the same or the dense one with those rows zero; rows without a gradient keep value and
    moments."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((6, 3))
    m_p, t_p = mytorch.tensor(w0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    m_opt, t_opt = mytorch.optim.SparseAdam([m_p], lr=0.1), torch.optim.SparseAdam([t_p], lr=0.1)
    for rows in ([0, 2], [2, 5], [1, 2, 3], [5]):
        g = np.zeros((6, 3))
        g[rows] = rng.standard_normal((len(rows), 3))
        m_p.grad, t_p.grad = mytorch.tensor(g), torch.tensor(g).to_sparse(1)
        if sparse:
            m_p.grad = m_p.grad.to_sparse(1)
        m_opt.step()
        t_opt.step()
        _assert_params_equal([m_p], [t_p])
    assert m_p[4].tolist() == w0[4].tolist() and m_opt.state[m_p]["exp_avg"][4].tolist() == [0.0] * 3
    np.testing.assert_allclose(m_opt.state[m_p]["exp_avg_sq"].numpy(), t_opt.state[t_p]["exp_avg_sq"].numpy(),
                               rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Sparse invariant checks")
def test_sparse_adam_updates_every_entry_a_sparse_gradient_lists():
    """A sparse gradient's listed zeros are present (their moments decay), as in PyTorch."""
    params, opts = {}, {}
    for T in (mytorch, torch):
        params[T] = T.ones(3, 2, dtype=T.float64, requires_grad=True)
        opts[T] = T.optim.SparseAdam([params[T]], lr=0.1)
    for values in ([[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [5.0, 6.0]]):
        for T in (mytorch, torch):
            params[T].grad = T.sparse_coo_tensor([[0, 2]], T.tensor(values, dtype=T.float64), (3, 2))
            opts[T].step()
        _assert_params_equal([params[mytorch]], [params[torch]])
