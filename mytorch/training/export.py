"""A training checkpoint as an ONNX model (the `mytorch export-onnx` command)."""
from __future__ import annotations

import math
from typing import Any

from .. import nn
from .._tensor import Tensor
from ..ops.creation import zeros
from ..ops.random import randint
from ..serialization import load
from .data import TensorBatches
from .errors import UsageError
from .lm import FORMAT as LM_FORMAT
from .lm import load_lm
from .run import CONV_INPUT, TrainConfig, build_model

# example sizes for tracing: no model dimension is likely to share them (mytorch.onnx's dynamic-axis caveat)
_BATCH, _SEQUENCE = 3, 11


class Normalized(nn.Module):
    """model((x - mean) / std): the normalization a training run applied to its inputs, kept in the graph."""

    def __init__(self, model: nn.Module, mean: float, std: float) -> None:
        super().__init__()
        self.model, self.mean, self.std = model, mean, std

    def forward(self, x: Tensor) -> Tensor:
        return self.model((x - self.mean) / self.std)


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
