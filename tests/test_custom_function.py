"""User-defined ops with ``mytorch.autograd.Function``, written exactly as for PyTorch.

Each Function is defined once in a factory taking the framework module ``T``,
so the very same class body runs on mytorch and on torch and the results are compared.
"""
import numpy as np
import pytest
import torch

import mytorch
from helpers import same

X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)
G = np.array([[0.3, 1.1, -0.4], [2.0, -0.6, 0.9]], dtype=np.float32)


def make_exp(T):
    class MyExp(T.autograd.Function):
        """y = e^x, saving the output: dy/dx = y."""

        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y
    return MyExp


def make_sort_like(T):
    class TopHalf(T.autograd.Function):
        """(values, mask): values = x * (x > 0); the float mask is marked non-differentiable."""

        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(mask)
            return x * mask, mask

        @staticmethod
        def backward(ctx, g_values, g_mask):
            (mask,) = ctx.saved_tensors
            return g_values * mask
    return TopHalf


def make_double_inplace(T):
    class DoubleInplace(T.autograd.Function):
        """x <- 2x in place (mark_dirty);  dx = 2 g."""

        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return DoubleInplace


def make_identity(T):
    class Identity(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 3  # a deliberately visible scale, to see this backward ran
    return Identity


def make_scaled_add(T):
    class ScaledAdd(T.autograd.Function):
        """y = a + k b with a Python number k;  da = g, db = k g."""

        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            ctx.flags = tuple(ctx.needs_input_grad)
            return a + k * b

        @staticmethod
        def backward(ctx, g):
            ga = g if ctx.needs_input_grad[0] else None
            gb = g * ctx.k if ctx.needs_input_grad[2] else None
            return ga, None, gb
    return ScaledAdd


def make_two_outputs(T, materialize):
    class SinCos(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, g_sin, g_cos):
            (x,) = ctx.saved_tensors
            ctx.seen = (g_sin is None, g_cos is None)
            out = 0
            if g_sin is not None:
                out = out + g_sin * x.cos()
            if g_cos is not None:
                out = out - g_cos * x.sin()
            return out
    return SinCos


# ---- the realistic custom ops ----------------------------------------------------------------------
def test_custom_exp_values_and_gradient():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = make_exp(T).apply(x)
        y.backward(T.tensor(G))
        return y, x.grad, y.grad_fn.name(), y.is_leaf
    same(f)


def test_custom_exp_second_derivative_through_saved_output():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = make_exp(T).apply(x).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (gg,) = T.autograd.grad((g * g).sum(), x)
        return g, gg
    same(f)


def test_custom_exp_gradcheck_and_gradgradcheck():
    exp = make_exp(mytorch)
    x = mytorch.tensor(X.astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradcheck(exp.apply, (x,))
    assert mytorch.autograd.gradgradcheck(exp.apply, (x,))


def test_custom_exp_in_a_larger_graph():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(G, requires_grad=True)
        y = (make_exp(T).apply(x * w) + x).tanh().sum()
        y.backward()
        return x.grad, w.grad
    same(f)


def test_non_differentiable_output():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        values, mask = make_sort_like(T).apply(x)
        (values * values).sum().backward()
        return values, mask, mask.requires_grad, values.requires_grad, mask.grad_fn is None, x.grad
    same(f)


def test_non_differentiable_output_used_downstream_gets_no_gradient():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        values, mask = make_sort_like(T).apply(x)
        (values + mask * x).sum().backward()  # mask is a constant here
        return (x.grad,)
    same(f)


def test_mark_dirty_inplace_custom_op():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 1
        v0 = h._version
        out = make_double_inplace(T).apply(h)
        (out * T.tensor(G)).sum().backward()
        return out is h, h._version - v0, h.grad_fn.name(), out, x.grad
    same(f)


def test_mark_dirty_on_a_view_updates_the_base_history():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 1
        out = make_double_inplace(T).apply(h[0])
        (h * T.tensor(G)).sum().backward()
        return x.grad, h._version, out.grad_fn.name(), h.grad_fn.name().split(":")[-1]
    same(f)


def test_mark_dirty_on_view_of_leaf_raises():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
            make_double_inplace(T).apply(x[1])


def test_mark_dirty_on_leaf_requiring_grad_raises():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            make_double_inplace(T).apply(x)


def test_mark_dirty_without_grad_bumps_version():
    def f(T):
        x = T.tensor(X)
        out = make_double_inplace(T).apply(x)
        return out is x, x._version, x
    same(f)


def test_returning_an_input_unchanged():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = make_identity(T).apply(x)
        y.backward(T.tensor(G))
        return y is x, y.is_leaf, x.is_leaf, y.grad_fn.name(), x.grad, x.requires_grad
    same(f)


def test_non_tensor_argument_and_needs_input_grad():
    def f(T):
        a = T.tensor(X, requires_grad=True)
        b = T.tensor(G)
        fn = make_scaled_add(T)
        y = fn.apply(a, 2.5, b)
        flags = y.grad_fn.flags
        y.sum().backward()
        b2 = T.tensor(G, requires_grad=True)
        z = fn.apply(a, 1.5, b2)
        flags2 = z.grad_fn.flags
        z.backward(T.tensor(G))
        return flags, flags2, a.grad, b2.grad, len(z.grad_fn.next_functions)
    same(f)


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    def f(T):
        x = T.tensor(X, requires_grad=True)
        s, c = make_two_outputs(T, materialize).apply(x)
        s.sum().backward()  # c is unused: its gradient is zeros, or None when not materialized
        return s.grad_fn.seen, x.grad
    same(f)


def test_both_outputs_used():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        s, c = make_two_outputs(T, True).apply(x)
        (s * c + c).sum().backward()
        return (x.grad,)
    same(f)


def test_custom_function_under_no_grad_records_nothing():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        with T.no_grad():
            y = make_exp(T).apply(x)
        return y.requires_grad, y.grad_fn is None, y
    same(f)


def test_needs_input_grad_seen_by_forward_in_every_mode():
    def f(T):
        seen = []

        class Probe(T.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, w):
                seen.append(tuple(ctx.needs_input_grad))
                return x * k + w

            @staticmethod
            def backward(ctx, g):
                return g, None, g
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(G)
        Probe.apply(x, 2.0, w)
        with T.no_grad():
            Probe.apply(x, 2.0, w)
        Probe.apply(w, 2.0, w)
        return seen
    same(f)


def test_custom_function_on_inputs_without_grad():
    def f(T):
        y = make_exp(T).apply(T.tensor(X))
        return y.requires_grad, y.is_leaf, y
    same(f)


# ---- saved tensors and errors ----------------------------------------------------------------------
def test_save_for_backward_accepts_none():
    def f(T):
        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, None)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                x, nothing = ctx.saved_tensors
                assert nothing is None
                return g * 2
        x = T.tensor(X, requires_grad=True)
        F.apply(x).sum().backward()
        return (x.grad,)
    same(f)


def test_saved_input_modified_in_place_raises_at_backward():
    for T in (mytorch, torch):
        class Square(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * g * x
        h = T.tensor(X, requires_grad=True) * 1
        y = Square.apply(h)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            y.sum().backward()
        assert "[torch.FloatTensor [2, 3]]" in str(info.value)
        assert "is at version 1; expected version 0" in str(info.value)
        if T is mytorch:  # mytorch also names the node that saved it and the one that made it
            assert "saved for the backward of SquareBackward" in str(info.value)
            assert "output 0 of MulBackward0" in str(info.value)


def test_saved_tensors_freed_after_backward():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        y = make_exp(T).apply(x)
        y.sum().backward()
        with pytest.raises(RuntimeError, match="second time"):
            y.grad_fn.saved_tensors


def test_wrong_number_of_gradients_raises():
    for T in (mytorch, torch):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return g
        a = T.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="incorrect number of gradients"):
            Bad.apply(a, a).sum().backward()


@pytest.mark.parametrize("shape", [(3,), (6,), (2, 2), (3, 2)])
def test_gradient_of_wrong_shape_raises(shape):
    for T in (mytorch, torch):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return T.ones(shape)
        a = T.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="BadBackward") as info:
            Bad.apply(a).sum().backward()
        assert "[2, 3]" in str(info.value)


