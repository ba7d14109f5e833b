"""mytorch.generation on small random Llamas: KV cache, logits processors, greedy / sampling / beam search.

References: a full forward pass (for the cache), and Hugging Face transformers' processors and generate()
on the same weights (test-only; skipped without it).
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch import nn
from mytorch.generation import KVCache, generate
from mytorch.generation.sampling import SamplingConfig, repetition_penalty, top_k_filter, top_p_filter
from mytorch.models.llama import LlamaConfig, LlamaForCausalLM
from test_llama import TINY

V = TINY["vocab_size"]


def tiny_llama(seed: int = 0, scale: float = 1.0) -> LlamaForCausalLM:
    mytorch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(**TINY)).eval()
    with mytorch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    return model


@pytest.fixture(scope="module")
def pair(backend):
    """(mytorch Llama, transformers Llama) with the same weights, scaled up so that decoding is decisive."""
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    config = transformers.LlamaConfig(**TINY, tie_word_embeddings=True, attn_implementation="eager",
                                      bos_token_id=None, eos_token_id=None, pad_token_id=None)
    hf = transformers.LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for p in hf.parameters():
            p.mul_(6)
    ours = LlamaForCausalLM(LlamaConfig(**TINY)).eval()
    ours.load_state_dict({k: mytorch.tensor(v.numpy()) for k, v in hf.state_dict().items()})
    return ours, hf


def hf_generate(hf, ids: np.ndarray, mask: np.ndarray | None = None, **kw) -> list:
    """transformers' generate with an explicit mask (it would otherwise guess padding from pad_token_id)."""
    mask = np.ones_like(ids) if mask is None else mask
    return hf.generate(torch.tensor(ids), attention_mask=torch.tensor(mask), **kw).tolist()


# ---- KV cache ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [(1,) * 9, (4, 1, 1, 1, 1, 1), (3, 3, 3), (8, 1)])
def test_incremental_decoding_equals_full_forward(chunks):
    model = tiny_llama()
    ids = mytorch.randint(0, V, (2, sum(chunks)))
    with mytorch.no_grad():
        full = model(ids)
        cache, start, parts = KVCache(), 0, []
        for n in chunks:
            parts.append(model(ids[:, start:start + n], past_key_values=cache))
            start += n
    assert cache.get_seq_length() == sum(chunks) and len(cache) == TINY["num_hidden_layers"]
    np.testing.assert_allclose(mytorch.cat(parts, 1).numpy(), full.numpy(), atol=1e-5, rtol=1e-5)


def test_incremental_decoding_with_left_padding():
    model = tiny_llama()
    ids = mytorch.randint(0, V, (2, 8))
    mask = mytorch.ones(2, 8, dtype=mytorch.int64)
    mask[0, :3] = 0
    with mytorch.no_grad():
        full = model(ids, mask)
        cache = KVCache()
        parts = [model(ids[:, :5], mask[:, :5], past_key_values=cache)]
        parts += [model(ids[:, i:i + 1], mask[:, :i + 1], past_key_values=cache) for i in range(5, 8)]
    got, ref = mytorch.cat(parts, 1).numpy(), full.numpy()
    np.testing.assert_allclose(got[:, 3:], ref[:, 3:], atol=1e-5, rtol=1e-5)


def test_kv_cache_grows_and_reorders():
    cache = KVCache()
    k = mytorch.arange(2 * 3 * 4, dtype=mytorch.float32).reshape(2, 1, 3, 4)
    keys, values = cache.update(0, k, -k)
    for step in range(5):  # past the first capacity: the buffer doubles and keeps its contents
        new = mytorch.full((2, 1, 1, 4), float(step))
        keys, values = cache.update(0, new, -new)
    assert tuple(keys.shape) == (2, 1, 8, 4) and cache.get_seq_length() == 8
    assert np.array_equal(keys[:, :, :3].numpy(), k.numpy()) and np.array_equal(values.numpy(), -keys.numpy())
    assert np.array_equal(keys[0, 0, 3:, 0].numpy(), np.arange(5, dtype=np.float32))
    cache.reorder(mytorch.tensor([1, 1]))
    keys, _ = cache.update(0, mytorch.zeros(2, 1, 1, 4), mytorch.zeros(2, 1, 1, 4))
    assert np.array_equal(keys[0, :, :3].numpy(), k[1].numpy()) and np.array_equal(keys[1, :, :3].numpy(),
                                                                                   k[1].numpy())
    with pytest.raises(IndexError, match="layer 2 before layer 1"):
        cache.update(2, k, k)


# ---- logits processors ---------------------------------------------------------------------------------------

@pytest.fixture
def logits():
    return (np.random.default_rng(0).standard_normal((3, 50)) * 3).astype(np.float32)


