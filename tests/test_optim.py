"""Optimizers vs PyTorch: 10 steps on the same parameters and gradients give the same values (float64 to
1e-12), for every optimizer and combination of options, through the NumPy backend's fused kernels and
through the composite fallback of `backends.base.Backend`; state_dict format and exact resumption;
parameter groups, zero_grad, closures, repr and PyTorch's errors."""
import copy
import itertools
import warnings

import numpy as np
import pytest
import torch

import mytorch
from mytorch.backends.base import Backend

SHAPES = [(3, 4), (5,), ()]
KERNELS = ("sgd_update", "adam_update", "rmsprop_update", "adagrad_update")


def _combos(**options):
    """Every combination of the given option values, as kwargs dicts."""
    names = list(options)
    return [dict(zip(names, values)) for values in itertools.product(*options.values())]


CASES = (
    [("SGD", dict(lr=0.1, **c)) for c in _combos(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                                                  weight_decay=[0, 0.1], maximize=[False, True])
     if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0))]
    + [("Adam", dict(lr=0.1, **c)) for c in _combos(amsgrad=[False, True], weight_decay=[0, 0.1],
                                                     maximize=[False, True], decoupled_weight_decay=[False, True],
                                                     betas=[(0.9, 0.999), (0.3, 0.6)])]
    + [("AdamW", dict(lr=0.05, **c)) for c in _combos(amsgrad=[False, True], weight_decay=[0, 0.1],
                                                       maximize=[False, True])]
    + [("RMSprop", dict(lr=0.01, **c)) for c in _combos(centered=[False, True], momentum=[0, 0.9],
                                                         weight_decay=[0, 0.1], maximize=[False, True],
                                                         alpha=[0.99, 0.3])]
    + [("Adagrad", dict(lr=0.1, **c)) for c in _combos(lr_decay=[0, 0.1], weight_decay=[0, 0.1],
                                                        initial_accumulator_value=[0, 0.5], maximize=[False, True])]
    + [("Adadelta", dict(**c)) for c in _combos(lr=[1.0, 0.1], rho=[0.9, 0.5], weight_decay=[0, 0.1],
                                                 maximize=[False, True])]
    + [("Adam", dict(lr=0.1, eps=1e-3)), ("RMSprop", dict(lr=0.01, eps=1e-3)), ("Adadelta", dict(eps=1e-3)),
       ("Adagrad", dict(lr=0.1, eps=1e-3)), ("SGD", dict(lr=0.1))]
)


def _case_id(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items() if k != "lr")


@pytest.fixture(params=["fused", "composite"])
def kernels(request, backend, monkeypatch):
    """'fused': the backend's own update kernels; 'composite': `Backend`'s fallback built from primitives."""
    if request.param == "composite":
        be = type(mytorch.zeros(1)._backend)
        for name in KERNELS:
            monkeypatch.setattr(be, name, getattr(Backend, name))
    return request.param


