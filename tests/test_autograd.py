"""The autograd engine against PyTorch: graph traversal, accumulation, retain/create graph,
autograd.grad, grad modes, hooks, leaf rules, gradcheck and anomaly detection."""
import sys

import numpy as np
import pytest
import torch

import mytorch
from helpers import same


X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)


# ---- the engine ----------------------------------------------------------------------------------
def test_deep_chain_needs_no_recursion():
    x = mytorch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # prove the traversal is iterative
    try:
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    assert abs(x.grad.item() - 1.0001 ** 10_000) < 1e-2


def test_diamond_graph_sums_paths():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        a = x.exp()
        b = a * x
        c = a + b.sin() + a * b
        c.sum().backward()
        return x.grad
    same(f)


def test_grad_accumulates_across_backward_calls():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        return first, x.grad
    same(f)


def test_retain_graph_allows_second_backward():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    same(f)


def test_backward_with_gradient_for_non_scalar():
    g = np.random.default_rng(0).standard_normal(X.shape).astype(np.float32)

    def f(T):
        x = T.tensor(X, requires_grad=True)
        (x.tanh() * x).backward(gradient=T.tensor(g))
        return x.grad
    same(f)


def test_backward_inputs_restricts_accumulation():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X + 1, requires_grad=True)
        (x * w).sum().backward(inputs=[w])
        return x.grad, w.grad
    same(f)


def test_autograd_grad_returns_without_accumulating():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X + 1, requires_grad=True)
        y = x * w + x.exp()
        gx, gw = T.autograd.grad(y, (x, w), grad_outputs=T.ones_like(y))
        return gx, gw, x.grad, w.grad, gx.requires_grad
    same(f)


def test_autograd_grad_allow_unused():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        z = T.tensor(X, requires_grad=True)
        y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="appears to not have been used"):
            T.autograd.grad(y, (x, z), retain_graph=True)
        gx, gz = T.autograd.grad(y, (x, z), allow_unused=True)
        assert gz is None and gx is not None


def test_autograd_grad_of_intermediate():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x.sin()
        y = (h * h).sum()
        return T.autograd.grad(y, h)
    same(f)


def test_autograd_grad_several_outputs():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        a, b = x.exp(), x.sin()
        return T.autograd.grad([a, b], x, [T.ones_like(a), T.full_like(b, 2.0)])
    same(f)


def test_autograd_grad_applies_tensor_hooks_and_retain_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        x.register_hook(lambda g: g * 10)
        h = x * 2
        h.register_hook(lambda g: g * 100)
        h.retain_grad()
        (gx,) = T.autograd.grad(h.sum(), x, retain_graph=True)
        first = h.grad.clone()
        (gh,) = T.autograd.grad((h * h).sum(), h)
        return gx, first, gh, h.grad
    same(f)


def test_autograd_grad_runs_only_the_part_of_the_graph_it_needs():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        a = x * 1
        h = a * a
        y = (h * 2).sum()
        with T.no_grad():
            a.add_(1)  # h's node saved a: it would fail, but d y / d h does not go through it
        (gh,) = T.autograd.grad(y, h)
        return (gh,)
    same(f)
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        y = (h * h).sum()
        T.autograd.grad(y, h)
        h.sum().backward()  # h's own node was not run, so it was not freed
        assert x.grad is not None


def test_backward_inputs_accumulates_into_non_leaf():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x.sin()
        r = x.cos()
        r.retain_grad()
        y = (h * h * r).sum()
        y.backward(inputs=[h, r], retain_graph=True)
        first = (h.grad.clone(), r.grad.clone(), x.grad, h.retains_grad)
        y.backward(inputs=[x, r])  # h now retains its grad: it accumulates again
        return first, h.grad, r.grad, x.grad
    same(f)


# ---- higher derivatives ----------------------------------------------------------------------------
SECOND = {
    "cube": lambda T, x: x * x * x,
    "exp": lambda T, x: x.exp(),
    "sin": lambda T, x: x.sin(),
    "tanh": lambda T, x: x.tanh(),
    "sigmoid": lambda T, x: x.sigmoid(),
    "log": lambda T, x: (x * x + 1).log(),
    "div": lambda T, x: 1 / (x * x + 1),
    "sqrt": lambda T, x: (x * x + 1).sqrt(),
    "pow": lambda T, x: (x * x + 1) ** 1.5,
    "softplus_like": lambda T, x: (x.exp() + 1).log(),
}


