"""`mytorch export-onnx`: checkpoints of `mytorch train` (an image classifier, the char-GPT, the LSTM language
model, the speech recognizer's CTC path) become ONNX models whose outputs in ONNX Runtime equal the checkpoint's model in mytorch."""
import numpy as np
import onnxruntime as ort
import pytest

import mytorch
from mytorch.cli import main
from dataclasses import asdict

from mytorch.training import load_checkpoint
from mytorch.training.asr import ASRConfig, digit_chars, load_recognizer, save_asr_checkpoint
from mytorch.training.lm import load_lm
from mytorch.models.speech_recognizer import SpeechRecognizer
from mytorch.speech.tokenizer import TranscriptTokenizer

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


def test_speech_recognizer_ctc_path(tmp_path, capsys):
    """A recognizer checkpoint (untrained: the export does not depend on the weights' values) exports its CTC
    path; ONNX Runtime gives the log-probs and lengths of mytorch for batches other than the traced one, with
    utterances padded to the traced frame count."""
    cfg = ASRConfig(d_model=16, n_heads=2, encoder_layers=1, d_ff=32, conv_channels=4, n_mels=16)
    chars = digit_chars()
    model = SpeechRecognizer(cfg.recognizer(TranscriptTokenizer(chars).vocab_size))
    ckpt = str(tmp_path / "asr.pt")
    save_asr_checkpoint(ckpt, config=asdict(cfg), epoch=1, step=1, model=model.state_dict(), optimizer={},
                        scheduler={}, rng=None, chars=chars, metrics=[], average=None)
    assert main(["export-onnx", "--checkpoint", ckpt, "--out", str(tmp_path / "asr.onnx")]) == 0
    assert "features (batch, 1007, 16) log-mel, lengths (batch,) -> log_probs (batch, 251, vocab)" in \
        capsys.readouterr().out
    recognizer = load_recognizer(ckpt)[0]
    session = ort.InferenceSession(str(tmp_path / "asr.onnx"), providers=["CPUExecutionProvider"])
    for n in (1, 4):
        features, lengths = mytorch.randn(n, 1007, 16), mytorch.tensor([1007, 600, 31, 200][:n])
        with mytorch.no_grad():
            memory, ref_lengths, _ = recognizer.encode(features, lengths)
            ref = recognizer.ctc_log_probs(memory).transpose(0, 1)
        log_probs, out_lengths = session.run(None, {"features": features.numpy(), "lengths": lengths.numpy()})
        np.testing.assert_allclose(log_probs, ref.numpy(), rtol=0, atol=1e-5)
        np.testing.assert_array_equal(out_lengths, ref_lengths.numpy())


def test_not_a_checkpoint(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    mytorch.save({"weights": mytorch.zeros(2)}, str(bad))
    assert main(["export-onnx", "--checkpoint", str(bad), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "is not a checkpoint of `mytorch train`" in capsys.readouterr().err