def test_gradient_of_broadcastable_shape_is_summed():
    def f(T):
        class Wide(T.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a.sum()

            @staticmethod
            def backward(ctx, g):
                return g * T.ones(4, 2, 3)  # larger than the input: summed to its shape, as in PyTorch
        a = T.tensor(X, requires_grad=True)
        Wide.apply(a).backward()
        return (a.grad,)
    same(f)


def test_gradient_dtype_is_cast_to_input_dtype():
    def f(T):
        class F(T.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2

            @staticmethod
            def backward(ctx, g):
                return (g * 2).double()
        a = T.tensor(X, requires_grad=True)
        F.apply(a).sum().backward()
        return a.grad, str(a.grad.dtype).split(".")[-1]
    same(f)


def test_forward_not_implemented():
    for T in (mytorch, torch):
        class NoForward(T.autograd.Function):
            pass
        with pytest.raises(NotImplementedError):
            NoForward.apply(T.tensor(X, requires_grad=True))


# ---- PyTorch 2 conveniences --------------------------------------------------------------------------
def test_setup_context_style():
    def f(T):
        class Scale(T.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                ctx.k = k
                ctx.save_for_backward(output)

            @staticmethod
            def backward(ctx, g):
                (out,) = ctx.saved_tensors
                return g * ctx.k + 0 * out, None
        x = T.tensor(X, requires_grad=True)
        y = Scale.apply(x, 3.0)
        y.backward(T.tensor(G))
        return y, x.grad
    same(f)


def _once_square(T):
    from importlib import import_module
    once = import_module(f"{T.__name__}.autograd.function").once_differentiable

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            ctx.grad_mode = T.is_grad_enabled()
            return 2 * g * x
    return Square


def test_once_differentiable_runs_without_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = _once_square(T).apply(x)
        node = y.grad_fn
        y.backward(T.tensor(G))
        (g,) = T.autograd.grad(_once_square(T).apply(x).sum(), x, create_graph=True)
        return x.grad, node.grad_mode, g, g.requires_grad
    same(f)


def test_once_differentiable_refuses_a_second_derivative():
    for T in (mytorch, torch):
        x = T.tensor(X, requires_grad=True)
        y = _once_square(T).apply(x)
        v = T.tensor(G, requires_grad=True)
        (g,) = T.autograd.grad(y, x, v, create_graph=True)
        assert g.requires_grad
        with pytest.raises(RuntimeError, match="once_differentiable"):
            g.sum().backward()


def test_checkpoint_style_function_recomputes_in_backward():
    """A nested backward inside backward: the recompute-in-backward pattern of activation checkpointing."""
    def f(T):
        class Checkpoint(T.autograd.Function):
            @staticmethod
            def forward(ctx, fn, x, w):
                ctx.fn = fn
                ctx.save_for_backward(x, w)
                with T.no_grad():
                    return fn(x, w)

            @staticmethod
            def backward(ctx, g):
                x, w = (t.detach().requires_grad_(t.requires_grad) for t in ctx.saved_tensors)
                with T.enable_grad():
                    out = ctx.fn(x, w)
                T.autograd.backward(out, g)
                return None, x.grad, w.grad

        def block(x, w):
            return (x @ w).tanh() * x.sum()
        x = T.tensor(X, requires_grad=True)
        w = T.tensor(G.T.copy(), requires_grad=True)
        y = Checkpoint.apply(block, x * 2, w)
        (y * y).sum().backward()
        return y, x.grad, w.grad, y.grad_fn.name()
    same(f, atol=1e-4)


def test_variable_is_a_detached_tensor_like_pytorch(backend):
    for T in (torch, mytorch):
        x = T.ones(2, requires_grad=True) * 2
        v = T.autograd.Variable(x)
        assert v.grad_fn is None and not v.requires_grad and isinstance(x, T.autograd.Variable)
        w = T.autograd.Variable(T.ones(2), requires_grad=True)
        assert w.requires_grad and w.is_leaf
        assert T.autograd.Variable().shape == (0,)
        with pytest.raises(TypeError, match="has to be a tensor"):
            T.autograd.Variable(3)
        with pytest.warns(UserWarning, match="volatile was removed"):
            T.autograd.Variable(x, volatile=True)
