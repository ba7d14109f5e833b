"""CharLMScorer: a character LM on mytorch as the beam search's fusion callback: its values are the model's
next-character log-probabilities, each prefix is run once, and the beam's LM score is their sum."""
from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch
from mytorch.models import GPT, GPTConfig
from mytorch.speech import CharLMScorer, TranscriptTokenizer, ctc_prefix_beam_search
from mytorch.text.char import CharTokenizer

LM_CHARS = CharTokenizer("\n abcdefghijklmnopqrstuvwxyz'").chars


@pytest.fixture
def lm():
    mytorch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=len(LM_CHARS), block_size=16, n_layer=1, n_head=2, n_embd=16)).eval()


def test_values_are_the_models_log_probs(lm):
    tok = TranscriptTokenizer()
    scorer = CharLMScorer.from_chars(lm, tok.label_chars, LM_CHARS)
    prefix = tuple(tok.encode("on"))
    ids = [LM_CHARS.index(c) for c in "\non"]
    expected = mytorch.nn.functional.log_softmax(lm(mytorch.tensor([ids]))[0, -1].double(), -1)
    e = tok.encode("e")[0]
    assert scorer(prefix, e) == pytest.approx(expected[LM_CHARS.index("e")].item(), rel=1e-9)
    total = sum(math.exp(scorer(prefix, label)) for label in tok.label_chars)
    assert total == pytest.approx(1 - math.exp(expected[LM_CHARS.index("\n")].item()), rel=1e-6)


def test_each_prefix_runs_once_and_beam_sums(lm):
    tok = TranscriptTokenizer("abc")
    calls = []

    def counted(ids):
        calls.append(tuple(ids.tolist()[0]))
        return lm(ids)

    scorer = CharLMScorer.from_chars(counted, tok.label_chars, LM_CHARS, context=8)
    lp = np.log(np.random.default_rng(0).dirichlet(np.ones(tok.vocab_size), size=6))
    hyps = ctc_prefix_beam_search(mytorch.tensor(lp), beam_width=4, lm=scorer, lm_weight=0.5,
                                  labels=list(tok.label_chars))  # not 1, the recognizer's sos/eos
    assert len(calls) == len(set(calls))
    best = hyps[0]
    lm_sum = sum(scorer(tuple(best.tokens[:i]), best.tokens[i]) for i in range(len(best.tokens)))
    assert best.lm_score == pytest.approx(lm_sum)
    assert best.score == pytest.approx(best.ctc_score + 0.5 * lm_sum)


def test_missing_character():
    with pytest.raises(ValueError, match="the LM's vocabulary lacks '!'"):
        CharLMScorer.from_chars(lambda ids: ids, {2: "!"}, LM_CHARS)
