"""rms_norm (functional) and nn.RMSNorm against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like
from nn_parity import ModulePair

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,k", [((4, 6), 1), ((3, 4, 5), 1), ((2, 3, 4), 2)])
@pytest.mark.parametrize("eps", [None, 1e-2])
def test_rms_norm_matches_torch(layout, shape, k, eps):
    check(lambda T, x, w: T.nn.functional.rms_norm(x, x.shape[-k:], w, eps), rand(*shape), rand(*shape[-k:]),
          layout=layout, atol=1e-5)


def test_rms_norm_without_weight_and_tiny_inputs():
    check(lambda T, x: T.rms_norm(x, [5]), rand(3, 5) * 1e-4, atol=1e-4)  # eps = finfo(float32).eps matters here
    check(lambda T, x: T.nn.functional.rms_norm(x, (5,)), rand(3, 5, dtype=np.float64))


def test_rms_norm_gradcheck_and_second_derivative():
    gradcheck(lambda T, x, w: T.nn.functional.rms_norm(x, (4,), w, 1e-3), rand(3, 4, dtype=np.float64),
              rand(4, dtype=np.float64))
    xs = [mytorch.tensor(rand(*s, dtype=np.float64), requires_grad=True) for s in ((2, 3, 4), (3, 4))]
    assert mytorch.autograd.gradgradcheck(lambda x, w: mytorch.nn.functional.rms_norm(x, (3, 4), w, 1e-3), xs)


@pytest.mark.parametrize("options", [{}, {"eps": 1e-3}, {"elementwise_affine": False}])
def test_rms_norm_module_matches_torch(options):
    pair = ModulePair(lambda T: T.nn.RMSNorm([3, 4], **options))
    assert repr(pair.m) == repr(pair.t)
    if options.get("elementwise_affine", True):
        pair.m.weight.data = mytorch.tensor(rand(3, 4))
        pair.t.weight.data = torch.tensor(pair.m.weight.detach().numpy())
    pair.step(rand(2, 5, 3, 4))
    pair.check_state()


@pytest.mark.parametrize("case", ["shape", "weight", "integer"])
def test_rms_norm_errors_like_torch(case):
    calls = {"shape": lambda T, x: T.rms_norm(x, (4,)),
             "weight": lambda T, x: T.rms_norm(x, (3,), T.ones(4)),
             "integer": lambda T, x: T.rms_norm(x.long(), (3,))}
    raises_like(calls[case], rand(2, 3))
