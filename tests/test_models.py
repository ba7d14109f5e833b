"""mytorch.models vs the same architectures written in torch.nn: same state-dict keys, and with
torch's weights copied in, the same outputs and parameter gradients (train and eval mode)."""
import numpy as np
import pytest
import torch

import mytorch
from mytorch.models import MODELS, BasicBlock, LeNet5, MLP, ResNet, get_model
from nn_parity import ModulePair
from torch_models import TorchLeNet5, TorchMLP, TorchResNet


CASES = {
    "mlp": (lambda T, **kw: MLP(**kw) if T is mytorch else TorchMLP(**kw), {"hidden": (32, 16)}, (3, 1, 28, 28)),
    "mlp-tanh-64": (lambda T, **kw: MLP(**kw) if T is mytorch else TorchMLP(**kw),
                    {"in_features": 64, "hidden": (20,), "activation": "tanh", "num_classes": 4}, (5, 64)),
    "lenet": (lambda T, **kw: LeNet5(**kw) if T is mytorch else TorchLeNet5(**kw), {}, (2, 1, 28, 28)),
    "lenet-tanh-rgb": (lambda T, **kw: LeNet5(**kw) if T is mytorch else TorchLeNet5(**kw),
                       {"activation": "tanh", "in_channels": 3}, (2, 3, 28, 28)),
    "resnet": (lambda T, **kw: ResNet(**kw) if T is mytorch else TorchResNet(**kw),
               {"widths": (4, 8, 8), "blocks": (1, 2, 1)}, (3, 1, 28, 28)),
}


@pytest.mark.parametrize("case", CASES)
def test_same_weights_parity(case):
    make, kw, shape = CASES[case]
    pair = ModulePair(lambda T: make(T, **kw))
    rng = np.random.default_rng(1)
    for mode in (True, True, False):  # two training steps (batch-norm statistics move), then eval
        pair.train(mode)
        pair.step(rng.standard_normal(shape).astype(np.float32), atol=1e-4, rtol=1e-4)
    pair.check_state()


def test_basic_block_shortcut():
    assert len(BasicBlock(4, 4).shortcut) == 0
    assert len(BasicBlock(4, 8, stride=2).shortcut) == 2
    y = BasicBlock(4, 8, stride=2)(mytorch.randn(2, 4, 28, 28))
    assert tuple(y.shape) == (2, 8, 14, 14)


def test_default_sizes_and_registry():
    x = mytorch.randn(2, 1, 28, 28)
    for name in MODELS:
        assert tuple(get_model(name)(x).shape) == (2, 10)
    assert sum(p.numel() for p in LeNet5().parameters()) == 61706  # the classic LeNet-5 count
    assert isinstance(get_model("mlp", hidden=(8,)), MLP)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown model 'vgg'.*mlp, lenet, resnet"):
        get_model("vgg")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        LeNet5(activation="swish")
    with pytest.raises(ValueError, match="one count per stage"):
        ResNet(widths=(8, 16), blocks=(1, 1, 1))


def test_mlp_dropout_layout():
    m = MLP(hidden=(8, 4), dropout=0.25)
    assert [type(layer).__name__ for layer in m.layers] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU",
                                                             "Dropout", "Linear"]
