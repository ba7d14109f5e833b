"""torch._segment_reduce vs PyTorch: sum, mean, prod, max and min over segments given by lengths or offsets,
along dim 0 and along a later dim with batched lengths, with and without `initial`, empty segments included;
values and the data's gradient, gradcheck in float64, PyTorch's errors."""
import numpy as np
import pytest

from helpers import check, gradcheck, raises_like

rng = np.random.default_rng(3)
REDUCTIONS = ["sum", "mean", "prod", "max", "min"]
CASES = [((7,), np.array([2, 0, 4, 1]), 0), ((6, 2), np.array([3, 3]), 0), ((2, 7, 3), np.array([[2, 0, 5], [3, 3, 1]]), 1)]


@pytest.mark.parametrize("shape, lengths, axis", CASES)
@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("initial", [None, 0.5])
@pytest.mark.parametrize("by", ["lengths", "offsets"])
def test_segment_reduce(shape, lengths, axis, reduce, initial, by):
    bounds = {"lengths": lengths} if by == "lengths" else {
        "offsets": np.concatenate([np.zeros((*lengths.shape[:-1], 1), lengths.dtype), lengths.cumsum(-1)], -1)}
    check(lambda T, x: T._segment_reduce(x, reduce, axis=axis, initial=initial,
                                         **{k: T.tensor(v) for k, v in bounds.items()}),
          rng.standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_gradcheck(reduce):
    gradcheck(lambda T, x: T._segment_reduce(x, reduce, lengths=T.tensor([[1, 2], [3, 0]]), axis=1, initial=0.3),
              rng.standard_normal((2, 3, 2)))


@pytest.mark.parametrize("call", [
    lambda T, x: T._segment_reduce(x, "sum", lengths=T.tensor([2, 2])),
    lambda T, x: T._segment_reduce(x, "sum"),
])
def test_errors(call):
    raises_like(call, np.ones(5, np.float32))
