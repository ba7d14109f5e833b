"""In-place ops and autograd, against PyTorch: gradients through in-place writes on non-leaf
tensors and their views, version counters, and the errors PyTorch raises."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import same

X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], dtype=np.float32)
Y = np.array([[1.1, 0.4, -0.9], [-2.0, 0.8, 1.3]], dtype=np.float32)
A = np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1


def leaves(T, *arrays):
    return [T.tensor(a, requires_grad=True) for a in arrays]


# ---- gradients through in-place writes ----------------------------------------------------------
def test_setitem_with_element_of_another_tensor():
    def f(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = T.tensor([5.0], requires_grad=True)
        h = x * 2
        h[0] = y[0]
        (h * h).sum().backward()
        return x.grad, y.grad, h._version
    same(f)


def test_mul_on_slice_of_non_leaf():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        h[1:].mul_(3)
        (h * h).sum().backward()
        return x.grad, h._version
    same(f)


def test_chain_of_inplace_ops():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        h.add_(1).mul_(3).sub_(x).div_(2)
        h.exp_()
        h.sum().backward()
        return x.grad, h._version, h.grad_fn.name()
    same(f)


def test_augmented_assignment_on_non_leaf():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 1
        h += x
        h *= 3
        h -= 1
        h /= 2
        (h * h).sum().backward()
        return x.grad, h._version
    same(f)


def test_masked_setitem_constant():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        h[h < 0] = 0
        (h * h).sum().backward()
        return x.grad, h, h._version
    same(f)


def test_masked_setitem_from_tensor_requiring_grad():
    def f(T):
        x, y = leaves(T, X, Y)
        h = x * 2
        m = h < 0
        h[m] = y[m]
        (h * h).sum().backward()
        return x.grad, y.grad, h._version
    same(f)


def test_setitem_rows_columns_and_index_lists():
    def f(T):
        x, y = leaves(T, X, Y[0])
        h = x * 2
        h[1] = y
        h[:, 0] = 5.0
        h[[0, 1], [2, 1]] = 0.0
        (h * h).sum().backward()
        return x.grad, y.grad, h._version
    same(f)


def test_setitem_broadcast_value():
    def f(T):
        x, y = leaves(T, A, np.array([2.0, -1.0], dtype=np.float32))
        h = x.sin()
        h[1:, ::2] = y
        (h * h).sum().backward()
        return x.grad, y.grad
    same(f)


def test_setitem_of_scaled_own_slice():
    def f(T):
        (x,) = leaves(T, A)
        h = x * 1
        h[::2, 1::2] = h[::2, 1::2] * 10
        (h * h).sum().backward()
        return x.grad, h._version
    same(f)


def test_copy_into_non_leaf_with_broadcast():
    def f(T):
        x, y = leaves(T, X, Y[0])
        h = x * 2
        h.copy_(y)
        (h * x).sum().backward()
        return x.grad, y.grad, h._version
    same(f)


def test_copy_between_dtypes_into_a_view():
    def f(T):
        (x,) = leaves(T, X)
        y = T.tensor(Y.astype(np.float64), requires_grad=True)
        h = x * 2
        h[0].copy_(y[1])
        (h * x).sum().backward()
        return x.grad, y.grad, str(y.grad.dtype).split(".")[-1], h._version
    same(f)


def test_copy_into_plain_tensor_makes_it_part_of_the_graph():
    def f(T):
        (y,) = leaves(T, X)
        buf = T.zeros(2, 3)
        buf.copy_(y * 3)
        (buf * buf).sum().backward()
        return y.grad, buf.requires_grad, buf.is_leaf, buf._version
    same(f)


def test_copy_into_view_of_plain_tensor():
    def f(T):
        (y,) = leaves(T, X[0])
        base = T.zeros(2, 3)
        v = base[1]
        v.copy_(y * 2)
        (base * base).sum().backward()
        return y.grad, base.requires_grad, v.requires_grad, base.is_leaf
    same(f)


def test_fill_and_zero_on_views():
    def f(T):
        (x,) = leaves(T, X)
        h = x.sin()
        h[0].fill_(2)
        h[:, 2].zero_()
        (h * h).sum().backward()
        return x.grad, h, h._version
    same(f)


@pytest.mark.parametrize("op", ["fill_", "zero_", "copy_"])
def test_overwriting_a_non_leaf_keeps_it_in_the_graph(op):
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        early = h[0]
        {"fill_": lambda: h.fill_(0.5), "zero_": lambda: h.zero_(), "copy_": lambda: h.copy_(T.ones(2, 3))}[op]()
        flags = (h.requires_grad, h.is_leaf, h.grad_fn.next_functions[0][0].name())
        (h.sum() + early.sum()).backward()
        return flags, x.grad
    same(f)


def test_fill_with_tensor_value_carries_gradient():
    def f(T):
        x, s = leaves(T, X, np.array(3.0, dtype=np.float32))
        h = x.sin()
        h[1].fill_(s)
        (h * h).sum().backward()
        return x.grad, s.grad
    same(f)


def test_inplace_on_view_of_view_and_transposed_view():
    def f(T):
        (x,) = leaves(T, A)
        h = x * 2
        h.view(12)[2:7].mul_(2)
        h.t()[1].add_(1)
        h[1:, 1:][0].neg_()
        (h * h).sum().backward()
        return x.grad, h._version
    same(f)


def test_inplace_unary_on_non_leaf():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        h.sigmoid_()
        h.sum().backward()
        return x.grad
    same(f)


def test_view_made_before_base_was_modified_sees_new_history():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        v = h[0]
        h.mul_(2)  # v now shows 4x
        name = v.grad_fn.name()
        v.sum().backward()
        return x.grad, v._version, name
    same(f)


def test_view_made_before_sibling_view_was_modified():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        v = h[0]
        w = h[:, 1]
        w.mul_(3)  # changes v[1]
        (v * v).sum().backward()
        return x.grad
    same(f)


def test_stale_view_as_backward_root():
    def f(T):
        (x,) = leaves(T, X)
        h = x.sin()
        v = h[1]
        h[1, 0] = 7.0
        v.backward(T.ones(3))
        return (x.grad,)
    same(f)


def test_inplace_under_no_grad_on_leaf_is_allowed():
    def f(T):
        (x,) = leaves(T, X)
        with T.no_grad():
            x.mul_(2)
            x[0] = 1.0
            x[1].add_(1)
        (x * x).sum().backward()
        return x.grad, x._version, x.is_leaf, x.requires_grad
    same(f)


def test_data_writes_bypass_autograd():
    def f(T):
        (x,) = leaves(T, X)
        y = (x * x).sum()
        x.data.mul_(2)  # the optimizer-style update: not seen by the version counter
        y.backward()
        return x.grad, x._version
    same(f)


# ---- version counters -----------------------------------------------------------------------------
def test_version_counter_shared_by_views_and_base():
    def f(T):
        x = T.zeros(3, 4)
        a, b, c = x[0], x[:, 1], x.view(12)
        d, e, g = x.t(), x.reshape(4, 3), x.unsqueeze(0)
        out = [x._version]
        a.add_(1)
        out.append((x._version, a._version, b._version))
        x[1, 1] = 5
        out.append((x._version, c._version))
        d.mul_(2)
        e.zero_()
        g.fill_(1)
        out.append((x._version, a._version))
        x.copy_(T.ones(3, 4))
        x += 1
        x.clamp_(0, 1)
        out.append(x._version)
        return out
    same(f)


def test_version_counter_of_copies_and_detached_aliases():
    def f(T):
        x = T.zeros(3, 4)
        y = x.clone()
        z = x.detach()
        z.add_(1)  # detach shares the counter
        w = x.t().contiguous()
        w.add_(1)  # a copy: its own counter
        return y._version, x._version, z._version, w._version, x.data._version
    same(f)


def test_version_counter_of_non_leaf_views():
    def f(T):
        (x,) = leaves(T, X)
        h = x * 2
        v = h[0]
        v.mul_(2)
        h[1] = 0.0
        return h._version, v._version, x._version
    same(f)


# ---- errors --------------------------------------------------------------------------------------
def _both_raise(fn, exc, *phrases):
    for T in (mytorch, torch):
        with pytest.raises(exc) as info:
            fn(T)
        if T is mytorch:
            for p in phrases:
                assert p in str(info.value), f"{p!r} not in {info.value}"


def test_inplace_on_leaf_requiring_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        x.add_(1)
    _both_raise(f, RuntimeError, "a leaf Variable that requires grad", "add_")


def test_setitem_on_leaf_requiring_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        x[0] = 1.0
    _both_raise(f, RuntimeError, "a leaf Variable that requires grad")


def test_inplace_on_view_of_leaf_requiring_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        x[0].mul_(2)
    _both_raise(f, RuntimeError, "a view of a leaf Variable that requires grad", "mul_")


def test_saved_tensor_modified_in_place():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x.exp()  # exp saves its output
        y = h.sum()
        h.add_(1)
        y.backward()
    _both_raise(f, RuntimeError, "modified by an inplace operation", "[torch.FloatTensor [2, 3]]",
                "output 0 of ExpBackward0", "is at version 1; expected version 0")


def test_saved_input_modified_through_a_view():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        h = x * 1
        y = (h * h).sum()  # mul saves h
        h[0, 1] = 0.0
        y.backward()
    _both_raise(f, RuntimeError, "modified by an inplace operation", "MulBackward0")


def test_saved_leaf_modified_under_no_grad():
    def f(T):
        x = T.tensor(X, requires_grad=True)
        y = (x * x).sum()
        with T.no_grad():
            x.add_(1)
        y.backward()
    _both_raise(f, RuntimeError, "modified by an inplace operation", "is at version 1; expected version 0")


def test_inplace_on_expanded_view():
    def f(T):
        T.zeros(3).expand(2, 3).add_(1)
    _both_raise(f, RuntimeError, "single memory location", "add_")


def test_inplace_result_type_cannot_be_cast():
    def f(T):
        T.tensor([1, 2, 3]).mul_(1.5)
    _both_raise(f, RuntimeError, "result type Float can't be cast to the desired output type Long", "mul_")


def test_inplace_shape_cannot_broadcast_to_self():
    def f(T):
        T.zeros(3).add_(T.ones(2, 3))
    _both_raise(f, RuntimeError, "add_", "[3]", "[2, 3]")


# ---- random sequences of in-place writes through views ---------------------------------------------
VIEWS = {
    "whole": lambda h: h,
    "row": lambda h: h[1],
    "column": lambda h: h[:, 2],
    "block": lambda h: h[1:, ::2],
    "transposed_row": lambda h: h.t()[3],
    "flat_slice": lambda h: h.view(12)[3:9],
    "diagonal": lambda h: h.diagonal(),
}
WRITES = {
    "mul_": lambda T, v, y, h: v.mul_(1.5),
    "add_tensor": lambda T, v, y, h: v.add_(y.view(12)[:v.numel()].view(v.shape)),
    "mul_tensor": lambda T, v, y, h: v.mul_(y.view(12)[-v.numel():].view(v.shape)),
    "copy_": lambda T, v, y, h: v.copy_(y.view(12)[12 - v.numel():].view(v.shape) * 2),
    "copy_from_itself": lambda T, v, y, h: v.copy_((h.reshape(12)[-v.numel():] * 1).reshape(v.shape)),
    "fill_": lambda T, v, y, h: v.fill_(0.5),
    "zero_": lambda T, v, y, h: v.zero_(),
    "neg_": lambda T, v, y, h: v.neg_(),
    "masked_setitem": lambda T, v, y, h: v.__setitem__(v > 0, 0.25),
    "index_setitem": lambda T, v, y, h: v.__setitem__([0, -1], y[0, :2].reshape((2,) + v.shape[1:2]).squeeze(-1)
                                                      if v.ndim == 1 else y[0, :2, None]),
}


@pytest.mark.parametrize("seed", range(24))
def test_random_inplace_writes_through_views(seed):
    rng = np.random.default_rng(seed)
    steps = [(list(VIEWS)[rng.integers(len(VIEWS))], list(WRITES)[rng.integers(len(WRITES))]) for _ in range(4)]
    keep = list(VIEWS)[rng.integers(len(VIEWS))]
    g = rng.standard_normal((3, 4)).astype(np.float32)

    def f(T):
        x, y = leaves(T, A, A.T.copy() + 0.5)
        h = x * 2
        early = VIEWS[keep](h)  # a view made before the writes: it must see them
        for view, write in steps:
            WRITES[write](T, VIEWS[view](h), y, h)
        (h * T.tensor(g)).sum().add(early.sum()).backward()
        return h, early, x.grad, y.grad, h._version, early._version
    same(f, atol=1e-5)
