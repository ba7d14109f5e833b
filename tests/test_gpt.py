"""mytorch.models.GPT and LSTMLanguageModel: same-weights parity with torch twins (outputs, parameter
gradients, state-dict keys), cached decoding equal to full recomputation, sampling through
mytorch.training.lm.complete."""
import numpy as np
import pytest
import torch

import mytorch
from mytorch.generation import KVCache, generate
from mytorch.models import GPT, GPTConfig, LSTMLanguageModel, LSTMLMConfig, LSTMState
from mytorch.text import CharTokenizer
from mytorch.training.lm import complete
from nn_parity import ModulePair
from torch_lm import TorchGPT, TorchLSTMLM

V, CTX = 23, 16


def make_gpt(T, dtype, n_layer=2, bias=True):
    if T is torch:
        return TorchGPT(V, CTX, n_layer, 2, 16, bias).to(dtype)
    return GPT(GPTConfig(V, CTX, n_layer, 2, 16, bias=bias)).to(getattr(mytorch, str(dtype).split(".")[-1]))


def make_lstm(T, dtype, num_layers=2, tie=False):
    if T is torch:
        return TorchLSTMLM(V, 12, 12, num_layers, tie).to(dtype)
    model = LSTMLanguageModel(LSTMLMConfig(V, 12, 12, num_layers, tie_weights=tie))
    return model.to(getattr(mytorch, str(dtype).split(".")[-1]))


def _ids(rng, b, t):
    return rng.integers(0, V, (b, t))


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 2e-5)])
@pytest.mark.parametrize("bias", [True, False])
def test_gpt_parity(dtype, tol, bias):
    torch.manual_seed(0)
    pair = ModulePair(lambda T: make_gpt(T, dtype, bias=bias))
    rng = np.random.default_rng(0)
    for t in (CTX, 5):  # full context, and a shorter sequence (positions 0..4)
        pair.step(_ids(rng, 3, t), atol=tol, rtol=tol)


@pytest.mark.parametrize("dtype, tol", [(torch.float64, 1e-10), (torch.float32, 2e-5)])
@pytest.mark.parametrize("num_layers, tie", [(1, False), (2, True)])
def test_lstm_lm_parity(dtype, tol, num_layers, tie):
    torch.manual_seed(0)
    pair = ModulePair(lambda T: make_lstm(T, dtype, num_layers, tie))
    pair.step(_ids(np.random.default_rng(1), 3, 9), atol=tol, rtol=tol)


def test_weight_tying_and_init():
    mytorch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=V, block_size=CTX, n_layer=4, n_head=2, n_embd=64))
    assert model.lm_head.weight is model.transformer.wte.weight
    names = [n for n, _ in model.named_parameters()]
    assert "lm_head.weight" not in names and "lm_head.weight" in model.state_dict()
    assert abs(model.transformer.wpe.weight.std().item() - 0.02) < 0.002
    proj = model.transformer.h[0].mlp.c_proj.weight
    assert abs(proj.std().item() - 0.02 / np.sqrt(8)) < 0.001  # GPT-2's residual scaling
    assert model.transformer.h[0].attn.c_attn.bias.abs().sum().item() == 0
    with pytest.raises(ValueError, match="multiple of n_head"):
        GPTConfig(n_embd=10, n_head=4)
    with pytest.raises(ValueError, match="tie_weights needs"):
        LSTMLMConfig(embedding_dim=8, hidden_size=16, tie_weights=True)


def _gpt64():
    mytorch.manual_seed(0)
    return GPT(GPTConfig(V, CTX, 2, 2, 16)).double().eval()


@mytorch.no_grad()
def test_kv_cache_logits_equal_full_forward():
    model = _gpt64()
    ids = mytorch.tensor(_ids(np.random.default_rng(2), 2, CTX))
    full = model(ids)
    cache = KVCache()
    pieces = [model(ids[:, :5], past_key_values=cache)]  # a prompt
    pieces += [model(ids[:, t:t + 1], past_key_values=cache) for t in range(5, 9)]  # one token at a time
    pieces.append(model(ids[:, 9:], past_key_values=cache))  # several new tokens after a past: the mask path
    assert cache.get_seq_length() == CTX
    np.testing.assert_allclose(mytorch.cat(pieces, 1).numpy(), full.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="exceed the context of 16"):
        model(ids[:, :1], past_key_values=cache)


@pytest.mark.parametrize("make", [_gpt64, lambda: LSTMLanguageModel(LSTMLMConfig(V, 8, 8, 2)).double().eval()])
def test_cached_generation_equals_recomputation(make):
    model = make()
    prompt = mytorch.tensor(_ids(np.random.default_rng(3), 2, 4))
    for kwargs in ({}, {"do_sample": True, "top_k": 5}):
        runs = [generate(model, prompt, max_new_tokens=10, use_cache=cache,
                         generator=mytorch.Generator().manual_seed(1), **kwargs) for cache in (True, False)]
        assert runs[0].tolist() == runs[1].tolist()


@mytorch.no_grad()
def test_lstm_state_continues_and_reorders():
    model = LSTMLanguageModel(LSTMLMConfig(V, 8, 8, 2)).double().eval()
    ids = mytorch.tensor(_ids(np.random.default_rng(4), 3, 7))
    state = model.make_cache()
    parts = [model(ids[:, :3], past_key_values=state), model(ids[:, 3:], past_key_values=state)]
    assert state.get_seq_length() == 7
    np.testing.assert_allclose(mytorch.cat(parts, 1).numpy(), model(ids).numpy(), rtol=1e-12, atol=1e-12)
    state.reorder(mytorch.tensor([2, 2]))
    assert state.state[0].shape == (2, 2, 8)
    np.testing.assert_allclose(state.state[1][:, 0].numpy(), state.state[1][:, 1].numpy())
    with pytest.raises(TypeError, match="must be an LSTMState"):
        model(ids, past_key_values=KVCache())
    assert isinstance(LSTMState(), LSTMState) and LSTMState().get_seq_length() == 0


def test_complete_writes_past_the_context_and_is_seeded():
    model = _gpt64().float()
    tok = CharTokenizer("abcdefghijklmnopqrstuvw")  # 23 characters: the model's vocabulary
    text = complete(model, tok, "abc", 40, generator=mytorch.Generator().manual_seed(0))
    assert len(text) == 40 and set(text) <= set(tok.chars)  # 40 > the context of 16: written in windows
    again = complete(model, tok, "abc", 40, generator=mytorch.Generator().manual_seed(0))
    assert again == text
    chunks = []
    greedy = complete(model, tok, "abc", 20, greedy=True, stream=chunks.append)
    assert "".join(chunks) == greedy and len(chunks) == 3  # windows of 8 tokens: 8 + 8 + 4
    with pytest.raises(ValueError, match="not in the vocabulary"):
        complete(model, tok, "xyz!", 5)
