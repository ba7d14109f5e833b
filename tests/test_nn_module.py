"""nn.Parameter, nn.Module and the containers vs PyTorch.

Each test builds the same module structure in both frameworks from tiny
layers defined here (so the tests do not depend on the real layers) and
compares names, order, reprs, errors and hook behaviour.
"""
from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mytorch

FRAMEWORKS = (mytorch, torch)


def _layers(T):
    """Tiny layers written once against the shared API, as classes of framework T."""

    class Affine(T.nn.Module):
        def __init__(self, i, o, bias=True):
            super().__init__()
            self.i, self.o = i, o
            self.weight = T.nn.Parameter(T.ones(o, i) / (i * o))
            if bias:
                self.bias = T.nn.Parameter(T.arange(o, dtype=T.float32) / 10)
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.t()
            return y if self.bias is None else y + self.bias

        def extra_repr(self):
            return f"in_features={self.i}, out_features={self.o}, bias={self.bias is not None}"

    class Norm(T.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.scale = T.nn.Parameter(T.ones(n))
            self.register_buffer("running_mean", T.zeros(n))
            self.register_buffer("num_batches_tracked", T.tensor(0))
            self.register_buffer("scratch", T.zeros(n), persistent=False)
            self.register_buffer("unset", None)

        def forward(self, x):
            return x * self.scale

        def extra_repr(self):
            return "multi\nline"

    class Act(T.nn.Module):
        def forward(self, x):
            return x.tanh()

    class Block(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = Affine(3, 4)
            self.norm = Norm(4)
            self.act = Act()
            self.missing = None

        def forward(self, x):
            return self.act(self.norm(self.fc(x)))

    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = T.nn.Sequential(Affine(4, 4, bias=False), Act(), Affine(4, 2))
            self.shared = self.block.fc  # the same module reached along two paths
            self.tied = self.head[0].weight  # a parameter reached along two paths
            self.register_buffer("step", T.tensor(1.5))

        def forward(self, x):
            return self.head(self.block(x))

    return dict(Affine=Affine, Norm=Norm, Act=Act, Block=Block, Net=Net)


LAYERS = {T: _layers(T) for T in FRAMEWORKS}


def build(name="Net", *args):
    """(mytorch module, torch module) of the same structure."""
    return tuple(LAYERS[T][name](*args) for T in FRAMEWORKS)


def norm(text: str) -> str:
    return text.replace("mytorch.", "torch.")


def same_error(fn):
    """fn(T) raises the same exception type with the same message in both frameworks."""
    errors = []
    for T in FRAMEWORKS:
        with pytest.raises(Exception) as info:
            fn(T)
        errors.append(info.value)
    m, t = errors
    assert type(m) is type(t), (m, t)
    assert norm(str(m)) == norm(str(t))
    return m


def to_np(t):
    return t.detach().numpy()


# ---- Parameter ----------------------------------------------------------------------------------------------

def test_parameter_basics():
    t = mytorch.tensor([[1.0, 2.0], [3.0, 4.0]])
    p = mytorch.nn.Parameter(t)
    assert isinstance(p, mytorch.Tensor) and isinstance(p, mytorch.nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert norm(repr(p)) == repr(torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))
    p.data.add_(1)  # storage shared with t
    assert t.tolist() == [[2.0, 3.0], [4.0, 5.0]]
    for out in (p * 2, p.data, p.detach(), p.clone(), p[0], p.t()):
        assert type(out) is mytorch.Tensor
    assert type(p.to(mytorch.float32)) is mytorch.nn.Parameter  # a no-op conversion returns self, as torch
    assert type(p.to(mytorch.float64)) is mytorch.Tensor
    (p * p).sum().backward()
    assert p.grad.tolist() == [[4.0, 6.0], [8.0, 10.0]]
    p.data = mytorch.zeros(3, dtype=mytorch.float64)  # new storage, same Parameter object
    assert type(p) is mytorch.nn.Parameter and p.shape == (3,) and p.dtype is mytorch.float64
    assert p.requires_grad and p.is_leaf


def test_parameter_construction_forms():
    for T in FRAMEWORKS:
        empty = T.nn.Parameter()
        assert empty.shape == (0,) and empty.requires_grad
        frozen = T.nn.Parameter(T.ones(2), requires_grad=False)
        assert not frozen.requires_grad and "requires_grad" not in repr(frozen)
        x = T.ones(2, requires_grad=True)
        leaf = T.nn.Parameter(x * 3)  # a parameter made from a graph result is a fresh leaf
        assert leaf.is_leaf and leaf.grad_fn is None
    with pytest.raises(RuntimeError):
        mytorch.nn.Parameter(mytorch.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        torch.nn.Parameter(torch.tensor([1, 2]))


def test_parameter_copy_and_pickle():
    p = mytorch.nn.Parameter(mytorch.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is mytorch.nn.Parameter and q.requires_grad and q.tolist() == [1.0, 2.0]
        q.data.zero_()
        assert p.tolist() == [1.0, 2.0]  # an independent copy
    frozen = mytorch.nn.Parameter(mytorch.ones(1), requires_grad=False)
    assert not copy.deepcopy(frozen).requires_grad


# ---- traversal and names ------------------------------------------------------------------------------------

def _names(pairs):
    return [name for name, _ in pairs]


@pytest.mark.parametrize("query", [
    lambda m: _names(m.named_parameters()),
    lambda m: _names(m.named_parameters(prefix="model")),
    lambda m: _names(m.named_parameters(recurse=False)),
    lambda m: _names(m.named_parameters(remove_duplicate=False)),
    lambda m: _names(m.block.named_parameters(prefix="b", recurse=True)),
    lambda m: _names(m.named_buffers()),
    lambda m: _names(m.named_buffers(remove_duplicate=False)),
    lambda m: _names(m.named_buffers(recurse=False)),
    lambda m: _names(m.named_modules()),
    lambda m: _names(m.named_modules(prefix="root")),
    lambda m: _names(m.named_modules(remove_duplicate=False)),
    lambda m: _names(m.named_children()),
    lambda m: [type(c).__name__ for c in m.children()],
    lambda m: [type(c).__name__ for c in m.modules()],
    lambda m: [tuple(p.shape) for p in m.parameters()],
    lambda m: [tuple(b.shape) for b in m.buffers()],
    lambda m: list(m.state_dict().keys()),
    lambda m: list(m.state_dict(prefix="pre.").keys()),
    lambda m: list(m.head.state_dict().keys()),
    lambda m: sorted(m.state_dict()._metadata.keys()),
])
def test_traversal_names_and_order(query):
    m, t = build()
    assert query(m) == query(t)


def test_state_dict_values():
    m, t = build()
    sd, tsd = m.state_dict(), t.state_dict()
    assert isinstance(sd, OrderedDict)
    for (k, v), (tk, tv) in zip(sd.items(), tsd.items()):
        assert k == tk and type(v) is mytorch.Tensor and not v.requires_grad
        np.testing.assert_array_equal(to_np(v), tv.numpy())
        assert (v.dtype is mytorch.int64) == (tv.dtype is torch.int64)
    sd["block.fc.weight"].zero_()  # detached, but sharing the parameter's storage
    assert m.block.fc.weight.sum().item() == 0
    kept = m.state_dict(keep_vars=True)
    assert kept["block.fc.weight"] is m.block.fc.weight and kept["step"] is m.step


def test_getattr_setattr_delattr():
    m, _ = build()
    assert "weight" in m.block.fc._parameters and "weight" not in m.block.fc.__dict__
    m.block.fc.weight = None  # a registered parameter may be set to None
    assert [n for n, _ in m.block.fc.named_parameters()] == ["bias"]
    del m.block.fc.bias
    assert "bias" not in m.block.fc._parameters
    m.block.norm.running_mean = mytorch.ones(4)  # assigning a tensor to a buffer name updates the buffer
    assert m.block.norm._buffers["running_mean"].tolist() == [1.0] * 4
    # re-registering a name as another kind removes it from the other table
    m.block.norm.scratch = mytorch.nn.Parameter(mytorch.ones(1))
    assert "scratch" not in m.block.norm._buffers and "scratch" in m.block.norm._parameters
    m.block.norm.num_batches_tracked = mytorch.nn.Module()
    assert "num_batches_tracked" not in m.block.norm._buffers and "num_batches_tracked" in m.block.norm._modules
    same_error(lambda T: LAYERS[T]["Act"]().nope)


@pytest.mark.parametrize("bad", [
    lambda T, m: setattr(m.fc, "weight", T.ones(3, 4)),  # a plain tensor into a parameter slot
    lambda T, m: setattr(m, "fc", 3),  # a non-module into a module slot
    lambda T, m: setattr(m.norm, "running_mean", [1.0]),  # a non-tensor into a buffer slot
    lambda T, m: m.register_parameter(3, None),
    lambda T, m: m.register_parameter("a.b", None),
    lambda T, m: m.register_parameter("", None),
    lambda T, m: m.register_parameter("training", None),
    lambda T, m: m.register_parameter("w", T.ones(2)),
    lambda T, m: m.register_parameter("w", T.nn.Parameter(T.ones(2)) * 2),
    lambda T, m: m.register_buffer(1, T.ones(1)),
    lambda T, m: m.register_buffer("a.b", T.ones(1)),
    lambda T, m: m.register_buffer("", T.ones(1)),
    lambda T, m: m.register_buffer("fc", T.ones(1)),
    lambda T, m: m.register_buffer("b", 3.0),
    lambda T, m: m.add_module("x", 3),
    lambda T, m: m.add_module(3, T.nn.Module()),
    lambda T, m: m.add_module("x.y", T.nn.Module()),
    lambda T, m: m.add_module("", T.nn.Module()),
    lambda T, m: m.add_module("norm_fn", T.nn.Module()) or m.add_module("training", T.nn.Module()),
    lambda T, m: T.nn.Module(3),
    lambda T, m: T.nn.Module(foo=1),
    lambda T, m: T.nn.Module()(1),  # no forward
])
def test_registration_errors(bad):
    same_error(lambda T: bad(T, LAYERS[T]["Block"]()))


def test_assignment_before_init():
    for T in FRAMEWORKS:
        class Early(T.nn.Module):
            def __init__(self, value):
                self.x = value
        for value in (T.nn.Parameter(T.ones(1)), T.nn.Module()):
            with pytest.raises(AttributeError, match="before Module.__init__"):
                Early(value)
        with pytest.raises(AttributeError, match="before Module.__init__"):
            Early.__new__(Early).register_buffer("b", T.ones(1))


def test_get_submodule_parameter_buffer():
    m, t = build()
    assert m.get_submodule("") is m and m.get_submodule("head.2") is m.head[2]
    assert m.get_parameter("block.fc.weight") is m.block.fc.weight
    assert m.get_buffer("block.norm.running_mean") is m.block.norm.running_mean
    for bad in (lambda m: m.get_submodule("block.nope"), lambda m: m.get_submodule("block.fc.weight"),
                lambda m: m.get_parameter("block.norm.running_mean"), lambda m: m.get_parameter("block.zz"),
                lambda m: m.get_buffer("block.fc.weight"), lambda m: m.get_buffer("head.9.x")):
        same_error(lambda T: bad(LAYERS[T]["Net"]()))


def test_dir_lists_members():
    m, _ = build()
    names = dir(m.head)
    assert "append" in names and not any(n.isdigit() for n in names)
    assert {"block", "head", "step", "tied", "forward"} <= set(dir(m))
    assert {"weight", "bias"} <= set(dir(m.block.fc))


# ---- printing ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda T, L: L["Net"](),
    lambda T, L: L["Act"](),
    lambda T, L: T.nn.Sequential(),
    lambda T, L: T.nn.Sequential(OrderedDict([("a", L["Affine"](2, 2)), ("n", L["Norm"](2))])),
    lambda T, L: T.nn.ModuleList([L["Affine"](2, 2)] * 3 + [L["Act"](), L["Act"](), L["Affine"](2, 3)]),
    lambda T, L: T.nn.ModuleList(),
    lambda T, L: T.nn.ModuleList([T.nn.ModuleList([L["Act"]()] * 2)] * 2),
    lambda T, L: T.nn.ModuleDict({"x": L["Act"](), "y": L["Block"]()}),
    lambda T, L: T.nn.ParameterList([T.ones(2, 3), T.nn.Parameter(T.zeros(1, dtype=T.float64)), "text"]),
    lambda T, L: T.nn.ParameterDict({"b": T.ones(2), "a": T.zeros(3, 1)}),
])
def test_repr_matches_torch(make):
    m, t = (make(T, LAYERS[T]) for T in FRAMEWORKS)
    assert norm(repr(m)) == repr(t)


def test_incompatible_keys_repr():
    m, t = build()
    assert repr(m.load_state_dict(m.state_dict())) == repr(t.load_state_dict(t.state_dict()))
    assert repr(m.load_state_dict({}, strict=False)) == repr(t.load_state_dict({}, strict=False))


# ---- load_state_dict ----------------------------------------------------------------------------------------

def _torch_state(m):
    """The state dict of mytorch module m, as torch tensors."""
    return OrderedDict((k, torch.tensor(v.numpy())) for k, v in m.state_dict().items())


def test_load_state_dict_copies_in_place():
    m, t = build()
    t.block.fc.weight.data.normal_()
    sd = OrderedDict((k, mytorch.tensor(v.numpy())) for k, v in t.state_dict().items())
    weight = m.block.fc.weight
    result = m.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert m.block.fc.weight is weight and weight.requires_grad and weight.is_leaf  # optimizers keep references
    np.testing.assert_array_equal(to_np(weight), t.block.fc.weight.detach().numpy())
    sd["block.fc.weight"].zero_()
    assert weight.abs().sum().item() > 0  # copied, not aliased
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(to_np(m(mytorch.tensor(x))), t(torch.tensor(x)).detach().numpy(), atol=1e-6)
    assert m.block.norm.num_batches_tracked.dtype is mytorch.int64


def test_load_state_dict_casts_dtype():
    m, _ = build()
    sd = m.state_dict()
    sd["block.fc.weight"] = sd["block.fc.weight"].double() + 1
    m.load_state_dict(sd)
    assert m.block.fc.weight.dtype is mytorch.float32
    assert m.block.fc.weight[0, 0].item() == pytest.approx(1 + 1 / 12)


@pytest.mark.parametrize("edit", [
    lambda sd: sd.pop("block.fc.bias"),
    lambda sd: sd.pop("step"),
    lambda sd: sd.update({"block.fc.extra": sd["step"]}),
    lambda sd: sd.update({"nothere.weight": sd["step"], "head.7.bias": sd["step"]}),
    lambda sd: (sd.pop("head.0.weight"), sd.update({"block.norm.scratch": sd["step"]})),
    lambda sd: sd.update({"block.fc.weight": sd["block.fc.weight"][:2]}),
    lambda sd: sd.update({"block.fc.weight": sd["block.fc.weight"][:2], "x": sd["step"]}),
    lambda sd: (sd.pop("step"), sd.update({"head.2.weight": sd["head.2.weight"].t()})),
    lambda sd: sd.update({"step": 3.0}),
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_reports(edit, strict):
    m, t = build()
    sd, tsd = m.state_dict(), t.state_dict()
    edit(sd)
    edit(tsd)
    try:
        t_result = t.load_state_dict(tsd, strict=strict)
    except RuntimeError as t_err:
        with pytest.raises(RuntimeError) as info:
            m.load_state_dict(sd, strict=strict)
        assert norm(str(info.value)) == str(t_err)
        return
    result = m.load_state_dict(sd, strict=strict)
    assert result.missing_keys == t_result.missing_keys and result.unexpected_keys == t_result.unexpected_keys


def test_load_state_dict_rejects_non_mapping():
    same_error(lambda T: LAYERS[T]["Act"]().load_state_dict([("a", 1)]))


def test_load_state_dict_assign():
    m, _ = build("Affine", 2, 3)
    w = mytorch.full((3, 2), 7.0)
    m.load_state_dict({"weight": w, "bias": mytorch.zeros(3)}, assign=True)
    assert type(m.weight) is mytorch.nn.Parameter and m.weight.requires_grad
    m.weight.data.zero_()
    assert w.sum().item() == 0  # assign=True keeps the checkpoint's storage


def test_extra_state_round_trip():
    class WithExtra(mytorch.nn.Module):
        def __init__(self):
            super().__init__()
            self.note = "a"

        def get_extra_state(self):
            return {"note": self.note}

        def set_extra_state(self, state):
            self.note = state["note"]

    outer = mytorch.nn.Sequential(WithExtra())
    sd = outer.state_dict()
    assert list(sd) == ["0._extra_state"]
    sd["0._extra_state"] = {"note": "b"}
    outer.load_state_dict(sd)
    assert outer[0].note == "b"
    with pytest.raises(RuntimeError, match='Missing key.*"0._extra_state"'):
        outer.load_state_dict({})


# ---- modes, grads, apply, conversions -----------------------------------------------------------------------

def test_train_eval_and_requires_grad():
    m, t = build()
    assert m.eval() is m and not any(mod.training for mod in m.modules())
    m.block.train()
    assert [mod.training for mod in m.modules()] == [mod.training for mod in t.eval().block.train() and t.modules()]
    same_error(lambda T: LAYERS[T]["Net"]().train("yes"))
    assert m.requires_grad_(False) is m and not any(p.requires_grad for p in m.parameters())
    m.head.requires_grad_()
    t.requires_grad_(False).head.requires_grad_()
    assert [p.requires_grad for p in m.parameters()] == [p.requires_grad for p in t.parameters()]


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    m, _ = build()
    m(mytorch.ones(2, 3)).sum().backward()
    grads = [p.grad for p in m.parameters()]
    assert all(g is not None for g in grads)
    m.zero_grad(set_to_none=set_to_none)
    for p, g in zip(m.parameters(), grads):
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is g and p.grad.abs().sum().item() == 0


def test_apply_visits_children_first():
    orders = []
    for T in FRAMEWORKS:
        seen = []
        net = LAYERS[T]["Net"]()
        names = {id(mod): name for name, mod in net.named_modules()}
        assert net.apply(lambda mod: seen.append(names[id(mod)])) is net
        orders.append(seen)
    assert orders[0] == orders[1]


def test_to_keeps_parameter_identity():
    m, _ = build()
    m(mytorch.ones(1, 3)).sum().backward()
    params = list(m.parameters())
    assert m.to(mytorch.float64) is m
    assert list(m.parameters()) == params and all(type(p) is mytorch.nn.Parameter for p in params)
    assert all(p.dtype is mytorch.float64 and p.grad.dtype is mytorch.float64 and p.is_leaf for p in params)
    assert m.block.norm.num_batches_tracked.dtype is mytorch.int64  # integer buffers keep their dtype
    assert m.step.dtype is mytorch.float64
    for convert, dt in ((lambda: m.float(), mytorch.float32), (lambda: m.half(), mytorch.float16),
                        (lambda: m.double(), mytorch.float64), (lambda: m.to(dtype=mytorch.float32), mytorch.float32),
                        (lambda: m.to("cpu", mytorch.float64), mytorch.float64),
                        (lambda: m.to(mytorch.ones(1, dtype=mytorch.float32)), mytorch.float32),
                        (lambda: m.cpu(), mytorch.float32)):
        assert convert() is m and m.block.fc.weight.dtype is dt
    assert m.block.norm.num_batches_tracked.dtype is mytorch.int64
    m.type(mytorch.float64)
    assert m.block.norm.num_batches_tracked.dtype is mytorch.float64  # type() converts every tensor
    same_error(lambda T: LAYERS[T]["Net"]().to(T.int32))


def test_deepcopy_module():
    m, _ = build()
    c = copy.deepcopy(m)
    assert c.shared is c.block.fc and c.tied is c.head[0].weight  # sharing survives the copy
    c.block.fc.weight.data.zero_()
    assert m.block.fc.weight.abs().sum().item() > 0
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]


# ---- hooks --------------------------------------------------------------------------------------------------

def _hook_log(T):
    """Run a hook scenario in framework T and return the event log and outputs."""
    log = []
    act = LAYERS[T]["Act"]()
    h1 = act.register_forward_pre_hook(lambda mod, args: log.append(("pre1", len(args))))
    act.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    act.register_forward_pre_hook(lambda mod, args: log.append(("pre0", float(args[0].sum()))), prepend=True)
    act.register_forward_pre_hook(lambda mod, args, kwargs: log.append(("prekw", sorted(kwargs))) or None,
                                  with_kwargs=True)
    act.register_forward_hook(lambda mod, args, out: log.append(("fwd1", round(float(out.sum()), 5))))
    h2 = act.register_forward_hook(lambda mod, args, out: out + 1)
    act.register_forward_hook(lambda mod, args, kwargs, out: log.append(("fwdkw", round(float(out.sum()), 5))),
                              with_kwargs=True)
    act.register_forward_hook(lambda mod, args, out: log.append(("first",)), prepend=True)
    x = T.tensor([0.5, -0.25])
    outs = [round(float(act(x).sum()), 5)]
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is harmless
    outs.append(round(float(act(x).sum()), 5))
    with act.register_forward_pre_hook(lambda mod, args: 3 * args[0]):  # a single value is wrapped in a tuple
        outs.append(round(float(act(x).sum()), 5))
    outs.append(round(float(act(x).sum()), 5))
    return log, outs


def test_forward_hooks_order_and_replacement():
    assert _hook_log(mytorch) == _hook_log(torch)


def _kwarg_hooks(T):
    class Scale(T.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    mod = Scale()
    mod.register_forward_pre_hook(lambda m, args, kwargs: (args, {"scale": kwargs.get("scale", 1.0) * 10}),
                                  with_kwargs=True)
    outs = [float(mod(T.tensor(2.0))), float(mod(T.tensor(2.0), scale=0.5))]
    mod.register_forward_pre_hook(lambda m, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        mod(T.tensor(1.0))
    return outs


def test_forward_pre_hook_with_kwargs():
    assert _kwarg_hooks(mytorch) == _kwarg_hooks(torch)


def _always_call(T):
    class Boom(T.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    log = []
    mod = Boom()
    mod.register_forward_hook(lambda m, a, o: log.append("normal"))
    mod.register_forward_hook(lambda m, a, o: log.append(("always", o)), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        mod(T.ones(1))
    return log


def test_forward_hook_always_call():
    assert _always_call(mytorch) == _always_call(torch) == [("always", None)]


def test_hooks_run_inside_sequential_children():
    for T in FRAMEWORKS:
        seq = T.nn.Sequential(LAYERS[T]["Act"](), LAYERS[T]["Act"]())
        seq[1].register_forward_hook(lambda m, a, o: o * 0)
        assert float(seq(T.ones(3)).sum()) == 0


# ---- containers -------------------------------------------------------------------------------------------

def _seq_ops(T):
    """A Sequential scenario; returns (names, lengths, reprs) to compare across frameworks."""
    L = LAYERS[T]
    seq = T.nn.Sequential(L["Affine"](3, 4), L["Act"](), L["Affine"](4, 2))
    out = [len(seq), type(seq[-1]).__name__, type(seq[1:]).__name__, list(seq[1:]._modules),
           list(seq[::2]._modules), [type(m).__name__ for m in seq]]
    seq.append(L["Norm"](2))
    seq.insert(1, L["Norm"](4))
    seq.insert(-1, L["Act"]())
    out.append([n for n, _ in seq.named_modules()])
    out.append(repr(seq))
    seq.extend([L["Act"]()])
    popped = seq.pop(2)
    out.append(type(popped).__name__)
    del seq[0]
    del seq[-2:]
    out.append(list(seq.state_dict()))
    seq[0] = L["Act"]()
    both = seq + T.nn.Sequential(L["Affine"](2, 2))
    out.append(list(both.state_dict()))
    seq += T.nn.Sequential(L["Act"]())
    out.append(list(seq._modules))
    out.append(list((seq * 2)._modules))
    seq *= 2
    out.append(len(seq))
    named = T.nn.Sequential(OrderedDict([("fc", L["Affine"](3, 2)), ("act", L["Act"]())]))
    out.append(list(named.state_dict()))
    out.append(list(named[1:]._modules))
    del named[0]  # deletion renumbers, even named children
    out.append(list(named._modules))
    return out


def test_sequential_operations():
    m, t = _seq_ops(mytorch), _seq_ops(torch)
    assert [norm(x) if isinstance(x, str) else x for x in m] == t


def test_sequential_forward_and_errors():
    m, t = (T.nn.Sequential(LAYERS[T]["Affine"](3, 4), LAYERS[T]["Act"](), LAYERS[T]["Affine"](4, 2))
            for T in FRAMEWORKS)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(to_np(m(mytorch.tensor(x))), t(torch.tensor(x)).detach().numpy(), atol=1e-6)
    assert len(mytorch.nn.Sequential()) == 0 and mytorch.nn.Sequential()(5) == 5
    for bad in (lambda s: s[3], lambda s: s[-4], lambda s: s.__setitem__(5, s[0]), lambda s: s + 1,
                lambda s: s * 0, lambda s: s * 1.5, lambda s: s.insert(9, s[0])):
        same_error(lambda T: bad(T.nn.Sequential(*(LAYERS[T]["Act"]() for _ in range(3)))))
    with pytest.raises(AssertionError):
        mytorch.nn.Sequential().insert(0, "x")


def _list_ops(T):
    L = LAYERS[T]
    ml = T.nn.ModuleList([L["Affine"](2, 2) for _ in range(3)])
    out = [len(ml), type(ml[1:]).__name__, list(ml[::-1]._modules), ml[-1] is ml[2]]
    ml.append(L["Act"]())
    ml.extend([L["Norm"](2)])
    ml.insert(1, L["Act"]())
    ml += [L["Act"]()]
    out.append(list(ml.state_dict()))
    out.append([type(m).__name__ for m in ml])
    del ml[1]
    del ml[::2]
    out.append([type(m).__name__ for m in ml])
    out.append(list(ml._modules))
    ml[0] = L["Norm"](3)
    out.append(list(ml.state_dict()))
    combined = ml + [L["Act"]()]
    out.append((type(combined).__name__, list(combined._modules)))
    out.append(type(ml.pop(0)).__name__)
    out.append(repr(ml))
    return out


def test_module_list_operations():
    m, t = _list_ops(mytorch), _list_ops(torch)
    assert [norm(x) if isinstance(x, str) else x for x in m] == t
    for bad in (lambda ml: ml[5], lambda ml: ml[-6], lambda ml: ml.extend(3), lambda ml: ml(1)):
        same_error(lambda T: bad(T.nn.ModuleList([LAYERS[T]["Act"]()])))


def _dict_ops(T):
    L = LAYERS[T]
    md = T.nn.ModuleDict({"b": L["Affine"](2, 2), "a": L["Act"]()})
    md.update([("c", L["Norm"](2))])
    md.update(OrderedDict([("d", L["Act"]())]))
    md["e"] = L["Affine"](1, 1)
    out = [list(md.keys()), len(md), "a" in md, list(md.state_dict())]
    out.append(type(md.pop("b")).__name__)
    del md["a"]
    out.append([(k, type(v).__name__) for k, v in md.items()])
    out.append([type(v).__name__ for v in md.values()] + list(iter(md)))
    md.clear()
    out.append(len(md))
    return out


def test_module_dict_operations():
    assert _dict_ops(mytorch) == _dict_ops(torch)
    for bad in (lambda md: md.update(3), lambda md: md.update([3]), lambda md: md.update([("a",)]),
                lambda md: md["zz"]):
        same_error(lambda T: bad(T.nn.ModuleDict({"a": LAYERS[T]["Act"]()})))


def _param_list_ops(T):
    pl = T.nn.ParameterList([T.ones(2), T.nn.Parameter(T.zeros(3))])
    pl.append(T.ones(1, 2))
    pl.extend([T.ones(4)])
    pl += [T.ones(5)]
    pl.append("not a tensor")
    out = [len(pl), [n for n, _ in pl.named_parameters()], [type(p).__name__ for p in pl],
           type(pl[1:3]).__name__, [tuple(p.shape) for p in pl[1:3]], pl[-1]]
    pl[0] = T.zeros(2, 2)
    out.append([tuple(p.shape) for p in pl.parameters()])
    out.append(list(T.nn.Sequential().state_dict()))
    holder = T.nn.Module()
    holder.pl = pl
    out.append(list(holder.state_dict()))
    return out


def test_parameter_list_operations():
    assert _param_list_ops(mytorch) == _param_list_ops(torch)
    for bad in (lambda pl: pl[4], lambda pl: pl.extend(pl[0]), lambda pl: pl.extend(3), lambda pl: pl()):
        same_error(lambda T: bad(T.nn.ParameterList([T.ones(1)])))


def _param_dict_ops(T):
    pd = T.nn.ParameterDict({"z": T.ones(1), "a": T.nn.Parameter(T.zeros(2))})  # a plain dict is sorted
    pd.update([("m", T.ones(3))])
    pd["b"] = T.ones(4)
    out = [list(pd.keys()), [n for n, _ in pd.named_parameters()], len(pd), "a" in pd,
           [type(v).__name__ for v in pd.values()], list(reversed(pd))]
    out.append(tuple(pd.pop("z").shape))
    out.append(pd.popitem()[0])
    out.append(tuple(pd.setdefault("new", T.ones(5)).shape))
    out.append(pd.get("nope", "default"))
    out.append(list(pd.copy().keys()))
    out.append(list((pd | T.nn.ParameterDict({"q": T.ones(1)})).keys()))
    pd |= T.nn.ParameterDict({"r": T.ones(1)})
    out.append(list(pd.fromkeys(["x", "y"], T.ones(1)).keys()))
    out.append(list(pd.state_dict()))
    pd.clear()
    out.append(len(pd))
    return out


def test_parameter_dict_operations():
    assert _param_dict_ops(mytorch) == _param_dict_ops(torch)
    for bad in (lambda pd: pd[1], lambda pd: pd.update(3), lambda pd: pd.update([(1, 2, 3)]), lambda pd: pd(1),
                lambda pd: pd["zz"]):
        same_error(lambda T: bad(T.nn.ParameterDict({"a": T.ones(1)})))


def test_containers_are_seen_by_parents():
    for T in FRAMEWORKS:
        net = T.nn.Module()
        net.layers = T.nn.ModuleList([LAYERS[T]["Affine"](2, 2)])
        net.extra = T.nn.ParameterList([T.ones(1)])
        net.table = T.nn.ParameterDict({"k": T.ones(1)})
        net.by_name = T.nn.ModuleDict({"n": LAYERS[T]["Norm"](2)})
        assert [n for n, _ in net.named_parameters()] == ["layers.0.weight", "layers.0.bias", "extra.0",
                                                          "table.k", "by_name.n.scale"]


def _buffer_assignment(T):
    mod = T.nn.Module()
    mod.kept = T.nn.Buffer(T.ones(2))
    mod.dropped = T.nn.Buffer(T.zeros(1), persistent=False)
    mod.plain = T.ones(3)  # a plain tensor attribute is not registered
    mod.kept = T.full((2,), 5.0)  # re-assigning a registered buffer keeps it a buffer
    flagged = T.nn.Buffer(T.ones(1, requires_grad=True))
    return ([n for n, _ in mod.named_buffers()], list(mod.state_dict()), mod.kept.tolist(),
            isinstance(T.ones(1), T.nn.Buffer), isinstance(flagged, T.nn.Buffer), flagged.requires_grad,
            flagged.is_leaf)


def test_buffer_marker_registers_on_assignment():
    assert _buffer_assignment(mytorch) == _buffer_assignment(torch)
    same_error(lambda T: T.nn.Module().register_buffer("training", T.ones(1)))