def test_processors_match_transformers(logits):
    lp = pytest.importorskip("transformers.generation.logits_process")
    ids = np.random.default_rng(1).integers(0, 50, (3, 7))
    z, t = mytorch.tensor(logits), torch.tensor(logits)
    for penalty in (0.7, 1.3):
        expected = lp.RepetitionPenaltyLogitsProcessor(penalty)(torch.tensor(ids), t.clone()).numpy()
        np.testing.assert_array_equal(repetition_penalty(z, mytorch.tensor(ids), penalty).numpy(), expected)
    for k in (1, 5, 50, 80):
        np.testing.assert_array_equal(top_k_filter(z, k).numpy(), lp.TopKLogitsWarper(k)(None, t.clone()).numpy())
    for p in (0.05, 0.5, 0.9, 1.0):
        np.testing.assert_array_equal(top_p_filter(z, p).numpy(), lp.TopPLogitsWarper(p)(None, t.clone()).numpy())


def test_sampling_config_errors():
    for kwargs, match in [({"temperature": 0}, "temperature"), ({"top_k": 0}, "top_k"), ({"top_p": 1.5}, "top_p"),
                          ({"repetition_penalty": 0}, "repetition_penalty")]:
        with pytest.raises(ValueError, match=match):
            SamplingConfig(do_sample=True, **kwargs)


# ---- generate --------------------------------------------------------------------------------------------------

def test_greedy_matches_transformers(pair):
    ours, hf = pair
    ids = np.random.default_rng(2).integers(0, V, (2, 5))
    got = generate(ours, mytorch.tensor(ids), max_new_tokens=20)
    assert got.tolist() == hf_generate(hf, ids, max_new_tokens=20, do_sample=False)


def test_greedy_stops_at_eos_and_pads(pair):
    ours, hf = pair
    ids = np.random.default_rng(3).integers(0, V, (3, 4))
    free = generate(ours, mytorch.tensor(ids), max_new_tokens=12)[:, 4:].tolist()
    eos = free[0][2]  # a token row 0 emits: row 0 stops at its first occurrence
    got = generate(ours, mytorch.tensor(ids), max_new_tokens=12, eos_token_id=eos, pad_token_id=V - 1)
    assert got.tolist() == hf_generate(hf, ids, max_new_tokens=12, do_sample=False, eos_token_id=eos,
                                       pad_token_id=V - 1)
    row, stop = got[0, 4:].tolist(), free[0].index(eos) + 1
    assert row[:stop] == free[0][:stop] and set(row[stop:]) <= {V - 1}


def test_left_padded_batch_equals_each_prompt_alone(pair):
    ours, hf = pair
    rng = np.random.default_rng(4)
    prompts = [rng.integers(0, V, n) for n in (6, 2, 4)]
    ids = np.zeros((3, 6), np.int64)
    mask = np.zeros((3, 6), np.int64)
    for i, p in enumerate(prompts):
        ids[i, 6 - len(p):], mask[i, 6 - len(p):] = p, 1
    got = generate(ours, mytorch.tensor(ids), mytorch.tensor(mask), max_new_tokens=10)
    assert got.tolist() == hf_generate(hf, ids, mask, max_new_tokens=10, do_sample=False, pad_token_id=0)
    for i, p in enumerate(prompts):
        alone = generate(ours, mytorch.tensor(p[None]), max_new_tokens=10)
        assert got[i, 6:].tolist() == alone[0, len(p):].tolist()


@pytest.mark.parametrize("num_beams,length_penalty,early_stopping", [
    (2, 1.0, False), (3, 1.0, True), (4, 0.5, False), (3, 2.0, False), (2, -1.0, True)])
def test_beam_search_matches_transformers(pair, num_beams, length_penalty, early_stopping):
    ours, hf = pair
    rng = np.random.default_rng(num_beams * 10 + int(length_penalty * 3))
    ids = rng.integers(0, V, (2, 4))
    greedy = generate(ours, mytorch.tensor(ids), max_new_tokens=10)[:, 4:].flatten().tolist()
    mismatches = 0
    for eos in list(dict.fromkeys(greedy))[1:4]:  # tokens likely to come: beams do finish
        kw = dict(max_new_tokens=10, num_beams=num_beams, length_penalty=length_penalty,
                  early_stopping=early_stopping, eos_token_id=eos, pad_token_id=eos)
        got = generate(ours, mytorch.tensor(ids), **kw)
        mismatches += got.tolist() != hf_generate(hf, ids, do_sample=False, **kw)
    assert mismatches == 0


def test_beam_search_with_one_beam_is_greedy(pair):
    ours, _ = pair
    ids = mytorch.tensor(np.random.default_rng(5).integers(0, V, (2, 3)))
    beams = generate(ours, ids, max_new_tokens=8, num_beams=2, length_penalty=0.0)
    assert beams.shape[1] == 11  # no EOS: full length
    assert generate(ours, ids, max_new_tokens=8).tolist() == generate(ours, ids, max_new_tokens=8, num_beams=1).tolist()