def _arrays(shapes, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _params(T, arrays):
    return [T.tensor(a.copy(), requires_grad=True) for a in arrays]


def _run(T, opt, params, grads_per_step):
    for grads in grads_per_step:
        for p, g in zip(params, grads):
            p.grad = T.tensor(g)
        opt.step()


def _assert_params_equal(m_params, t_params, rtol=1e-12, atol=1e-14):
    for mp, tp in zip(m_params, t_params):
        np.testing.assert_allclose(mp.detach().numpy(), tp.detach().numpy(), rtol=rtol, atol=atol)


def _assert_state_equal(m_opt, t_opt, rtol=1e-12, atol=1e-14):
    m_sd, t_sd = m_opt.state_dict(), t_opt.state_dict()
    assert sorted(m_sd["state"]) == sorted(t_sd["state"])
    for i, t_state in t_sd["state"].items():
        m_state = m_sd["state"][i]
        assert list(m_state) == list(t_state), (list(m_state), list(t_state))
        for key, tv in t_state.items():
            mv = m_state[key]
            assert str(mv.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], key
            np.testing.assert_allclose(mv.numpy(), tv.numpy(), rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_ten_steps_match_torch(case, kernels):
    name, kw = case
    init = _arrays(SHAPES, 0)
    grads = [_arrays(SHAPES, 1 + k) for k in range(10)]
    m_params, t_params = _params(mytorch, init), _params(torch, init)
    m_opt = getattr(mytorch.optim, name)(m_params, **kw)
    t_opt = getattr(torch.optim, name)(t_params, **kw)
    _run(mytorch, m_opt, m_params, grads)
    _run(torch, t_opt, t_params, grads)
    _assert_params_equal(m_params, t_params)
    _assert_state_equal(m_opt, t_opt)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                                     ("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.01))])
def test_float32_and_large_params(name, kw, kernels):
    """float32, and a parameter big enough that the NumPy kernels run chunk by chunk."""
    shapes = [(300, 301), (7,)]
    init = _arrays(shapes, 0, np.float32)
    grads = [_arrays(shapes, 1 + k, np.float32) for k in range(4)]
    m_params, t_params = _params(mytorch, init), _params(torch, init)
    m_opt = getattr(mytorch.optim, name)(m_params, **kw)
    t_opt = getattr(torch.optim, name)(t_params, **kw)
    _run(mytorch, m_opt, m_params, grads)
    _run(torch, t_opt, t_params, grads)
    assert m_params[0].dtype is mytorch.float32
    _assert_params_equal(m_params, t_params, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)),
                                     ("RMSprop", dict(lr=0.01, centered=True)), ("Adagrad", dict(lr=0.1))])
def test_half_precision(name, kw, dtype):
    """Half-precision parameters: torch rounds once per op from float32, as NumPy does: equal to an ulp or two."""
    results = []
    for T in (mytorch, torch):
        p = T.tensor(np.linspace(-1, 1, 8), dtype=getattr(T, dtype)).requires_grad_()
        opt = getattr(T.optim, name)([p], **kw)
        for k in range(5):
            p.grad = T.tensor(np.cos(np.arange(8) * k + 1.0), dtype=getattr(T, dtype))
            opt.step()
        assert str(p.dtype).endswith(dtype)
        results.append(p.detach().float().numpy())
    np.testing.assert_allclose(results[0], results[1], atol=4e-3)


def test_gradient_must_match_parameter():
    p = mytorch.zeros(3, requires_grad=True)
    opt = mytorch.optim.SGD([p], lr=0.1)
    for bad in (mytorch.zeros(1), mytorch.zeros(3, dtype=mytorch.float64)):
        with pytest.raises(RuntimeError, match="attempting to assign a gradient"):  # refused as PyTorch does
            p.grad = bad
        p._grad = bad  # past that check (as a faulty custom backward could), the update kernel still refuses it
        with pytest.raises(RuntimeError, match="sgd_update: the gradient .* must match its parameter"):
            opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_training_through_backward(name):
    """Gradients from backward (a broadcast gradient included), on a non-contiguous parameter."""
    rng = np.random.default_rng(0)
    w0, x, y = rng.standard_normal((3, 4)), rng.standard_normal((8, 4)), rng.standard_normal((8, 3))
    kw = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=0.05)
    losses = {}
    for T in (mytorch, torch):
        w = T.tensor(w0.T.copy()).t().requires_grad_()  # a transposed leaf
        b = T.zeros(3, dtype=T.float64, requires_grad=True)
        opt = getattr(T.optim, name)([w, b], **kw)
        losses[T] = []
        for _ in range(10):
            opt.zero_grad()
            loss = ((T.tensor(x) @ w.t() + b - T.tensor(y)) ** 2).mean() + b.sum()  # b.sum(): an expanded grad
            loss.backward()
            opt.step()
            losses[T].append(loss.item())
        assert not w.is_contiguous()
    np.testing.assert_allclose(losses[mytorch], losses[torch], rtol=1e-12)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1, amsgrad=True)),
                                     ("AdamW", dict(lr=0.1)), ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1, lr_decay=0.1))])
