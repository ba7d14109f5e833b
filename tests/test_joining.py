"""cat/stack, split/chunk/unbind, flip/roll, repeat/tile, tril/triu, meshgrid, pad: values, gradients, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(4)


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def pad_of(T):
    return mytorch.pad if T is mytorch else F.pad


# ---- cat / stack ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(layout, dim):
    check(lambda T, a, b: T.cat([a, b * 2, a], dim), rand(3, 4), rand(3, 4), layout=layout)


def test_cat_aliases_sizes_and_promotion():
    check(lambda T, a, b: T.cat((a, b), dim=1), rand(2, 3), rand(2, 5))
    check(lambda T, a, b: T.concat([a, b]), rand(1, 3), rand(4, 3))
    check(lambda T, a, b: T.concatenate([a, b], axis=0), rand(1, 3), rand(4, 3))
    check(lambda T, a, b: T.cat([a, b.double(), T.ones(2, 3, dtype=T.int32)]), rand(2, 3), rand(2, 3))
    check(lambda T, a: T.cat([a.int(), (a > 0)]), rand(2, 3), grad=False)


def test_cat_skips_1d_empty_tensors():
    check(lambda T, a, e: T.cat([a, e, a], 1), rand(3, 4), rand(0))
    check(lambda T, e, a: T.cat([e.double(), a.int()], 1), rand(0), rand(3, 4))
    check(lambda T, e: T.cat([e, e], 0), rand(0))
    check(lambda T, e, a: T.cat([e, a], 0), rand(0, 4), rand(3, 4))


def test_cat_gradcheck_and_double_backward():
    gradcheck(lambda T, a, b: T.cat([a, b, a], 1), rand(2, 2), rand(2, 3))
    assert mytorch.autograd.gradgradcheck(lambda a, b: T_cat_sq(a, b),
                                          [mytorch.tensor(rand(2, 2).astype(np.float64), requires_grad=True)] * 2)


def T_cat_sq(a, b):
    return mytorch.cat([a * b, a]) ** 2


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(layout, dim):
    check(lambda T, a, b: T.stack([a, b, a], dim), rand(3, 4), rand(3, 4), layout=layout)


@pytest.mark.parametrize("op", ["hstack", "vstack", "dstack", "column_stack", "row_stack"])
@pytest.mark.parametrize("shapes", [[(3,), (3,)], [(2, 3), (2, 3)], [(), ()], [(2, 2, 3), (2, 2, 3)]])
def test_stack_family(op, shapes):
    arrays = [rand(*s) for s in shapes]
    check(lambda T, a, b: getattr(T, op)([a, b * 3]), *arrays)


def test_stack_family_mixed_shapes():
    check(lambda T, a, b: T.hstack([a, b]), rand(2, 1), rand(2, 3))
    check(lambda T, a, b: T.vstack([a, b]), rand(3), rand(2, 3))
    check(lambda T, a, b: T.column_stack([a, b]), rand(2), rand(2, 3))
    check(lambda T, a, b: T.dstack([a, b]), rand(2, 3), rand(2, 3, 2))
    gradcheck(lambda T, a, b: T.dstack([a, b]), rand(3), rand(3))


@pytest.mark.parametrize("case, match", [
    (lambda T, a: T.cat([]), ["non-empty"]),
    (lambda T, a: T.cat([a, T.ones(3, 5)]), ["Sizes of tensors must match except in dimension 0",
                                             "Expected size 4 but got size 5 for tensor number 1"]),
    (lambda T, a: T.cat([a, T.ones(3, 4, 1)]), ["same number of dimensions: got 2 and 3"]),
    (lambda T, a: T.cat([a, T.tensor(1.0)]), ["zero-dimensional", "position 1"]),
    (lambda T, a: T.cat([a, 1]), ["element 1"]),
    (lambda T, a: T.cat(a), ["must be tuple of Tensors"]),
    (lambda T, a: T.cat([a, a], 2), ["Dimension out of range"]),
    (lambda T, a: T.stack([a, T.ones(3, 5)]), ["equal size", "[3, 4] at entry 0", "[3, 5] at entry 1"]),
    (lambda T, a: T.stack([]), ["non-empty"]),
    (lambda T, a: T.stack([a, a], 3), ["Dimension out of range"]),
])
def test_cat_stack_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- split / tensor_split / chunk / unbind --------------------------------------------------------------

SPLITS = {
    "split_int": lambda T, x: T.split(x, 2, 1),
    "split_sizes": lambda T, x: x.split([1, 0, 4], dim=-1),
    "split_dim0": lambda T, x: x.split(1),
    "tensor_split_sections": lambda T, x: T.tensor_split(x, 3, dim=1),
    "tensor_split_indices": lambda T, x: x.tensor_split([1, 4], 1),
    "tensor_split_overlap": lambda T, x: T.tensor_split(x, [3, 1, 9], dim=1),
    "tensor_split_negative": lambda T, x: T.tensor_split(x, [-2], dim=1),
    "tensor_split_tensor": lambda T, x: x.tensor_split(T.tensor([2, 3]), 1),
    "tensor_split_tensor_sections": lambda T, x: x.tensor_split(T.tensor(2), 1),
    "chunk": lambda T, x: T.chunk(x, 2, 1),
    "chunk_fewer": lambda T, x: x.chunk(4, -1),
    "unbind": lambda T, x: T.unbind(x, 1),
    "unbind_dim0": lambda T, x: x.unbind(),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_family(name, layout):
    check(SPLITS[name], rand(3, 5), layout=layout)


@pytest.mark.parametrize("name", ["split_sizes", "tensor_split_overlap", "chunk_fewer", "unbind"])
def test_split_family_gradcheck(name):
    gradcheck(lambda T, x: SPLITS[name](T, x), rand(2, 5))


def test_split_outputs_with_no_gradient():
    # only some pieces are used: the unused ones get zero gradient
    check(lambda T, x: T.split(x, 2, 1)[1] * 3, rand(3, 5))
    check(lambda T, x: T.unbind(x)[2].exp(), rand(3, 5))
    check(lambda T, x: T.tensor_split(x, [3, 1], 1)[2] * 2, rand(3, 5))
    x = mytorch.tensor(rand(4, 2).astype(np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda x: x.chunk(2)[1] ** 2, [x])


def test_split_returns_views():
    x = mytorch.zeros(4, 3)
    for parts in (x.split(2), x.chunk(2, 1), x.unbind(1), x.tensor_split([1, 3])):
        for p in parts:
            assert p._base is x
    x.unbind(0)[1].fill_(5.0)
    x.split([1, 2], 1)[1][0].fill_(2.0)
    np.testing.assert_array_equal(x.numpy(), [[0, 2, 2], [5, 5, 5], [0, 0, 0], [0, 0, 0]])


def test_chunk_empty_and_iteration():
    check(lambda T, x: T.chunk(x, 4), np.zeros((0, 2), np.float32))
    check(lambda T, x: T.chunk(x, 4), rand(6))
    check(lambda T, x: [r * 2 for r in x], rand(3, 2))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: T.split(x, 0), ["split_size can only be 0"]),
    (lambda T, x: T.split(x, -1), ["non-negative"]),
    (lambda T, x: T.split(x, [1, 1]), ["sum exactly to 3", "[1, 1]"]),
    (lambda T, x: T.split(x, [1, -1, 3]), ["non-negative entries"]),
    (lambda T, x: T.split(x, 2, 2), ["Dimension out of range"]),
    (lambda T, x: T.tensor_split(x, 0), ["larger than 0"]),
    (lambda T, x: T.tensor_split(x, T.tensor([[1]])), ["2 dims"]),
    (lambda T, x: T.tensor_split(x, 3.0), []),
    (lambda T, x: T.chunk(x, 0), ["greater than 0"]),
    (lambda T, x: T.unbind(T.tensor(1.0)), ["no dimensions"]),
])
def test_split_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- flip / roll ------------------------------------------------------------------------------------------

FLIPS = {
    "flip_one": lambda T, x: T.flip(x, [1]),
    "flip_two": lambda T, x: x.flip((0, -1)),
    "flip_none": lambda T, x: T.flip(x, ()),
    "fliplr": lambda T, x: T.fliplr(x),
    "flipud": lambda T, x: x.flipud(),
    "roll_dim": lambda T, x: T.roll(x, 1, 1),
    "roll_negative": lambda T, x: x.roll(-7, -1),
    "roll_dims": lambda T, x: T.roll(x, (1, -2), (0, 1)),
    "roll_flat": lambda T, x: T.roll(x, 5),
    "roll_zero": lambda T, x: T.roll(x, 4, 1),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(FLIPS))
def test_flip_roll(name, layout):
    check(FLIPS[name], rand(3, 4), layout=layout)


@pytest.mark.parametrize("name", ["flip_two", "roll_dims", "roll_flat"])
def test_flip_roll_gradcheck(name):
    gradcheck(lambda T, x: FLIPS[name](T, x), rand(2, 3))


def test_flip_and_roll_copy():
    x = mytorch.zeros(2, 3)
    for y in (x.flip(0), x.roll(3, 1), x.roll(0)):
        y.fill_(1.0)
    assert float(x.sum()) == 0.0
    check(lambda T, x: T.roll(x, 1), np.zeros((0, 3), np.float32))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: T.flip(x, (0, 0)), ["multiple times"]),
    (lambda T, x: T.fliplr(T.ones(3)), [">= 2-d"]),
    (lambda T, x: T.flipud(T.tensor(1.0)), [">= 1-d"]),
    (lambda T, x: T.roll(x, (1, 2), (0,)), ["shifts and dimensions must align"]),
    (lambda T, x: T.roll(x, (1, 2)), ["must align"]),
    (lambda T, x: T.roll(x, 1, 2), ["Dimension out of range"]),
    (lambda T, x: T.roll(x, ()), ["`shifts` required"]),
])
def test_flip_roll_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- repeat / tile / repeat_interleave ----------------------------------------------------------------------

REPEATS = {
    "repeat": lambda T, x: x.repeat(2, 3),
    "repeat_new_dims": lambda T, x: x.repeat(2, 1, 3),
    "repeat_ones": lambda T, x: x.repeat(1, 1),
    "repeat_zero": lambda T, x: x.repeat(0, 2),
    "tile": lambda T, x: T.tile(x, (2,)),
    "tile_more": lambda T, x: x.tile((2, 1, 2)),
    "interleave_flat": lambda T, x: T.repeat_interleave(x, 2),
    "interleave_dim": lambda T, x: x.repeat_interleave(3, dim=1),
    "interleave_tensor": lambda T, x: T.repeat_interleave(x, T.tensor([1, 0, 2]), 0),
    "interleave_tensor_one": lambda T, x: x.repeat_interleave(T.tensor([2]), -1),
    "interleave_tensor_flat": lambda T, x: T.repeat_interleave(x[:1], T.tensor([1, 2, 0, 1])),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", sorted(REPEATS))
def test_repeat_family(name, layout):
    check(REPEATS[name], rand(3, 4), layout=layout)


@pytest.mark.parametrize("name", ["repeat_new_dims", "tile_more", "interleave_dim", "interleave_tensor"])
def test_repeat_family_gradcheck(name):
    gradcheck(lambda T, x: REPEATS[name](T, x), rand(3, 2))


def test_repeat_makes_a_copy_and_index_form():
    x = mytorch.zeros(1, 3)
    x.repeat(1, 1).fill_(1.0)
    x.repeat_interleave(1).fill_(1.0)
    assert float(x.sum()) == 0.0
    check(lambda T, x: T.repeat_interleave(T.tensor([1, 2, 0, 3])), rand(1))
    check(lambda T, x: T.repeat_interleave(T.tensor([0, 0])), rand(1))
    check(lambda T, x: T.tensor(2.0).repeat(()), rand(1))


@pytest.mark.parametrize("case, match", [
    (lambda T, x: x.repeat(2), ["can not be smaller"]),
    (lambda T, x: x.repeat(-1, 2), ["negative dimension"]),
    (lambda T, x: T.tile(x, (-1,)), ["negative dimension"]),
    (lambda T, x: T.repeat_interleave(x, -1), ["non-negative"]),
    (lambda T, x: T.repeat_interleave(x, T.tensor([1, 2]), 0), ["same size as input along dim",
                                                                "repeats.size(0) = 2"]),
    (lambda T, x: T.repeat_interleave(x, T.tensor([1, 2, -1]), 0), ["can not be negative"]),
    (lambda T, x: T.repeat_interleave(x, T.tensor([[1, 2, 1]]), 0), ["0-dim or 1-dim"]),
    (lambda T, x: T.repeat_interleave(x, T.tensor([1.0, 2.0, 1.0]), 0), []),
    (lambda T, x: T.repeat_interleave(x, 2, 5), ["Dimension out of range"]),
])
def test_repeat_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- tril / triu ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("diagonal", [0, 1, -2, 5])
def test_tril_triu(op, diagonal, layout):
    check(lambda T, x: getattr(T, op)(x, diagonal), rand(2, 3, 4), layout=layout)
    check(lambda T, x: getattr(x, op)(diagonal=diagonal), rand(4, 3), layout=layout)


def test_tril_triu_dtypes_gradcheck_inplace():
    check(lambda T, x: (T.tril(x > 0), T.triu(x.int(), 1)), rand(3, 3), grad=False)
    gradcheck(lambda T, x: T.tril(x, -1) + T.triu(x, 1) * 2, rand(3, 4))
    check(lambda T, x: (x * 1).tril_(1) * 2, rand(3, 4))
    check(lambda T, x: (x * 1).triu_() * 2, rand(3, 4))
    raises_like(lambda T, x: T.tril(T.ones(3)), rand(1), match=["at least 2 dimensions"])


# ---- meshgrid / broadcast_tensors -----------------------------------------------------------------------------

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check(lambda T, a, b, c: T.meshgrid(a, b * 2, c, indexing=indexing), rand(3), rand(2), rand(4))
    check(lambda T, a, b: T.meshgrid([a, b], indexing=indexing), rand(3), rand())
    check(lambda T, a: T.meshgrid(a, indexing=indexing), rand(3))
    gradcheck(lambda T, a, b: T.meshgrid(a, b, indexing=indexing), rand(3), rand(2))


def test_meshgrid_returns_expanded_views():
    a, b = mytorch.meshgrid(mytorch.ones(3), mytorch.ones(2), indexing="ij")
    ta, tb = torch.meshgrid(torch.ones(3), torch.ones(2), indexing="ij")
    assert (a.stride(), b.stride()) == (ta.stride(), tb.stride())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_broadcast_tensors(layout):
    check(lambda T, a, b, c: T.broadcast_tensors(a, b, c), rand(3, 1), rand(4), rand(2, 1, 1), layout=layout)


@pytest.mark.parametrize("case, match", [
    (lambda T, x: T.meshgrid(T.ones(3), T.ones(2, 2), indexing="ij"), ["0D or 1D"]),
    (lambda T, x: T.meshgrid(T.ones(3), T.ones(2).double(), indexing="ij"), ["same dtype"]),
    (lambda T, x: T.meshgrid(T.ones(3), T.ones(2), indexing="foo"), ['"xy" or "ij"']),
    (lambda T, x: T.meshgrid(indexing="ij"), ["non-empty"]),
    (lambda T, x: T.broadcast_tensors(x, T.ones(5)), ["size of tensor a (4)", "tensor b (5)"]),
])
def test_grid_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- pad -------------------------------------------------------------------------------------------------------

PADS = [
    ("constant", (1, 2), (2, 3)),
    ("constant", (1, 0, 2, 1), (2, 3)),
    ("constant", (-1, 2, 0, -1), (3, 4)),
    ("constant", (1, 1, 1, 1, 1, 1), (2, 3, 2)),
    ("constant", (2, -1), (4,)),
    ("reflect", (2, 1), (2, 4)),
    ("reflect", (1, 2, 2, 0), (1, 3, 4)),
    ("reflect", (-1, 1), (2, 4)),
    ("reflect", (1, 1, 1, 1, 1, 1), (1, 2, 2, 3, 4)),
    ("replicate", (3, 1), (2, 1, 4)),
    ("replicate", (1, 2, 2, 0), (2, 3, 4)),
    ("replicate", (1, 1, 1, 1, 1, 1), (1, 2, 2, 3, 4)),
    ("replicate", (-1, 2), (2, 4)),
    ("replicate", (-4, 5, 0, 0), (2, 4, 4)),  # a crop of a whole side still repeats the last element left
    ("replicate", (5, -4, -4, 3), (1, 2, 4, 4)),
    ("replicate", (-2, -1, -1, -3), (1, 2, 5, 5)),
    ("circular", (4, 1), (2, 4)),
    ("circular", (1, 2, 2, 0), (2, 1, 3, 4)),
    ("circular", (-1, 2), (2, 4)),
    ("circular", (1, 1, 1, 0, 0, 2), (1, 2, 2, 3, 4)),
]


@pytest.mark.parametrize("mode, amounts, shape", PADS)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "expanded"])
def test_pad(mode, amounts, shape, layout):
    check(lambda T, x: pad_of(T)(x, amounts, mode=mode), rand(*shape), layout=layout)


@pytest.mark.parametrize("mode, amounts, shape", PADS[::3])
def test_pad_gradcheck(mode, amounts, shape):
    gradcheck(lambda T, x: T.pad(x, amounts, mode), rand(*shape))


@pytest.mark.parametrize("amounts", [(-4, 5, 0, 0), (8, -1, -1, -3)])
def test_pad_replicate_negative_gradcheck(amounts):
    gradcheck(lambda T, x: T.pad(x, amounts, "replicate"), rand(1, 2, 4, 5))


def test_pad_value_and_dtypes():
    check(lambda T, x: pad_of(T)(x, (1, 1), value=-2.5), rand(2, 3))
    check(lambda T, x: pad_of(T)(x.int(), (1, 1, 0, 1), value=2.5), rand(2, 3), grad=False)
    check(lambda T, x: pad_of(T)(x > 0, (1, 1)), rand(2, 3), grad=False)
    check(lambda T, x: pad_of(T)(x, (1, 1), mode="reflect", value=0), rand(2, 3))
    check(lambda T, x: pad_of(T)(x, (1, 1)), np.zeros((2, 0), np.float32))
    assert mytorch.autograd.gradgradcheck(lambda x: mytorch.pad(x, (1, -1)) ** 2,
                                          [mytorch.tensor(rand(2, 3).astype(np.float64), requires_grad=True)])


@pytest.mark.parametrize("case, match", [
    (lambda T, x: pad_of(T)(x, (1,)), ["divisible by 2"]),
    (lambda T, x: pad_of(T)(x, (1, 1, 1, 1, 1, 1)), ["padding length 6 and input of dimension 2"]),
    (lambda T, x: pad_of(T)(x[0], (1, 1), mode="reflect"), ["Padding size 2", "1D"]),
    (lambda T, x: pad_of(T)(x, (1, 1, 1, 1), mode="replicate"), ["Padding size 4", "2D"]),
    (lambda T, x: pad_of(T)(x, (4, 1), mode="reflect"), ["should be less than", "(4, 1)"]),
    (lambda T, x: pad_of(T)(x, (5, 1), mode="circular"), ["wrapping around more than once"]),
    (lambda T, x: pad_of(T)(x, (1, 1), mode="foo"), ["Unrecognised padding mode foo"]),
    (lambda T, x: pad_of(T)(x, (-3, -2)), []),
    (lambda T, x: pad_of(T)(x, (1, 1), mode="reflect", value=2.5), ["doesn't take in value"]),
    (lambda T, x: pad_of(T)(T.ones(2, 0), (1, 1), mode="reflect"), ["non-zero dimensions"]),
    (lambda T, x: pad_of(T)(T.ones(2, 0), (1, 1), mode="circular"), ["wrapping around"]),
])
def test_pad_errors(case, match):
    raises_like(case, rand(3, 4), match=match)


# ---- _chunk_cat ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes, dim, chunks", [([(1, 2, 3), (1, 2, 3)], -1, 5), ([(1, 2, 129), (1, 2, 297)], -1, 5),
                                                 ([(1, 2, 3), (1, 2, 3)], 1, 5), ([(3, 3, 2, 1), (1, 4, 2, 2)], 0, 2),
                                                 ([(2, 4), (2, 6, 1)], 1, 3)])
def test_chunk_cat(shapes, dim, chunks):
    arrays = [rand(*shape) for shape in shapes]
    check(lambda T, *xs: T._chunk_cat(list(xs), dim, chunks), *arrays, grad=False)
    gradcheck(lambda T, *xs: T._chunk_cat(list(xs), dim, chunks), *arrays)


@pytest.mark.parametrize("case, match", [
    (lambda T, x: T._chunk_cat([x, T.ones(2, 2, 3)], 1, 2), ["same sizes of 0,...,dim-1"]),
    (lambda T, x: T._chunk_cat([], 0, 2), ["non-empty"]),
    (lambda T, x: T._chunk_cat([x], 0, 0), ["positive num_chunks"]),
    (lambda T, x: T._chunk_cat([x, x.double()], 0, 2), ["same dtype"]),
])
def test_chunk_cat_errors(case, match):
    raises_like(case, rand(1, 2, 3), match=match)