def test_sampling_is_seeded_and_respects_truncation(pair):
    ours, _ = pair
    ids = mytorch.tensor(np.random.default_rng(6).integers(0, V, (2, 3)))

    def sample(seed, **kw):
        return generate(ours, ids, max_new_tokens=12, do_sample=True, generator=mytorch.Generator().manual_seed(seed),
                        **kw).tolist()

    assert sample(1, temperature=1.5) == sample(1, temperature=1.5)
    assert sample(1, temperature=1.5) != sample(2, temperature=1.5)
    greedy = generate(ours, ids, max_new_tokens=12).tolist()
    assert sample(3, top_k=1) == greedy and sample(4, top_p=1e-6) == greedy


def test_sampling_distribution_follows_softmax():
    """Sampled next-token frequencies follow softmax(z / T) restricted to the top k."""
    class Fixed(nn.Module):
        def forward(self, input_ids):
            return mytorch.tensor([[[2.0, 1.0, 0.0, -1.0]]]).expand(input_ids.shape[0], 1, 4)

    n = 4000
    out = generate(Fixed(), mytorch.zeros(n, 1, dtype=mytorch.int64), max_new_tokens=1, do_sample=True,
                   temperature=2.0, top_k=3, generator=mytorch.Generator().manual_seed(0))
    freq = np.bincount(out[:, 1].numpy(), minlength=4) / n
    p = np.exp(np.array([2.0, 1.0, 0.0]) / 2.0)
    np.testing.assert_allclose(freq, np.append(p / p.sum(), 0.0), atol=0.03)


def test_repetition_penalty_changes_greedy_output(pair):
    ours, hf = pair
    ids = np.random.default_rng(7).integers(0, V, (1, 4))
    got = generate(ours, mytorch.tensor(ids), max_new_tokens=15, repetition_penalty=1.8)
    assert got.tolist() == hf_generate(hf, ids, max_new_tokens=15, do_sample=False, repetition_penalty=1.8)


def test_without_cache_and_for_models_without_one(pair):
    ours, _ = pair
    ids = mytorch.tensor(np.random.default_rng(8).integers(0, V, (2, 4)))
    cached = generate(ours, ids, max_new_tokens=8)
    assert generate(ours, ids, max_new_tokens=8, use_cache=False).tolist() == cached.tolist()

    class Plain(nn.Module):  # a decoder that only maps token ids to logits
        def __init__(self):
            super().__init__()
            self.inner = ours

        def forward(self, input_ids):
            return self.inner(input_ids)

    assert generate(Plain(), ids, max_new_tokens=8).tolist() == cached.tolist()
    with pytest.raises(TypeError, match="takes no past_key_values"):
        generate(Plain(), ids, use_cache=True)
    with pytest.raises(TypeError, match="padded prompts"):
        generate(Plain(), ids, mytorch.tensor([[0, 1, 1, 1], [1, 1, 1, 1]]))


def test_streamer_sees_every_token(pair):
    ours, _ = pair
    ids = mytorch.tensor(np.random.default_rng(9).integers(0, V, (1, 3)))
    seen = []
    out = generate(ours, ids, max_new_tokens=6, streamer=lambda t: seen.append(t.tolist()))
    assert [s[0] for s in seen] == out[0, 3:].tolist()


def test_continuing_a_cache_equals_one_generation(pair):
    ours, _ = pair
    ids = mytorch.tensor(np.random.default_rng(10).integers(0, V, (1, 6)))
    whole = generate(ours, ids, max_new_tokens=5)
    cache = KVCache()
    with mytorch.no_grad():
        ours(ids[:, :4], past_key_values=cache)
    rest = generate(ours, ids[:, 4:], max_new_tokens=5, past_key_values=cache)
    assert rest[0, 2:].tolist() == whole[0, 6:].tolist()


def test_generate_errors(pair):
    ours, _ = pair
    long = mytorch.zeros(1, TINY["max_position_embeddings"], dtype=mytorch.int64)
    with pytest.raises(ValueError, match="prompt is 64 tokens long but the model's context holds 64"):
        generate(ours, long)
    near = generate(ours, long[:, :60], max_new_tokens=50)
    assert near.shape[1] == 64  # stops at the context's end
    ids = mytorch.zeros(1, 3, dtype=mytorch.int64)
    with pytest.raises(NotImplementedError, match="beam search with sampling"):
        generate(ours, ids, num_beams=2, do_sample=True)
    with pytest.raises(ValueError, match="input_ids must be"):
        generate(ours, mytorch.zeros(3, dtype=mytorch.int64))
    with pytest.raises(ValueError, match="top_p"):
        generate(ours, ids, do_sample=True, top_p=0.0)