@pytest.mark.parametrize("name", SECOND)
def test_second_derivative_matches_torch(name):
    fn = SECOND[name]

    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = fn(T, x).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (gg,) = T.autograd.grad(g.sum(), x)
        return g, gg
    same(f, atol=1e-4)


@pytest.mark.filterwarnings(r"ignore:Using backward\(\) with create_graph")
def test_create_graph_backward_then_backward_of_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        (g * g).sum().backward()
        return g, x.grad
    same(f)


def test_third_derivative():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = (x.sin() * x).sum()
        (g1,) = T.autograd.grad(y, x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x)
        return g3
    same(f, atol=1e-4)


def test_mixed_partials():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X.T.copy(), requires_grad=True)
        y = (x @ w).tanh().sum()
        (gx,) = T.autograd.grad(y, x, create_graph=True)
        (gw,) = T.autograd.grad((gx * gx).sum(), w)
        return gx, gw
    same(f, atol=1e-4)


def test_gradgradcheck_passes_on_real_ops():
    x = mytorch.tensor(X.astype(np.float64), requires_grad=True)
    w = mytorch.tensor(X.T.astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda a, b: (a @ b).tanh() * a.sum(), (x, w))


# ---- gradcheck catches wrong backwards ----------------------------------------------------------------
class WrongSquare(mytorch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x  # the derivative is 2x


class RightSquareWrongSecond(mytorch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x.detach()  # right value, but detached: no second derivative


def test_gradcheck_catches_wrong_backward():
    x = mytorch.tensor([0.3, -1.1, 2.0], dtype=mytorch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        mytorch.autograd.gradcheck(WrongSquare.apply, (x,))
    assert mytorch.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    assert mytorch.autograd.gradcheck(lambda t: t * t, (x,))


def test_gradgradcheck_catches_wrong_double_backward():
    x = mytorch.tensor([0.3, -1.1, 2.0], dtype=mytorch.float64, requires_grad=True)
    assert mytorch.autograd.gradcheck(RightSquareWrongSecond.apply, (x,))
    assert not mytorch.autograd.gradgradcheck(RightSquareWrongSecond.apply, (x,), raise_exception=False)
    assert mytorch.autograd.gradgradcheck(lambda t: t * t, (x,))


def test_gradcheck_rejects_float32():
    x = mytorch.tensor([0.3, 1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="float64"):
        mytorch.autograd.gradcheck(lambda t: t * t, (x,))


# ---- anomaly detection ----------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on 1/0; PyTorch does not
def test_detect_anomaly_names_the_forward_op():
    x = mytorch.tensor([0.0, 1.0], requires_grad=True)
    with mytorch.autograd.detect_anomaly():
        y = x.sqrt()  # d sqrt at 0 is inf; times the 0 below gives NaN
        z = (y * 0).sum()
        with pytest.raises(RuntimeError) as info:
            z.backward()
    msg = str(info.value)
    assert "SqrtBackward0" in msg and "nan" in msg
    assert "x.sqrt()" in msg  # the forward trace points at the line that made the node


def test_detect_anomaly_adds_the_forward_trace_to_backward_errors():
    x = mytorch.tensor(X, requires_grad=True)
    with mytorch.autograd.detect_anomaly():
        h = x * 1
        y = h.exp()  # exp saves its output ...
        y.add_(1)  # ... which is then modified
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            y.sum().backward()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "Error detected in ExpBackward0" in notes and "y = h.exp()" in notes


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on 1/0; PyTorch does not
@pytest.mark.filterwarnings("ignore:Anomaly Detection has been enabled")
def test_detect_anomaly_lets_infinite_gradients_through():
    def f(T):
        x = T.tensor([0.0, 1.0], requires_grad=True)
        with T.autograd.detect_anomaly():
            (1 / x).sum().backward()  # -inf is not NaN: PyTorch's anomaly mode checks NaN only
        return (x.grad,)
    same(f)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on 1/0; PyTorch does not
def test_detect_anomaly_is_off_by_default_and_restores():
    assert not mytorch.autograd.is_anomaly_enabled()
    with mytorch.autograd.detect_anomaly():
        assert mytorch.autograd.is_anomaly_enabled()
    assert not mytorch.autograd.is_anomaly_enabled()
    x = mytorch.tensor([0.0], requires_grad=True)
    (x.sqrt() * 0).sum().backward()  # no anomaly mode: NaN flows silently, as in PyTorch
    assert np.isnan(x.grad.item())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on 1/0; PyTorch does not
def test_detect_anomaly_as_decorator():
    @mytorch.autograd.detect_anomaly()
    def run():
        x = mytorch.tensor([0.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()
    with pytest.raises(RuntimeError, match="SqrtBackward0"):
        run()


# ---- grad mode --------------------------------------------------------------------------------------
MODES = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]


def _mode(T, name, flag=True):
    if name == "set_grad_enabled":
        return T.set_grad_enabled(flag)
    if name == "inference_mode":
        return T.inference_mode(flag)
    return getattr(T, name)()


def test_grad_mode_context_managers_and_nesting():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        out = []
        with T.no_grad():
            out.append((x * 2).requires_grad)
            with T.enable_grad():
                out.append((x * 2).requires_grad)
                with T.set_grad_enabled(False):
                    out.append((x * 2).requires_grad)
                out.append(T.is_grad_enabled())
            out.append(T.is_grad_enabled())
        out.append(T.is_grad_enabled())
        with T.inference_mode():
            out.append((x * 2).requires_grad)
            out.append(T.is_inference_mode_enabled())
            with T.inference_mode(False):
                out.append(T.is_inference_mode_enabled())
        out.append(T.is_inference_mode_enabled())
        with T.set_grad_enabled(True):
            out.append((x * 2).requires_grad)
        return out
    same(f)


@pytest.mark.parametrize("name", MODES)
def test_grad_mode_as_decorator(name):
    def f(T):
        x = T.tensor(X, requires_grad=True)

        @_mode(T, name, False)
        def inner_off():
            return (x * 2).requires_grad, T.is_grad_enabled()

        @_mode(T, name)
        def inner():
            return (x * 2).requires_grad, T.is_grad_enabled()
        with T.no_grad():
            a = inner()
        b = inner()
        return a, b, inner_off(), T.is_grad_enabled()
    same(f)


@pytest.mark.parametrize("name", ["no_grad", "enable_grad", "inference_mode"])
def test_grad_mode_as_bare_decorator(name):
    def f(T):
        x = T.tensor(X, requires_grad=True)

        @getattr(T, name)
        def inner():
            return (x * 2).requires_grad, T.is_grad_enabled(), T.is_inference_mode_enabled()
        with T.no_grad():
            a = inner()
        return a, inner(), inner.__name__
    same(f)


def test_grad_mode_decorating_a_generator_holds_inside_it_only():
    def f(T):
        x = T.tensor(X, requires_grad=True)

        @T.no_grad()
        def gen():
            got = yield (x * 2).requires_grad
            yield got, T.is_grad_enabled()
            return "done"
        it = gen()
        first = next(it)
        between = T.is_grad_enabled()
        second = it.send(7)
        with pytest.raises(StopIteration) as stop:
            next(it)
        return first, between, second, stop.value.value, T.is_grad_enabled()
    same(f)


def test_set_grad_enabled_as_function_call():
    def f(T):
        T.set_grad_enabled(False)
        try:
            off = T.is_grad_enabled()
        finally:
            T.set_grad_enabled(True)
        return off, T.is_grad_enabled()
    same(f)


def test_grad_mode_restored_after_exception():
    for T in (mytorch, torch):
        with pytest.raises(ValueError):
            with T.no_grad():
                raise ValueError
        assert T.is_grad_enabled()


def test_backward_inside_no_grad_still_works():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = (x * x).sum()
        with T.no_grad():
            y.backward()
        return x.grad
    same(f)


# ---- detach, requires_grad, leaves --------------------------------------------------------------------
def test_detach_shares_storage_and_cuts_graph():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        d = h.detach()
        d[0, 0] = 100.0  # writes through to h
        return d.requires_grad, d.is_leaf, d.grad_fn is None, h, h._version == d._version
    same(f)


def test_detach_in_place():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        h.detach_()
        return h.requires_grad, h.is_leaf, h.grad_fn is None
    same(f)


def test_requires_grad_flags_and_leaf_rules():
    def f(T):
        a = T.tensor(X)
        b = T.tensor(X, requires_grad=True)
        c = a * 2
        d = b * 2
        e = d.detach().requires_grad_()
        with T.no_grad():
            g = b * 2
        return [(t.requires_grad, t.is_leaf) for t in (a, b, c, d, e, g)]
    same(f)


def test_requires_grad_on_non_leaf_false_raises():
    for T in (mytorch, torch):
        d = T.tensor(X, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="leaf"):
            d.requires_grad_(False)


def test_grad_fn_names_and_next_functions():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X)
        y = (x * w).sum(0)
        mul = y.grad_fn.next_functions[0][0]
        acc = mul.next_functions[0][0]
        return (y.grad_fn.name(), mul.name(), type(acc).__name__, len(mul.next_functions),
                mul.next_functions[1], acc.variable is x, len(y.grad_fn.next_functions), acc.next_functions)
    same(f)


GRAD_FN_NAMES = {
    "add": lambda x: x + x, "sub": lambda x: x - 1, "mul": lambda x: x * x, "div": lambda x: x / 2,
    "exp": lambda x: x.exp(), "sum_dim": lambda x: x.sum(0), "mean_dim": lambda x: x.mean(0),
    "view": lambda x: x.view(6), "index": lambda x: x[[0, 1]], "mm": lambda x: x @ x.t(),
    "tanh": lambda x: x.tanh(), "neg": lambda x: -x, "pow": lambda x: x.pow(2), "clone": lambda x: x.clone(),
    "to": lambda x: x.double(), "permute": lambda x: x.permute(1, 0), "expand": lambda x: x.expand(2, 2, 3),
    "abs": lambda x: x.abs(), "amax": lambda x: x.amax(0), "where": lambda x: x.where(x > 0, x * 2),
    "clamp": lambda x: x.clamp(0, 1), "maximum": lambda x: x.maximum(x * 2), "sigmoid": lambda x: x.sigmoid(),
    "sum": lambda x: x.sum(), "mean": lambda x: x.mean(), "t": lambda x: x.t(), "reshape": lambda x: x.reshape(3, 2),
    "select": lambda x: x[0], "slice": lambda x: x[:, 1:], "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x[None].squeeze(0), "pow_tensor": lambda x: (x * x) ** x, "max": lambda x: x.max(),
    "rsub": lambda x: 2 - x,
}


@pytest.mark.parametrize("op", sorted(GRAD_FN_NAMES))
def test_grad_fn_names_match_torch(op):
    def f(T):
        return GRAD_FN_NAMES[op](T.tensor(X, requires_grad=True)).grad_fn.name()
    same(f)


def test_grad_is_none_for_non_leaf_with_warning_semantics():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        h.sum().backward()
        return h.retains_grad
    same(f)


# ---- hooks and retain_grad ---------------------------------------------------------------------------
def test_retain_grad_on_non_leaf():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x.exp()
        h.retain_grad()
        (h * h).sum().backward()
        return h.grad, x.grad, h.retains_grad
    same(f)


def test_leaf_hook_modifies_gradient():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        return seen[0], x.grad
    same(f)


def test_non_leaf_hook_modifies_gradient_flowing_on():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x.sin()
        h.register_hook(lambda g: g * 3)
        (h * h).sum().backward()
        return x.grad
    same(f)


def test_hook_handle_remove():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 1
        handle = h.register_hook(lambda g: g * 100)
        handle.remove()
        handle2 = x.register_hook(lambda g: g * 100)
        handle2.remove()
        h.sum().backward()
        return x.grad
    same(f)


def test_retain_grad_sees_the_gradient_after_hooks():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        h.retain_grad()
        h.register_hook(lambda g: g * 3)  # registered later, still runs before retain_grad's hook
        (h * h).sum().backward()
        return h.grad, x.grad
    same(f)


def test_hook_changing_the_shape_raises():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        x.register_hook(lambda g: g.sum())
        with pytest.raises(RuntimeError, match="has changed the size of value"):
            (x * 2).sum().backward()


def test_node_hooks_and_prehooks():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(X + 1, requires_grad=True)
        h = x * 2
        y = h * w
        seen = []
        h.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append((len(grad_inputs),
                                                                               len(grad_outputs))))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] * 10, grad_inputs[1]))
        handle = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] + 1,))
        y.sum().backward(retain_graph=True)
        first = (x.grad.clone(), w.grad.clone())
        handle.remove()
        x.grad = w.grad = None
        y.sum().backward()
        return seen, first, x.grad, w.grad
    same(f)


def test_hook_on_tensor_without_grad_raises():
    for T in (mytorch, torch):
        with pytest.raises(RuntimeError, match="doesn't require"):
            T.tensor(X).register_hook(lambda g: g)


def test_hook_sees_summed_gradient_once():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 2
        calls = []
        h.register_hook(lambda g: calls.append(1))
        (h.exp() + h.sin() + h).sum().backward()
        return len(calls), x.grad
    same(f)
