"""Fashion-MNIST test accuracy of the model zoo with the training library (slow: minutes each).

Run with ``python -m pytest -m slow tests/test_train_accuracy.py``; the recipes are the ones the
README quotes. Each asserts the final epoch's test accuracy (no picking the best epoch).
"""

import pytest

from mytorch.training.run import TrainConfig, train

from data_required import need_fashion_mnist

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def fashion_mnist():
    need_fashion_mnist()

RECIPES = {
    "mlp": (TrainConfig(model="mlp", epochs=10), 0.88),
    "lenet": (TrainConfig(), 0.90),  # the default `mytorch train`
    "resnet": (TrainConfig(model="resnet", epochs=5), 0.92),
}


@pytest.mark.parametrize("name", RECIPES)
def test_fashion_mnist_accuracy(name, tmp_path):
    cfg, target = RECIPES[name]
    result = train(cfg, str(tmp_path), progress=False)
    final = result.metrics.rows[-1]["test_acc"]
    assert final >= target, f"{name}: test accuracy {final:.2%} < {target:.0%}"
