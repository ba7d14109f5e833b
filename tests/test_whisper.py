"""mytorch.models.Whisper against Hugging Face transformers' WhisperForConditionalGeneration (same random weights,
a small configuration): logits and parameter gradients; the sinusoidal positions; KV-cached decoding equal to the
uncached forward, and the cache's beam reordering; the CTranslate2 loader's name mapping on the published file."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch.models.whisper import Whisper, WhisperCache, WhisperConfig, whisper_sinusoids
from whisper_reference import MODEL_DIR, need_whisper_model

SMALL = dict(vocab_size=60, num_mel_bins=8, d_model=16, encoder_layers=2, encoder_attention_heads=4, decoder_layers=2,
             decoder_attention_heads=4, encoder_ffn_dim=32, decoder_ffn_dim=24, max_source_positions=6,
             max_target_positions=10)


def _hf_model(seed: int = 0):
    transformers = pytest.importorskip("transformers")
    config = transformers.WhisperConfig(**SMALL, pad_token_id=59, bos_token_id=58, eos_token_id=58,
                                        decoder_start_token_id=57, attn_implementation="eager")
    model = transformers.WhisperForConditionalGeneration(config).eval()
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # large random weights: HF's small init would leave every layer close to the identity
        for name, p in model.named_parameters():
            if "embed_positions" not in name or "decoder" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    return model


def _ours_from(hf) -> Whisper:
    model = Whisper(WhisperConfig(**SMALL)).eval()
    state = {k.removeprefix("model."): mytorch.tensor(v.numpy()) for k, v in hf.state_dict().items()
             if k != "proj_out.weight"}  # tied to the token embedding in both
    assert list(state) == list(model.state_dict())
    model.load_state_dict(state)
    return model


def test_sinusoids_are_whispers():
    hf = _hf_model()
    np.testing.assert_allclose(whisper_sinusoids(6, 16).numpy(), hf.model.encoder.embed_positions.weight.numpy(),
                               atol=1e-6)
    assert not Whisper(WhisperConfig(**SMALL)).encoder.embed_positions.weight.requires_grad


def test_logits_and_gradients_match_transformers(rng):
    hf = _hf_model()
    ours = _ours_from(hf)
    features = rng.standard_normal((2, 8, 12)).astype(np.float32)
    tokens = rng.integers(0, 57, (2, 5))
    expected = hf(input_features=torch.tensor(features), decoder_input_ids=torch.tensor(tokens)).logits
    got = ours(mytorch.tensor(features), mytorch.tensor(tokens))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=2e-5, rtol=1e-4)
    upstream = rng.standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.tensor(upstream))
    got.backward(mytorch.tensor(upstream))
    hf_params = dict(hf.named_parameters())
    for name, p in ours.named_parameters():
        if p.requires_grad:
            np.testing.assert_allclose(p.grad.numpy(), hf_params["model." + name].grad.numpy(), atol=2e-4, rtol=1e-3,
                                       err_msg=name)


def test_cached_decoding_equals_the_full_forward(rng):
    model = _ours_from(_hf_model(1))
    with mytorch.no_grad():
        memory = model.encode(mytorch.tensor(rng.standard_normal((2, 8, 12)).astype(np.float32)))
        tokens = mytorch.tensor(rng.integers(0, 60, (2, 7)))
        full = model.decode(tokens, memory).numpy()
        cache = model.make_cache(memory)
        # the prompt at once, one token, then three at once (a chunk after a past needs the offset causal mask)
        steps = [model.decode(tokens[:, :3], cache=cache), model.decode(tokens[:, 3:4], cache=cache),
                 model.decode(tokens[:, 4:], cache=cache)]
    np.testing.assert_allclose(np.concatenate([s.numpy() for s in steps], 1), full, atol=1e-5)
    assert cache.get_seq_length() == 7


def test_cache_reorder_selects_self_and_cross_rows(rng):
    model = _ours_from(_hf_model(2))
    with mytorch.no_grad():
        memory = model.encode(mytorch.tensor(rng.standard_normal((2, 8, 12)).astype(np.float32)))
        tokens = mytorch.tensor(rng.integers(0, 60, (2, 4)))
        cache = model.make_cache(memory)
        model.decode(tokens[:, :3], cache=cache)
        cache.reorder(mytorch.tensor([1, 1, 0]))
        got = model.decode(tokens[[1, 1, 0], 3:], cache=cache).numpy()
        expected = model.decode(tokens[[1, 1, 0]], memory[[1, 1, 0]])[:, -1:].numpy()
    assert isinstance(cache, WhisperCache)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_decoder_positions_are_bounded():
    model = Whisper(WhisperConfig(**SMALL))
    with pytest.raises(ValueError, match="exceed the 10"):
        model.decode(mytorch.zeros((1, 11), dtype=mytorch.int64), mytorch.zeros((1, 6, 16)))
    with pytest.raises(ValueError, match=r"expected features \(batch, 8, 12\)"):
        model.encode(mytorch.zeros((1, 8, 10)))


def test_loader_maps_every_published_weight():
    need_whisper_model()
    from mytorch.models.ctranslate2_format import read_ctranslate2
    from mytorch.models.whisper_loader import whisper_config, whisper_state_dict
    ct2 = read_ctranslate2(MODEL_DIR / "model.bin")
    config = whisper_config(ct2)
    assert config == WhisperConfig()  # tiny.en is the default configuration
    state = whisper_state_dict(ct2, config)
    skeleton = mytorch.nn.utils.skip_init(Whisper, config)
    assert {k: tuple(v.shape) for k, v in state.items()} == {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    fused = ct2["decoder/layer_1/self_attention/linear_0/weight"]
    np.testing.assert_array_equal(state["decoder.layers.1.self_attn.k_proj.weight"], fused[384:768])
    np.testing.assert_array_equal(state["decoder.layers.1.encoder_attn.v_proj.weight"],
                                  ct2["decoder/layer_1/attention/linear_1/weight"][384:])
    # the file stores the same sinusoids (in float16)
    np.testing.assert_allclose(state["encoder.embed_positions.weight"], whisper_sinusoids(1500, 384).numpy(),
                               atol=5e-4)
