"""Test oracles for the Llama work, written apart from mytorch's model code.

- ``gguf_weights(path)``: a GGUF file's tensors as float32 NumPy arrays under Hugging Face names,
  dequantized by the `gguf` package's own ``gguf.quants.dequantize`` and with llama.cpp's query/key
  row order undone here (not by mytorch's loader).
- ``TorchLlama``: a plain PyTorch forward pass of a Llama decoder (batch 1), with a KV cache, in a
  few lines of tensor math: the greedy-decoding reference and the benchmark baseline.
- ``smollm2()``: mytorch's SmolLM2 bundle, loaded once per test process (None when not installed).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import torch

LLAMA_CPP_NAMES = {"token_embd": "model.embed_tokens", "output_norm": "model.norm", "output": "lm_head",
                   "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
                   "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                   "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                   "ffn_down": "mlp.down_proj"}


def llama_cpp_permute(w: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's conversion of a query/key weight: per head, rows (i, i + D/2) become rows (2i, 2i + 1)."""
    out = w.shape[0]
    return w.reshape(heads, 2, out // heads // 2, -1).swapaxes(1, 2).reshape(w.shape)


def llama_cpp_unpermute(w: np.ndarray, heads: int) -> np.ndarray:
    out = w.shape[0]
    return w.reshape(heads, out // heads // 2, 2, -1).swapaxes(1, 2).reshape(w.shape)


def gguf_weights(path: str) -> tuple[dict[str, np.ndarray], dict]:
    """(float32 weights under Hugging Face names, config dict) read with the gguf package alone."""
    import gguf

    reader = gguf.GGUFReader(path)

    def meta(key):
        return reader.fields[key].contents()

    cfg = dict(layers=meta("llama.block_count"), hidden=meta("llama.embedding_length"),
               heads=meta("llama.attention.head_count"), kv_heads=meta("llama.attention.head_count_kv"),
               eps=float(meta("llama.attention.layer_norm_rms_epsilon")), theta=float(meta("llama.rope.freq_base")))
    weights = {}
    for t in reader.tensors:
        w = np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32)
        w = w.reshape(tuple(int(n) for n in reversed(t.shape)))
        parts = t.name.split(".")
        if parts[0] == "blk":
            name = f"model.layers.{parts[1]}.{LLAMA_CPP_NAMES[parts[2]]}.{parts[3]}"
            if parts[2] in ("attn_q", "attn_k"):
                w = llama_cpp_unpermute(w, cfg["heads"] if parts[2] == "attn_q" else cfg["kv_heads"])
        else:
            name = f"{LLAMA_CPP_NAMES[parts[0]]}.{parts[1]}"
        weights[name] = w
    weights.setdefault("lm_head.weight", weights["model.embed_tokens.weight"])
    return weights, cfg


class TorchLlama:
    """Llama in plain PyTorch for one sequence: logits = forward(new token ids) with the earlier tokens'
    keys and values kept in self.cache (lists per layer)."""

    def __init__(self, weights: dict[str, np.ndarray], cfg: dict) -> None:
        self.w = {k: torch.from_numpy(np.require(v, requirements=["C", "W"])) for k, v in weights.items()}
        self.cfg = cfg
        self.head_dim = cfg["hidden"] // cfg["heads"]
        self.reset()

    def reset(self) -> None:
        self.cache: list[list[torch.Tensor]] = [[None, None] for _ in range(self.cfg["layers"])]
        self.past = 0

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.cfg["eps"]) * self.w[name]

    def _rope(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    @torch.no_grad()
    def forward(self, ids: list[int]) -> torch.Tensor:
        cfg, d, n = self.cfg, self.head_dim, len(ids)
        pos = torch.arange(self.past, self.past + n, dtype=torch.float32)
        inv_freq = 1.0 / cfg["theta"] ** (torch.arange(0, d, 2, dtype=torch.float32) / d)
        angles = torch.outer(pos, inv_freq)
        cos, sin = torch.cat([angles.cos()] * 2, -1), torch.cat([angles.sin()] * 2, -1)
        keys = torch.arange(self.past + n)
        allowed = keys[None, :] <= (torch.arange(n) + self.past)[:, None]
        x = self.w["model.embed_tokens.weight"][torch.tensor(ids)]
        for i in range(cfg["layers"]):
            p = f"model.layers.{i}."
            h = self._norm(x, p + "input_layernorm.weight")
            q = (h @ self.w[p + "self_attn.q_proj.weight"].T).view(n, cfg["heads"], d).transpose(0, 1)
            k = (h @ self.w[p + "self_attn.k_proj.weight"].T).view(n, cfg["kv_heads"], d).transpose(0, 1)
            v = (h @ self.w[p + "self_attn.v_proj.weight"].T).view(n, cfg["kv_heads"], d).transpose(0, 1)
            q, k = self._rope(q, cos, sin), self._rope(k, cos, sin)
            if self.cache[i][0] is not None:
                k, v = torch.cat([self.cache[i][0], k], 1), torch.cat([self.cache[i][1], v], 1)
            self.cache[i] = [k, v]
            group = cfg["heads"] // cfg["kv_heads"]
            k, v = k.repeat_interleave(group, 0), v.repeat_interleave(group, 0)
            scores = (q @ k.transpose(1, 2)) / math.sqrt(d)
            attn = scores.masked_fill(~allowed, float("-inf")).softmax(-1) @ v
            x = x + attn.transpose(0, 1).reshape(n, -1) @ self.w[p + "self_attn.o_proj.weight"].T
            h = self._norm(x, p + "post_attention_layernorm.weight")
            gate = torch.nn.functional.silu(h @ self.w[p + "mlp.gate_proj.weight"].T)
            x = x + (gate * (h @ self.w[p + "mlp.up_proj.weight"].T)) @ self.w[p + "mlp.down_proj.weight"].T
        self.past += n
        return self._norm(x[-1:], "model.norm.weight") @ self.w["lm_head.weight"].T

    def greedy(self, prompt: list[int], max_new_tokens: int, stop: tuple[int, ...] = ()) -> list[int]:
        self.reset()
        out: list[int] = []
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # a busy machine makes torch's thread pool crawl; the oracle needs no speed
        try:
            logits = self.forward(prompt)
            for _ in range(max_new_tokens):
                token = int(logits[-1].argmax())
                out.append(token)
                if token in stop:
                    break
                logits = self.forward([token])
        finally:
            torch.set_num_threads(threads)
        return out


def smollm2():
    """mytorch's SmolLM2-135M-Instruct bundle on the backend serving cpu now (one load per backend and
    process), or None when its package is missing."""
    from mytorch.backends import get_backend

    return _smollm2_on(get_backend("cpu").name)


@functools.lru_cache(maxsize=None)
def _smollm2_on(backend: str):
    from mytorch.models.gguf_loader import ModelNotInstalled, load_pretrained

    try:
        return load_pretrained("smollm2-135m")
    except ModelNotInstalled:
        return None
