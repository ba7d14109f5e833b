"""nn.utils.fuse_conv_bn_eval / fuse_linear_bn_eval (and their weight functions) against PyTorch with the
same weights and statistics; the deprecated names nn.init.normal & co., clip_grad_norm; StackDataset."""
import numpy as np
import pytest
import torch

import mytorch

rng = np.random.default_rng(3)


def same_weights(t, m):
    m.load_state_dict({k: mytorch.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def randomize_bn(bn):
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.normal_()
        bn.bias.normal_()


@pytest.mark.parametrize("make, shape, transpose", [
    (lambda T: (T.nn.Conv2d(3, 4, 3), T.nn.BatchNorm2d(4)), (2, 3, 6, 6), False),
    (lambda T: (T.nn.Conv1d(3, 4, 3, bias=False), T.nn.BatchNorm1d(4)), (2, 3, 7), False),
    (lambda T: (T.nn.ConvTranspose2d(3, 4, 3), T.nn.BatchNorm2d(4)), (2, 3, 5, 5), True),
    (lambda T: (T.nn.Linear(5, 4), T.nn.BatchNorm1d(4)), (3, 5), None),
])
def test_fused_layer_equals_layer_then_batchnorm(backend, make, shape, transpose):
    (tl, tb), (ml, mb) = make(torch), make(mytorch)
    randomize_bn(tb)
    same_weights(tl, ml)
    same_weights(tb, mb)
    for mod in (tl, tb, ml, mb):
        mod.eval()
    if transpose is None:
        tf, mf = torch.nn.utils.fuse_linear_bn_eval(tl, tb), mytorch.nn.utils.fuse_linear_bn_eval(ml, mb)
    else:
        tf = torch.nn.utils.fuse_conv_bn_eval(tl, tb, transpose=transpose)
        mf = mytorch.nn.utils.fuse_conv_bn_eval(ml, mb, transpose=transpose)
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(mf(mytorch.tensor(x)).detach().numpy(), tf(torch.tensor(x)).detach().numpy(),
                               atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(mf(mytorch.tensor(x)).detach().numpy(), mb(ml(mytorch.tensor(x))).detach().numpy(),
                               atol=1e-5, rtol=1e-5)
    assert isinstance(mf.weight, mytorch.nn.Parameter) and mf is not ml
    ml.train()
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        mytorch.nn.utils.fuse_conv_bn_eval(ml, mb)


def test_deprecated_names_warn_and_work(backend):
    t = mytorch.empty(3, 4)
    with pytest.warns(FutureWarning, match="nn.init.xavier_uniform_"):
        assert mytorch.nn.init.xavier_uniform(t) is t
    with pytest.warns(FutureWarning, match="nn.init.constant_"):
        assert mytorch.nn.init.constant(t, 2.0).eq(2.0).all()
    p = mytorch.nn.Parameter(mytorch.ones(4))
    p.grad = mytorch.full((4,), 3.0)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        norm = mytorch.nn.utils.clip_grad_norm([p], 1.0)
    assert abs(norm.item() - 6.0) < 1e-6 and abs(p.grad.norm().item() - 1.0) < 1e-5


def test_stack_dataset_like_pytorch():
    a, b = list(range(5)), [chr(97 + i) for i in range(5)]
    for T in (torch, mytorch):
        assert T.utils.data.StackDataset(a, b)[3] == (3, "d") and len(T.utils.data.StackDataset(a, b)) == 5
        assert T.utils.data.StackDataset(x=a, y=b)[1] == {"x": 1, "y": "b"}
        for bad in (lambda: T.utils.data.StackDataset(a, b[:2]), lambda: T.utils.data.StackDataset(),
                    lambda: T.utils.data.StackDataset(a, y=b)):
            with pytest.raises(ValueError):
                bad()
