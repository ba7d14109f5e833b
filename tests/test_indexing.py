"""Indexing: basic (views), advanced (copies), boolean masks, setitem — values and gradients vs torch."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck

rng = np.random.default_rng(2)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


KEYS = {
    "int": lambda T: 1,
    "neg_int": lambda T: -1,
    "slice": lambda T: slice(1, None),
    "step": lambda T: (slice(None), slice(None, None, 2)),
    "neg_bounds": lambda T: (slice(-2, None), slice(None, -1)),
    "none": lambda T: (None, 0, None),
    "ellipsis": lambda T: (Ellipsis, 1),
    "ellipsis_mid": lambda T: (0, Ellipsis, slice(1, 3)),
    "int_list": lambda T: [0, 2, 2],
    "int_tensor": lambda T: T.tensor([[0, 1], [2, 0]]),
    "two_tensors": lambda T: (T.tensor([0, 2]), T.tensor([1, 2])),
    "tensor_and_slice": lambda T: (slice(None), slice(None), T.tensor([3, 0, 3])),
    "separated_advanced": lambda T: (T.tensor([0, 1]), slice(None), T.tensor([1, 2])),
    "negative_index_tensor": lambda T: T.tensor([-1, -3]),
    "bool_mask_row": lambda T: T.tensor([True, False, True]),
    "full_mask": lambda T: T.tensor(np.arange(36).reshape(3, 3, 4) % 3 == 0),
    "mask_2d": lambda T: T.tensor(np.arange(9).reshape(3, 3) % 2 == 0),
    "scalar_bool": lambda T: True,
}


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
@pytest.mark.parametrize("name", sorted(KEYS))
def test_getitem(name, layout):
    check(lambda T, x: x[KEYS[name](T)] * 3, rand(3, 3, 4), layout=layout)


@pytest.mark.parametrize("name", ["int", "step", "int_tensor", "two_tensors", "mask_2d", "ellipsis_mid"])
def test_getitem_gradcheck(name):
    gradcheck(lambda T, x: x[KEYS[name](T)], rand(3, 3, 4).astype(np.float64))


def test_repeated_indices_accumulate_gradient():
    check(lambda T, x: x[T.tensor([0, 0, 1, 0])], rand(3, 2))


def test_basic_index_is_view_advanced_is_copy():
    x = mytorch.zeros(3, 4)
    x[1][2] = 5.0
    assert float(x[1, 2]) == 5.0
    y = x[[1]]
    y[0, 0] = 7.0
    assert float(x[1, 0]) == 0.0


SET_KEYS = {
    "int": (lambda T: 1, (4,)),
    "slice": (lambda T: (slice(None), slice(1, 3)), (3, 2)),
    "broadcast_row": (lambda T: slice(0, 2), (4,)),
    "tensor": (lambda T: T.tensor([2, 0]), (2, 4)),
    "mask": (lambda T: T.tensor(np.arange(12).reshape(3, 4) % 3 == 0), (4,)),
    "scalar_value": (lambda T: (0, slice(None)), None),
}


@pytest.mark.parametrize("name", sorted(SET_KEYS))
def test_setitem_values_and_gradients(name):
    key_fn, vshape = SET_KEYS[name]
    x = rand(3, 4)
    if vshape is None:
        def f(T, x):
            h = x * 2
            h[key_fn(T)] = 0.5
            return h
        check(f, x)
        return

    def f(T, x, v):
        h = x * 2
        h[key_fn(T)] = v
        return h * h
    v = rand(*vshape) if name != "mask" else rand(1)
    check(f, x, v)


def test_setitem_on_view_of_nonleaf_updates_base_gradient():
    def f(T, x, v):
        h = x * 2
        row = h[1]
        row.mul_(v)
        return h.sum() + row.sum()
    check(f, rand(3, 4), rand(4))


def test_setitem_leaf_without_grad_and_errors():
    x = mytorch.zeros(2, 3)
    x[:, 1] = mytorch.tensor([1.0, 2.0])
    assert x.tolist() == [[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]]
    x[x > 1.5] = -1.0
    assert x.tolist() == [[0.0, 1.0, 0.0], [0.0, -1.0, 0.0]]
    w = mytorch.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 1.0
    with mytorch.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("key", [5, (0, 9), [0, 7]])
def test_index_out_of_range(key):
    import torch
    for T in (torch, mytorch):
        with pytest.raises(IndexError):
            T.zeros(3, 4)[key]


def test_negative_step_rejected():
    with pytest.raises(ValueError, match="step must be greater than zero"):
        mytorch.zeros(3)[::-1]


def test_index_put():
    check(lambda T, x, v: x.index_put((T.tensor([0, 0, 2]),), v, accumulate=True), rand(3, 2), rand(3, 2))
    check(lambda T, x, v: (x * 1).index_put_((T.tensor([1, 2]), T.tensor([0, 1])), v), rand(3, 2), rand(2))


SETITEM_CASTS = {
    "int_from_float_tensor": lambda T: (T.zeros(3, 4, dtype=T.int64), (1,), T.tensor([1.7, -2.7, 3.5, 9.9])),
    "bool_from_int": lambda T: (T.zeros(3, 4, dtype=T.bool), (slice(None), 1), 2),
    "half_from_double": lambda T: (T.zeros(2, 3, dtype=T.float16), (0,),
                                   T.tensor([1 / 3, 2 / 3, 1e-8], dtype=T.float64)),
    "none_and_ellipsis": lambda T: (T.zeros(2, 3), (Ellipsis, None, slice(1, 3)), T.tensor([5.0, 6.0])),
    "zero_dim_value": lambda T: (T.zeros(4), (slice(1, None, 2),), T.tensor(7.0)),
    "transposed_target": lambda T: (T.zeros(3, 4).t(), (slice(0, 2),), T.arange(3.0)),
    "complex_from_real": lambda T: (T.zeros(3, dtype=T.complex64), (slice(0, 2),), T.tensor([1.0, 2.0])),
    "int_from_float_scalar": lambda T: (T.zeros(2, dtype=T.int32), (0,), -2.5),
}


@pytest.mark.parametrize("case", SETITEM_CASTS)
def test_setitem_without_autograd_casts_and_broadcasts_like_torch(case):
    """A basic-key write with nothing to record goes straight into the view: same values as torch, the tensor's
    memory kept, its version bumped."""
    import torch
    xt, key, vt = SETITEM_CASTS[case](torch)
    xm, _, vm = SETITEM_CASTS[case](mytorch)
    ptr, version = xm.data_ptr(), xm._version
    xt[key] = vt
    xm[key] = vm
    np.testing.assert_array_equal(np.asarray(xm.tolist()), np.asarray(xt.tolist()))
    assert xm.data_ptr() == ptr and xm._version == version + 1


def test_setitem_integer_overflow_and_overlap_errors():
    with pytest.raises(RuntimeError, match="300 cannot be converted to type uint8 without overflow"):
        mytorch.zeros(2, dtype=mytorch.uint8)[0] = 300
    x = mytorch.arange(5.0)
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to tensor refer"):
        x[1:] = x[:-1]  # as PyTorch: partial overlap (tests/test_overlap.py)
    x[2:4] = x[:2]  # disjoint ranges of the same storage: written through a copy, as if read first
    assert x.tolist() == [0.0, 1.0, 0.0, 1.0, 4.0]


def test_setitem_of_a_value_that_requires_grad_is_recorded():
    v = mytorch.tensor(2.0, requires_grad=True)
    x = mytorch.zeros(3)
    x[1] = v
    (x * mytorch.tensor([1.0, 3.0, 5.0])).sum().backward()
    assert v.grad.item() == 3.0
    with mytorch.no_grad():
        y = mytorch.zeros(3)
        y[1] = v
    assert not y.requires_grad and y.tolist() == [0.0, 2.0, 0.0]
