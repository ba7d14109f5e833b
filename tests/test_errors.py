"""Errors are API: for each kind of bad input, mytorch raises the exception type PyTorch raises, and
its message names the op and the shapes, dims or dtypes involved.

Each case is ``fn(T, *tensors)`` (the tensors built from the NumPy arrays in both frameworks) and the
phrases mytorch's message must contain.
"""
import numpy as np
import pytest

from helpers import raises_like

M23 = np.arange(6, dtype=np.float32).reshape(2, 3)
M45 = np.ones((4, 5), np.float32)
B234 = np.ones((2, 3, 4), np.float32)
V3 = np.ones(3, np.float32)
V4 = np.ones(4, np.float32)
I23 = np.arange(6).reshape(2, 3)
S = np.float32(1.5)


def _freed_graph(T, x):
    x.requires_grad_()
    y = (x * x).sum()
    y.backward()
    y.backward()


def _saved_modified(T, x):
    x.requires_grad_()
    h = x.exp()
    y = h.sum()
    h.mul_(2)
    y.backward()


CASES = {
    # shape mismatches
    "matmul": (lambda T, a, b: a @ b, (M23, M45), ["matmul", "2x3", "4x5"]),
    "mm": (lambda T, a, b: T.mm(a, b), (M23, M45), ["mm", "2x3", "4x5"]),
    "mm_not_matrix": (lambda T, a, b: T.mm(a, b), (M23, V3), ["mm", "matrix", "1-D"]),
    "bmm": (lambda T, a, b: T.bmm(a, b), (B234, B234), ["bmm", "2x3x4"]),
    "bmm_not_3d": (lambda T, a, b: T.bmm(a, b), (M23, M23), ["bmm", "3D", "2-D"]),
    "matmul_batch_dims": (lambda T, a, b: a @ b, (B234, np.ones((3, 4, 5), np.float32)),
                          ["matmul", "(2)", "(3)"]),
    "matmul_0d": (lambda T, a: a @ a, (S,), ["matmul", "0D"]),
    "dot_sizes": (lambda T, a, b: T.dot(a, b), (V3, V4), ["[3]", "[4]"]),
    "add_broadcast": (lambda T, a, b: a + b, (M23, M45), ["add", "[2, 3]", "[4, 5]", "dimension 1"]),
    "mul_broadcast": (lambda T, a, b: a * b, (M23, M23.T.copy()), ["mul", "[2, 3]", "[3, 2]"]),
    "where_broadcast": (lambda T, a, b: T.where(a > 0, a, b), (M23, M45), ["where", "[4, 5]"]),
    "cat_sizes": (lambda T, a, b: T.cat([a, b]), (M23, M45), ["cat", "dimension 0", "size 3", "size 5"]),
    "cat_ndim": (lambda T, a, b: T.cat([a, b]), (M23, B234), ["cat", "got 2 and 3"]),
    "stack_sizes": (lambda T, a, b: T.stack([a, b]), (M23, M45), ["stack", "[2, 3]", "[4, 5]"]),
    "view_numel": (lambda T, a: a.view(4, 2), (M23,), ["view", "[4, 2]", "size 6"]),
    "view_two_inferred": (lambda T, a: a.view(-1, -1), (M23,), ["view", "only one dimension can be inferred"]),
    "reshape_numel": (lambda T, a: a.reshape(5), (M23,), ["reshape", "[5]", "size 6"]),
    "expand_size": (lambda T, a: a.expand(4, 3), (M23,), ["expand", "(4)", "(2)", "[4, 3]", "[2, 3]"]),
    "expand_fewer_dims": (lambda T, a: a.expand(3), (M23,), ["expand", "[2, 3]", "[3]"]),
    "view_non_contiguous": (lambda T, a: a.t().view(6), (M23,), ["view", "[3, 2]", "strides", "reshape"]),
    "setitem_value_shape": (lambda T, a: a.__setitem__(0, T.ones(4)), (M23,), ["[4]", "(3,)"]),
    "inplace_broadcast_to_self": (lambda T, a: a.add_(T.ones(2, 3)), (V3,), ["add_", "[3]", "[2, 3]"]),
    # dims out of range
    "sum_dim": (lambda T, a: a.sum(2), (M23,), ["sum", "[-2, 1]", "got 2"]),
    "sum_repeated_dim": (lambda T, a: a.sum((0, 0)), (M23,), ["sum", "dim 0", "multiple times"]),
    "mean_dim": (lambda T, a: a.mean(-3), (M23,), ["mean", "[-2, 1]", "got -3"]),
    "amax_dim": (lambda T, a: a.amax(3), (M23,), ["amax", "got 3"]),
    "argmax_dim": (lambda T, a: a.argmax(2), (M23,), ["argmax", "got 2"]),
    "max_dim": (lambda T, a: a.max(2), (M23,), ["max", "got 2"]),
    "transpose_dim": (lambda T, a: a.transpose(0, 2), (M23,), ["transpose", "got 2"]),
    "permute_length": (lambda T, a: a.permute(0), (M23,), ["permute", "input.dim() = 2", "len(dims) = 1"]),
    "squeeze_dim": (lambda T, a: a.squeeze(3), (M23,), ["squeeze", "got 3"]),
    "unsqueeze_dim": (lambda T, a: a.unsqueeze(3), (M23,), ["unsqueeze", "[-3, 2]", "got 3"]),
    "select_dim": (lambda T, a: a.select(2, 0), (M23,), ["select", "got 2"]),
    "narrow_dim": (lambda T, a: a.narrow(3, 0, 1), (M23,), ["narrow", "got 3"]),
    "narrow_length": (lambda T, a: a.narrow(1, 2, 2), (M23,), ["narrow", "start (2)", "length (2)", "size (3)"]),
    "flatten_order": (lambda T, a: a.flatten(1, 0), (B234,), ["flatten", "start_dim", "end_dim"]),
    "t_of_3d": (lambda T, a: a.t(), (B234,), ["t()", "3D"]),
    "softmax_dim": (lambda T, a: a.softmax(2), (M23,), ["softmax", "[-2, 1]", "got 2"]),
    "log_softmax_dim": (lambda T, a: T.nn.functional.log_softmax(a, -3), (M23,), ["log_softmax", "got -3"]),
    "softmax_without_dim": (lambda T, a: a.softmax(), (M23,), ["softmax", "dim"]),
    # nn.functional
    "linear_shapes": (lambda T, a, b: T.nn.functional.linear(a, b), (M23, M45), ["2x3", "5x4"]),
    "layer_norm_shape": (lambda T, a: T.nn.functional.layer_norm(a, (4,)), (M23,), ["normalized_shape=[4]",
                                                                                   "[2, 3]"]),
    "cross_entropy_target_range": (lambda T, a: T.nn.functional.cross_entropy(a, T.tensor([0, 5])), (M23,),
                                   ["Target 5", "out of bounds"]),
    "cross_entropy_float_target": (lambda T, a: T.nn.functional.cross_entropy(a, T.tensor([0.0, 1.0])), (M23,),
                                   ["target dtype", "Float"]),
    "nll_loss_batch": (lambda T, a: T.nn.functional.nll_loss(a, T.tensor([0])), (M23,),
                       ["batch_size (2)", "batch_size (1)"]),
    "embedding_index": (lambda T, a: T.nn.functional.embedding(T.tensor([5]), a), (M23,), ["index out of range"]),
    # indices out of range, bad index types
    "getitem_int": (lambda T, a: a[2], (M23,), ["index 2", "dimension 0", "size 2"]),
    "getitem_second_int": (lambda T, a: a[0, 5], (M23,), ["index 5", "dimension 1", "size 3"]),
    "getitem_negative": (lambda T, a: a[-3], (M23,), ["index -3", "size 2"]),
    "getitem_too_many": (lambda T, a: a[0, 0, 0], (M23,), ["too many indices", "dimension 2"]),
    "getitem_tensor_index": (lambda T, a: a[T.tensor([0, 2])], (M23,), ["index 2", "dimension 0", "size 2"]),
    "getitem_float_index": (lambda T, a: a[T.tensor([0.0, 1.0])], (M23,), ["long, int, byte or bool", "float32"]),
    "getitem_mask_shape": (lambda T, a: a[T.tensor([True, False, True])], (M23,), ["mask", "[3]", "[2, 3]"]),
    "getitem_negative_step": (lambda T, a: a[::-1], (M23,), ["step", "-1", "[2, 3]"]),
    "select_index": (lambda T, a: a.select(1, 3), (M23,), ["select", "index 3", "[2, 3]", "dimension 1"]),
    "index_from_float_tensor": (lambda T, a: [1, 2, 3][a], (S,), ["integer tensors", "index", "float32"]),
    # dtypes
    "bitwise_and_float": (lambda T, a: a & a, (M23,), ["bitwise_and", "Float"]),
    "bitwise_or_float": (lambda T, a: T.bitwise_or(a, a), (M23,), ["bitwise_or", "Float"]),
    "bitwise_xor_float": (lambda T, a: a ^ a, (M23,), ["bitwise_xor", "Float"]),
    "bitwise_not_float": (lambda T, a: ~a, (M23,), ["bitwise_not", "float32"]),
    "mean_of_int": (lambda T, a: a.mean(), (I23,), ["mean", "Long"]),
    "requires_grad_of_int": (lambda T, a: a.requires_grad_(), (I23,), ["floating point", "int64"]),
    "int_pow_negative": (lambda T, a: a ** -1, (I23,), ["pow", "negative"]),
    "int_floor_divide_by_zero": (lambda T, a: a // 0, (I23,), ["ZeroDivisionError", "floor_divide"]),
    "inplace_result_type": (lambda T, a: a.mul_(1.5), (I23,), ["mul_", "Float", "Long"]),
    # Python protocol
    "item_of_many": (lambda T, a: a.item(), (M23,), ["6 elements", "item()", "[2, 3]"]),
    "bool_of_many": (lambda T, a: bool(a), (M23,), ["Boolean value", "ambiguous", "[2, 3]"]),
    "float_of_many": (lambda T, a: float(a), (M23,), ["float()", "one element", "[2, 3]"]),
    "len_of_0d": (lambda T, a: len(a), (S,), ["len()", "0-d"]),
    "iter_of_0d": (lambda T, a: iter(a), (S,), ["iteration", "0-d"]),
    "numpy_requires_grad": (lambda T, a: a.requires_grad_().numpy(), (M23,), ["numpy()", "requires grad",
                                                                              "detach"]),
    # creation
    "arange_zero_step": (lambda T: T.arange(0, 5, 0), (), ["arange", "step must be nonzero"]),
    "arange_step_sign": (lambda T: T.arange(0, 5, -1), (), ["arange", "start=0", "end=5", "step=-1"]),
    "zeros_negative_size": (lambda T: T.zeros(2, -1), (), ["zeros", "-1", "[2, -1]"]),
    "eye_negative": (lambda T: T.eye(-1), (), ["eye", "-1"]),
    # autograd
    "backward_freed_graph": (_freed_graph, (M23,), ["second time", "retain_graph=True", "MulBackward0"]),
    "backward_non_scalar": (lambda T, a: (a.requires_grad_() * 2).backward(), (M23,),
                            ["implicitly created only for scalar outputs", "[2, 3]"]),
    "inplace_on_leaf": (lambda T, a: a.requires_grad_().add_(1), (M23,), ["leaf Variable", "add_"]),
    "inplace_on_view_of_leaf": (lambda T, a: a.requires_grad_()[0].zero_(), (M23,),
                                ["view of a leaf", "in-place operation"]),
    "saved_tensor_modified": (_saved_modified, (M23,), ["inplace operation", "[torch.FloatTensor [2, 3]]",
                                                        "ExpBackward0", "version 1", "expected version 0"]),
    "grad_of_tensor_without_grad": (lambda T, a: T.autograd.grad((a * 2).sum(), a), (M23,),
                                    ["does not require grad"]),
    "backward_gradient_shape": (lambda T, a: (a.requires_grad_() * 2).backward(T.ones(3)), (M23,),
                                ["shape", "[3]", "[2, 3]"]),
    "grad_empty_inputs": (lambda T, a: T.autograd.grad((a.requires_grad_() * 2).sum(), []), (M23,),
                          ["inputs", "grad()", "empty"]),
    "backward_empty_inputs": (lambda T, a: (a.requires_grad_() * 2).sum().backward(inputs=[]), (M23,),
                              ["inputs", "backward()", "empty"]),
    "requires_grad_false_on_non_leaf": (lambda T, a: (a.requires_grad_() * 2).requires_grad_(False), (M23,),
                                        ["leaf", "detach()"]),
}


@pytest.mark.parametrize("case", CASES)
def test_error_matches_torch(case):
    fn, arrays, phrases = CASES[case]
    raises_like(fn, *arrays, match=phrases)


def test_enough_kinds_of_bad_input():
    assert len(CASES) >= 35

