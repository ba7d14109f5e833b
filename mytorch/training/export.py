"""A training checkpoint as an ONNX model (the `mytorch export-onnx` command)."""
from __future__ import annotations

import math
from typing import Any

from .. import nn
from .._tensor import Tensor
from ..models.speech_recognizer import ConvSubsampling, SpeechRecognizer
from ..ops.creation import full, zeros
from ..ops.random import randint, randn
from ..serialization import load
from .data import TensorBatches
from .asr import FORMAT as ASR_FORMAT
from .asr import load_recognizer
from .errors import UsageError
from .lm import FORMAT as LM_FORMAT
from .lm import load_lm
from .run import CONV_INPUT, TrainConfig, build_model

# example sizes for tracing: no model dimension is likely to share them (mytorch.onnx's dynamic-axis caveat)
_BATCH, _SEQUENCE = 3, 11
# a recognizer's input frames: 10.07 s of 10 ms frames (longer than any SpokenDigits utterance), 251 after the
# subsampling; ONNX Runtime takes exactly this many (pad shorter utterances and pass their lengths)
_FRAMES = 1007


class Normalized(nn.Module):
    """model((x - mean) / std): the normalization a training run applied to its inputs, kept in the graph."""

    def __init__(self, model: nn.Module, mean: float, std: float) -> None:
        super().__init__()
        self.model, self.mean, self.std = model, mean, std

    def forward(self, x: Tensor) -> Tensor:
        return self.model((x - self.mean) / self.std)


class CTCLogProbs(nn.Module):
    """A speech recognizer's CTC path: features (N, T, n_mels) and their lengths (N,) -> log-probs (N, T', V)
    and their lengths (N,), T' = ((T - 1) // 2 - 1) // 2 (frames past a length are padding)."""

    def __init__(self, model: SpeechRecognizer) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        memory, out_lengths, _ = self.model.encode(features, lengths)
        return self.model.ctc_log_probs(memory).transpose(0, 1), out_lengths


def _asr_batch(model: nn.Module, sizes: tuple[int, ...]) -> int:
    """An example batch size that divides no parameter dim and none of `sizes`: the exporter's reshapes then
    tell the batch from the other dims (mytorch.onnx's dynamic-axis caveat), e.g. the heads' (N H, S, E / H)."""
    dims = {n for p in model.parameters() for n in p.shape} | set(sizes)
    return next(b for b in (7, 11, 13, 17, 19, 23, 29, 31, 37) if all(n % b for n in dims))


def _export_asr(path: str, out: str, opset: int | None) -> str:
    """The CTC path of a `mytorch train --model asr` checkpoint's recognizer (CTCLogProbs), for any batch."""
    from .. import onnx

    model, _, _, cfg = load_recognizer(path)
    subsampled = ConvSubsampling.output_lengths(_FRAMES)
    batch = _asr_batch(model, (_FRAMES, subsampled, cfg.n_mels))
    onnx.export(CTCLogProbs(model).eval(), (randn(batch, _FRAMES, cfg.n_mels), full((batch,), _FRAMES)), out,
                input_names=["features", "lengths"], output_names=["log_probs", "out_lengths"], opset_version=opset,
                dynamic_axes={"features": {0: "batch"}, "lengths": {0: "batch"}})
    return (f"{cfg.model} speech recognizer ({cfg.dataset}), CTC path: features (batch, {_FRAMES}, {cfg.n_mels}) "
            f"log-mel, lengths (batch,) -> log_probs (batch, {subsampled}, vocab), out_lengths (batch,)")


def export_checkpoint(path: str, out: str, opset: int | None = None) -> str:
    """Write the model of checkpoint `path` to `out`; a line saying what was written."""
    from .. import onnx

    try:
        ckpt: Any = load(path)
    except (OSError, RuntimeError) as e:
        raise UsageError(f"cannot read checkpoint {path}: {e}") from None
    if isinstance(ckpt, dict) and ckpt.get("format") == LM_FORMAT:
        model, tokenizer, cfg = load_lm(path)
        length = min(_SEQUENCE, getattr(getattr(model, "config", None), "block_size", _SEQUENCE))
        example = randint(0, tokenizer.vocab_size, (_BATCH, length))
        onnx.export(model, (example,), out, input_names=["input_ids"], output_names=["logits"], opset_version=opset,
                    dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}})
        return f"{cfg.model} language model, input_ids (batch, sequence) -> logits (batch, sequence, vocab)"
    if isinstance(ckpt, dict) and ckpt.get("format") == ASR_FORMAT:
        return _export_asr(path, out, opset)
    if not isinstance(ckpt, dict) or "config" not in ckpt or "normalize" not in ckpt:
        raise UsageError(f"{path} is not a checkpoint of `mytorch train`")
    cfg = TrainConfig.from_dict(ckpt["config"])
    state = ckpt["model"]
    if cfg.model == "mlp":  # its first layer says how many pixels it reads; the images are square
        pixels = next(v for k, v in state.items() if k.endswith("weight")).shape[1]
        shape = (1, math.isqrt(pixels), math.isqrt(pixels))
    else:
        shape = (next(v for k, v in state.items() if k.endswith("weight")).shape[1], CONV_INPUT, CONV_INPUT)
    model = build_model(cfg, TensorBatches(zeros(1, *shape), zeros(1)))
    model.load_state_dict(state)
    mean, std = ckpt["normalize"]
    onnx.export(Normalized(model, mean, std).eval(), (zeros(_BATCH, *shape),), out, input_names=["images"],
                output_names=["logits"], opset_version=opset, dynamic_axes={"images": {0: "batch"}})
    return f"{cfg.model} ({cfg.dataset}), images (batch, {', '.join(map(str, shape))}) in [0, 1] -> logits (batch, classes)"
