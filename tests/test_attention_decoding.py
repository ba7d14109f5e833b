"""mytorch.speech.attention_decode: the SpeechRecognizer's attention decoder, one token per step over a KV cache,
gives the logits of the full teacher-forced decoder, and its greedy and beam transcripts equal those of
`generate` run on the full decoder without a cache (padding of the batch included)."""
from __future__ import annotations

import numpy as np
import pytest

import mytorch
from mytorch.generation import generate
from mytorch.models.speech_recognizer import BLANK, SOS_EOS, SpeechRecognizer, SpeechRecognizerConfig
from mytorch.speech import attention_decode
from mytorch.speech.attention_decoding import _DecoderSteps


def _model() -> SpeechRecognizer:
    mytorch.manual_seed(0)
    config = SpeechRecognizerConfig(vocab_size=9, n_mels=20, d_model=32, n_heads=2, encoder_layers=1,
                                    decoder_layers=2, d_ff=48, dropout=0.1)
    return SpeechRecognizer(config).eval()


def _batch():
    g = mytorch.Generator().manual_seed(1)
    return mytorch.randn(2, 40, 20, generator=g), mytorch.tensor([40, 29])


class _FullDecoder:
    """The reference: the whole prefix through model.decode at every step, no cache; beam rows r use
    utterance r // beams' memory (generate keeps each prompt's beams in consecutive rows)."""

    def __init__(self, model, memory, padding, beams):
        self.model = model
        self.memory, self.padding = memory.repeat_interleave(beams, 0), padding.repeat_interleave(beams, 0)

    def forward(self, input_ids):
        logits = self.model.decode(input_ids, self.memory, self.padding)
        logits[..., BLANK] = float("-inf")  # padding, never a decoder target
        return logits

    __call__ = forward


def test_cached_steps_give_the_full_decoders_logits():
    model = _model()
    x, lengths = _batch()
    tokens = mytorch.tensor([[SOS_EOS, 2, 5, 3, 7], [SOS_EOS, 4, 4, 8, 2]])
    with mytorch.no_grad():
        memory, _, padding = model.encode(x, lengths)
        full = model.decode(tokens, memory, padding)
        full[..., BLANK] = float("-inf")
        steps = _DecoderSteps(model, memory, padding)
        first = steps(tokens[:, :2])  # a prompt of two tokens, then one token at a time
        rest = [steps(tokens[:, i:i + 1]) for i in range(2, tokens.shape[1])]
    stepped = mytorch.cat([first, *rest], 1)
    np.testing.assert_allclose(stepped.numpy(), full.numpy(), atol=2e-5)


@pytest.mark.parametrize("beams", [1, 3])
def test_greedy_and_beam_equal_generate_on_the_full_decoder(beams):
    model = _model()
    x, lengths = _batch()
    got = attention_decode(model, x, lengths, beam_size=beams, max_tokens=6)
    with mytorch.no_grad():
        memory, _, padding = model.encode(x, lengths)
        start = mytorch.full((2, 1), SOS_EOS, dtype=mytorch.int64)
        ref = generate(_FullDecoder(model, memory, padding, beams), start, max_new_tokens=6, num_beams=beams,
                       eos_token_id=SOS_EOS, pad_token_id=BLANK)
    expected = [row[:row.index(SOS_EOS)] if SOS_EOS in row else row for row in ref[:, 1:].tolist()]
    assert got == expected and all(len(row) <= 6 and BLANK not in row for row in got)


def test_errors():
    model = _model()
    x, lengths = _batch()
    with pytest.raises(RuntimeError, match="training mode"):
        attention_decode(model.train(), x, lengths)
    with pytest.raises(ValueError, match="beam_size must be at least 1, got 0"):
        attention_decode(model.eval(), x, lengths, beam_size=0)