def test_resume_is_bit_exact(name, kw):
    """5 steps, state_dict, a fresh optimizer loads it, 5 more steps == 10 uninterrupted steps, bit for bit."""
    init = _arrays(SHAPES, 0)
    grads = [_arrays(SHAPES, 1 + k) for k in range(10)]
    make = getattr(mytorch.optim, name)
    straight = _params(mytorch, init)
    _run(mytorch, make(straight, **kw), straight, grads)

    first = _params(mytorch, init)
    opt = make(first, **kw)
    _run(mytorch, opt, first, grads[:5])
    saved = copy.deepcopy(opt.state_dict())
    resumed = [mytorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = make(resumed, lr=123.0)  # hyperparameters come from the saved groups
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    _run(mytorch, opt2, resumed, grads[5:])
    for a, b in zip(resumed, straight):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_load_does_not_alias_the_given_state_dict():
    p = mytorch.tensor([1.0, 2.0], requires_grad=True)
    opt = mytorch.optim.Adam([p], lr=0.1)
    p.grad = mytorch.tensor([0.5, -0.5])
    opt.step()
    sd = opt.state_dict()
    opt2 = mytorch.optim.Adam([p], lr=0.1)
    opt2.load_state_dict(sd)
    opt2.step()
    assert sd["state"][0]["step"].item() == 1.0
    assert opt2.state[p]["step"].item() == 2.0


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1))])
def test_state_dict_format_and_torch_interchange(name, kw):
    """Same structure as torch's state_dict; torch's state_dict loads into mytorch and continues identically."""
    init = _arrays(SHAPES, 0)
    grads = [_arrays(SHAPES, 1 + k) for k in range(6)]
    m_params, t_params = _params(mytorch, init), _params(torch, init)
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05}]  # noqa: E731
    m_opt = getattr(mytorch.optim, name)(groups(m_params), **kw)
    t_opt = getattr(torch.optim, name)(groups(t_params), **kw)
    _run(mytorch, m_opt, m_params, grads[:3])
    _run(torch, t_opt, t_params, grads[:3])
    m_sd, t_sd = m_opt.state_dict(), t_opt.state_dict()
    assert set(m_sd) == {"state", "param_groups"}
    assert [g["params"] for g in m_sd["param_groups"]] == [[0], [1, 2]] == [g["params"] for g in t_sd["param_groups"]]
    for mg, tg in zip(m_sd["param_groups"], t_sd["param_groups"]):
        assert set(mg) <= set(tg)  # torch adds its implementation switches (foreach, fused, ...)
        assert all(mg[k] == tg[k] for k in mg if k != "params")
    _assert_state_equal(m_opt, t_opt)

    # torch's state dict, tensors converted, drives a mytorch optimizer
    converted = {"state": {i: {k: mytorch.tensor(v.numpy()) for k, v in s.items()} for i, s in t_sd["state"].items()},
                 "param_groups": t_sd["param_groups"]}
    m2 = [mytorch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in t_params]
    m_opt2 = getattr(mytorch.optim, name)(groups(m2), **kw)
    m_opt2.load_state_dict(converted)
    _run(mytorch, m_opt2, m2, grads[3:])
    _run(torch, t_opt, t_params, grads[3:])
    _assert_params_equal(m2, t_params)


def test_load_state_dict_fills_missing_options():
    """A saved group without an option (an older checkpoint) takes the optimizer's default."""
    p = mytorch.zeros(2, requires_grad=True)
    sd = mytorch.optim.AdamW([p]).state_dict()
    del sd["param_groups"][0]["decoupled_weight_decay"], sd["param_groups"][0]["maximize"]
    opt = mytorch.optim.AdamW([p])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True and opt.param_groups[0]["maximize"] is False


