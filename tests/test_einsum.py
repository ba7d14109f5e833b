"""einsum (explicit/implicit output, ellipsis, diagonals, broadcasting), tensordot and kron vs torch."""
import numpy as np
import pytest

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like

rng = np.random.default_rng(5)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),          # matmul
    ("ij,jk", [(2, 3), (3, 4)]),              # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # batched
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),  # two contracted letters, permuted
    ("i,j->ij", [(3,), (4,)]),                # outer product
    ("i,i->", [(3,), (3,)]),                  # dot
    ("i,i", [(3,), (3,)]),
    ("ij->ji", [(2, 3)]),                     # permute
    ("ij->", [(2, 3)]),                       # full sum
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),                      # diagonal
    ("ii", [(3, 3)]),                         # trace
    ("iji->j", [(2, 3, 2)]),
    ("iij,jk,kl->il", [(3, 3, 4), (4, 5), (5, 2)]),  # diagonal then a chain
    ("ab,cd,bc->ad", [(2, 3), (4, 5), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),  # ellipsis with broadcasting
    ("...ij->ij", [(2, 3, 4)]),               # ellipsis summed
    ("i...->...", [(2, 3, 4)]),
    ("...,...", [(2, 1), (3,)]),
    ("ij,ij->ij", [(1, 5), (4, 1)]),          # size-1 dims broadcast
    ("ij,ij->", [(1, 5), (4, 1)]),            # ... and are contracted
    ("bi,bi->b", [(3, 4), (3, 4)]),           # batch with nothing contracted
    ("Ba,aB", [(2, 3), (3, 2)]),              # upper-case letters
    ("a b, b c -> a c", [(2, 3), (3, 2)]),    # spaces
    ("", [()]),
    ("i,->i", [(3,), ()]),
]


@pytest.mark.parametrize("equation,shapes", CASES, ids=[c[0] or "scalar" for c in CASES])
def test_einsum(equation, shapes):
    check(lambda T, *xs: T.einsum(equation, *xs), *[rand(*s) for s in shapes])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_einsum_layouts(layout):
    check(lambda T, a, b: T.einsum("bij,bjk->bki", a, b), rand(3, 2, 4), rand(3, 4, 4), layout=layout)
    check(lambda T, a: T.einsum("ii->i", a), rand(3, 3), layout=layout)


def test_einsum_operand_list_dtypes_and_gradcheck():
    check(lambda T, a, b: T.einsum("ij,jk", [a, b]), rand(2, 3), rand(3, 2))
    check(lambda T, a, b: T.einsum("ij,jk->ik", a, b), rng.integers(-3, 3, (2, 3)), rng.integers(-3, 3, (3, 2)),
          grad=False)
    check(lambda T, a, b: T.einsum("ij,ij->i", a, b), rand(2, 3, dtype=np.float64), rand(2, 3, dtype=np.float64))
    check(lambda T, a: T.einsum("i,i", a, a), np.zeros((0,), dtype=np.float32))
    gradcheck(lambda T, a, b, c: T.einsum("iij,jk,k->i", a, b, c), rand(2, 2, 3), rand(3, 4), rand(4))
    gradcheck(lambda T, a, b: T.einsum("...i,...i->...", a, b), rand(2, 3), rand(1, 3))
    x = mytorch.tensor(rand(2, 3, dtype=np.float64), requires_grad=True)
    y = mytorch.tensor(rand(3, 2, dtype=np.float64), requires_grad=True)
    assert mytorch.autograd.gradgradcheck(lambda a, b: mytorch.einsum("ij,jk->ik", a, b), (x, y))


ERRORS = [
    ("ij,jk", [(2, 3)], "fewer operands"),
    ("ij", [(2, 3), (2, 3)], "more operands"),
    ("ij,jk", [(2, 3, 4), (4, 5)], "number of subscripts"),
    ("i1", [(2, 3)], "invalid subscript"),
    ("ij->ij->", [(2, 3)], "invalid subscript"),
    ("ij->ii", [(2, 3)], "more than once"),
    ("ij->k", [(2, 3)], "does not appear"),
    ("ij,jk", [(4, 5), (4, 5)], "does not broadcast"),
    ("ii", [(5, 4)], "repeated"),
    ("i.j", [(2, 3)], "ellipsis"),
    ("......", [(2, 3)], "ellipsis"),
]


@pytest.mark.parametrize("equation,shapes,message", ERRORS, ids=[e[0] + e[2] for e in ERRORS])
def test_einsum_errors(equation, shapes, message):
    raises_like(lambda T, *xs: T.einsum(equation, *xs), *[rand(*s) for s in shapes], match=["einsum()", message])


def test_einsum_dtype_mismatch():
    raises_like(lambda T, a, b: T.einsum("ij,ij", a, b), rand(2, 3), rand(2, 3, dtype=np.float64),
                match=["Float", "Double"])


# ---- tensordot / kron ----------------------------------------------------------------------------------

TENSORDOT = [(0, (2,)), (1, (4, 2)), (2, (3, 4, 2)), (([1], [0]), (3, 5)), (([2, 0], [1, 0]), (2, 4, 3)),
             ([[-1], [0]], (4, 2))]


@pytest.mark.parametrize("dims,b_shape", TENSORDOT, ids=[str(d) for d, _ in TENSORDOT])
def test_tensordot(dims, b_shape):
    check(lambda T, a, b: T.tensordot(a, b, dims), rand(2, 3, 4), rand(*b_shape))


def test_tensordot_layouts_and_errors():
    check(lambda T, a, b: T.tensordot(a, b, 1), rand(3, 4), rand(4, 4), layout="transposed")
    gradcheck(lambda T, a, b: T.tensordot(a, b, ([0, 1], [1, 0])), rand(2, 3), rand(3, 2))
    raises_like(lambda T, a, b: T.tensordot(a, b, 5), rand(2, 3), rand(3, 2), match=["dims"])
    raises_like(lambda T, a, b: T.tensordot(a, b, -1), rand(2, 3), rand(3, 2), match=["dims >= 0"])
    raises_like(lambda T, a, b: T.tensordot(a, b, ([1], [1])), rand(2, 3), rand(4, 2), match=["need to match"])
    raises_like(lambda T, a, b: T.tensordot(a, b, ([1, 0], [0])), rand(2, 3), rand(3, 2), match=["same length"])


@pytest.mark.parametrize("shapes", [[(2, 3), (4, 5)], [(2, 3), (4,)], [(3,), (2, 2, 2)], [(), (3,)]], ids=str)
def test_kron(shapes):
    check(lambda T, a, b: T.kron(a, b), *[rand(*s) for s in shapes])
    check(lambda T, a, b: a.kron(b), *[rand(*s) for s in shapes], layout="sliced")
