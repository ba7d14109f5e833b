"""`mytorch export-onnx`: checkpoints of `mytorch train` (an image classifier, the char-GPT, the LSTM language
model) become ONNX models whose outputs in ONNX Runtime equal the checkpoint's model in mytorch."""
import numpy as np
import onnxruntime as ort
import pytest

import mytorch
from mytorch.cli import main
from mytorch.training import load_checkpoint
from mytorch.training.lm import load_lm

from data_required import need_fashion_mnist
from test_lm_cli import _train as train_lm, sdist  # noqa: F401  (sdist: the fixture _train needs)


def _run(path, x) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]


def test_image_classifier_includes_its_normalization(tmp_path, capsys):
    need_fashion_mnist()
    assert main(["train", "--out", str(tmp_path / "run"), "--model", "lenet", "--epochs", "1", "--limit-train", "64",
                 "--limit-test", "32", "--batch-size", "32", "--no-progress"]) == 0
    ckpt = tmp_path / "run" / "checkpoint.pt"
    assert main(["export-onnx", "--checkpoint", str(ckpt), "--out", str(tmp_path / "m.onnx")]) == 0
    assert "images (batch, 1, 28, 28)" in capsys.readouterr().out
    saved = load_checkpoint(str(ckpt))
    model = mytorch.models.get_model("lenet", num_classes=10, in_channels=1).eval()
    model.load_state_dict(saved["model"])
    images = mytorch.rand(5, 1, 28, 28)
    mean, std = saved["normalize"]
    with mytorch.no_grad():
        ref = model((images - mean) / std)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", images), ref.numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("model", ["gpt", "lstm-lm"])
def test_language_models(sdist, tmp_path, model):  # noqa: F811
    assert train_lm(sdist, tmp_path / "run", model) == 0
    ckpt = str(tmp_path / "run" / "checkpoint.pt")
    assert main(["export-onnx", "--checkpoint", ckpt, "--out", str(tmp_path / "lm.onnx")]) == 0
    lm, tokenizer, _ = load_lm(ckpt)
    idx = mytorch.randint(0, tokenizer.vocab_size, (2, 5))
    with mytorch.no_grad():
        ref = lm(idx)
    np.testing.assert_allclose(_run(tmp_path / "lm.onnx", idx), ref.numpy(), rtol=0, atol=1e-5)


def test_not_a_checkpoint(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    mytorch.save({"weights": mytorch.zeros(2)}, str(bad))
    assert main(["export-onnx", "--checkpoint", str(bad), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "is not a checkpoint of `mytorch train`" in capsys.readouterr().err