def test_load_state_dict_string_ids_and_dtype_cast():
    """Ids that came back as strings (a JSON checkpoint) still map; state is cast to the parameter's dtype."""
    p = mytorch.tensor([1.0, 2.0], dtype=mytorch.float32, requires_grad=True)
    opt = mytorch.optim.Adam([p])
    p.grad = mytorch.tensor([0.5, -0.5], dtype=mytorch.float32)
    opt.step()
    sd = opt.state_dict()
    sd = {"state": {str(k): {n: v.double() if n != "step" else v for n, v in s.items()}
                    for k, s in sd["state"].items()}, "param_groups": sd["param_groups"]}
    opt2 = mytorch.optim.Adam([p])
    opt2.load_state_dict(sd)
    assert opt2.state[p]["exp_avg"].dtype is mytorch.float32
    assert opt2.state[p]["step"].dtype is mytorch.float32


def test_update_is_in_place():
    p = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    view = p.detach()[1:]
    ptr, version = p.data_ptr(), p._version
    opt = mytorch.optim.Adam([p], lr=0.5)
    p.grad = mytorch.ones(3)
    opt.step()
    assert p.data_ptr() == ptr and p._version > version
    assert view[0].item() == p[1].item() != 2.0
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_param_groups_and_add_param_group():
    a, b, c = (mytorch.zeros(2, requires_grad=True) for _ in range(3))
    opt = mytorch.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"][0] is b and opt.param_groups[1]["momentum"] == 0.9
    opt.add_param_group({"params": [c], "momentum": 0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0
    for p in (a, b, c):
        p.grad = mytorch.ones(2)
    opt.step()
    np.testing.assert_allclose([a[0].item(), b[0].item(), c[0].item()], [-0.1, -0.5, -0.1])
    assert set(map(id, opt.state)) == {id(a), id(b)}  # no momentum, no state (as torch)
    named = mytorch.optim.Adam([("w", a), ("b", b)])
    assert named.param_groups[0]["param_names"] == ["w", "b"]
    assert named.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]


def test_zero_grad_and_skipped_params():
    a, b = mytorch.ones(2, requires_grad=True), mytorch.ones(2, requires_grad=True)
    opt = mytorch.optim.Adam([a, b], lr=0.1)
    a.grad = mytorch.ones(2)
    opt.step()  # b has no grad: untouched, no state
    assert b.tolist() == [1.0, 1.0] and b not in opt.state and a in opt.state
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0] and not a.grad.requires_grad
    opt.zero_grad()
    assert a.grad is None


def test_step_closure():
    calls = []
    for T in (mytorch, torch):
        w = T.tensor([1.0, -2.0], requires_grad=True)
        opt = T.optim.SGD([w], lr=0.1)

        def closure():
            opt.zero_grad()
            loss = (w ** 2).sum()
            assert T.is_grad_enabled()
            loss.backward()
            return loss
        with T.no_grad():
            loss = opt.step(closure)
        calls.append((loss.item(), w.tolist()))
    assert calls[0] == calls[1]


def test_repr_matches_torch():
    a, b = [mytorch.zeros(2, requires_grad=True) for _ in range(2)]
    ta, tb = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"):
        m = getattr(mytorch.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.5}])
        t = getattr(torch.optim, name)([{"params": [ta]}, {"params": [tb], "lr": 0.5}])
        extra = set(t.param_groups[0]) - set(m.param_groups[0])
        expected = "\n".join(line for line in repr(t).split("\n") if line.strip().split(":")[0] not in extra)
        assert repr(m) == expected


def test_adagrad_state_exists_before_first_step():
    p, tp = mytorch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    m = mytorch.optim.Adagrad([p], initial_accumulator_value=0.25)
    t = torch.optim.Adagrad([tp], initial_accumulator_value=0.25)
    assert list(m.state_dict()["state"][0]) == list(t.state_dict()["state"][0]) == ["step", "sum"]
    assert m.state[p]["sum"].tolist() == [0.25, 0.25]


def test_default_dtype_float64_step_counter():
    mytorch.set_default_dtype(mytorch.float64)
    p = mytorch.zeros(2, requires_grad=True)
    opt = mytorch.optim.Adam([p])
    p.grad = mytorch.ones(2)
    opt.step()
    assert opt.state[p]["step"].dtype is mytorch.float64


def test_parameter_subclass():
    p = mytorch.nn.Parameter(mytorch.ones(3))
    opt = mytorch.optim.SGD([p], lr=1.0)
    p.grad = mytorch.ones(3)
    opt.step()
    assert isinstance(p, mytorch.nn.Parameter) and p.tolist() == [0.0, 0.0, 0.0]


def _same_error(make, match=None):
    """make(T) raises the same exception type with the same message in mytorch and in torch."""
    errors = []
    for T in (mytorch, torch):
        with pytest.raises(Exception) as info:
            make(T)
        errors.append(info.value)
    m, t = errors
    assert type(m) is type(t), (m, t)
    assert str(m) == str(t)
    if match:
        assert match in str(m)


ERRORS = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(momentum=-1), "Invalid momentum value"),
    ("SGD", dict(weight_decay=-1), "Invalid weight_decay value"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    ("Adam", dict(lr=-1), "Invalid learning rate"),
    ("Adam", dict(eps=-1), "Invalid epsilon value"),
    ("Adam", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    ("Adam", dict(weight_decay=-1), "Invalid weight_decay value"),
    ("AdamW", dict(lr=-1), "Invalid learning rate"),
    ("RMSprop", dict(alpha=-1), "Invalid alpha value"),
    ("RMSprop", dict(momentum=-1), "Invalid momentum value"),
    ("RMSprop", dict(eps=-1), "Invalid epsilon value"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value"),
]


@pytest.mark.parametrize("name,kw,match", ERRORS, ids=[f"{n}-{m}" for n, _, m in ERRORS])
def test_hyperparameter_errors(name, kw, match):
    _same_error(lambda T: getattr(T.optim, name)([T.zeros(1, requires_grad=True)], **kw), match)


def test_param_errors():
    def leaf(T):
        return T.zeros(2, requires_grad=True)
    _same_error(lambda T: T.optim.SGD([], lr=0.1), "empty parameter list")
    _same_error(lambda T: T.optim.SGD(leaf(T), lr=0.1), "torch.FloatTensor")
    _same_error(lambda T: T.optim.SGD([leaf(T), 1.0], lr=0.1), "one of the params is float")
    _same_error(lambda T: T.optim.SGD([leaf(T) * 2], lr=0.1), "non-leaf")
    _same_error(lambda T: T.optim.SGD([{"params": {leaf(T)}}], lr=0.1), "ordered collections")

    def overlapping(T):
        p = leaf(T)
        T.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    _same_error(overlapping, "more than one parameter group")

    def names_mixed(T):
        T.optim.SGD([("a", leaf(T)), leaf(T)], lr=0.1)
    _same_error(names_mixed, "Some param names are missing")

    def not_a_dict(T):
        T.optim.SGD([leaf(T)], lr=0.1).add_param_group([leaf(T)])
    errors = []
    for T in (mytorch, torch):
        with pytest.raises(TypeError) as info:
            not_a_dict(T)
        errors.append(str(info.value))
    assert errors[0].startswith("param_group must be a dict") and errors[1].startswith("param_group must be a dict")

    for T in (mytorch, torch):
        p = leaf(T)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            T.optim.SGD([p, p], lr=0.1)


def test_load_state_dict_errors():
    def mismatch(groups_saved, groups_new):
        def make(T):
            ps = [T.zeros(1, requires_grad=True) for _ in range(3)]
            sd = T.optim.SGD(groups_saved(ps), lr=0.1).state_dict()
            T.optim.SGD(groups_new(ps), lr=0.1).load_state_dict(sd)
        return make
    _same_error(mismatch(lambda ps: [{"params": ps[:1]}, {"params": ps[1:]}], lambda ps: ps),
                "different number of parameter groups")
    _same_error(mismatch(lambda ps: ps[:2], lambda ps: ps), "doesn't match the size")


def test_no_warnings_on_step():
    p = mytorch.zeros(3, requires_grad=True)
    opt = mytorch.optim.Adam([p])
    p.grad = mytorch.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
