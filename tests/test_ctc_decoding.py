"""CTC decoding (mytorch.speech): greedy collapse, prefix beam search against brute-force enumeration of
all paths and against ctc_loss, a beam that beats greedy, LM shallow fusion with a length bonus, and the
transcript tokenizer."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import mytorch
from mytorch.speech import ctc_greedy_decode, ctc_prefix_beam_search


def _log(p) -> mytorch.Tensor:
    return mytorch.tensor(np.log(np.asarray(p, dtype=np.float64)))


def _collapse(path, blank=0):
    return tuple(c for i, c in enumerate(path) if c != blank and (i == 0 or path[i - 1] != c))


def test_greedy_collapses_repeats_and_drops_blanks():
    # best path 1 1 0 1 2 2 0 -> "1 1 2" (the blank separates the two 1s)
    best = [1, 1, 0, 1, 2, 2, 0]
    lp = np.full((7, 3), 0.1)
    lp[np.arange(7), best] = 0.8
    assert ctc_greedy_decode(_log(lp)) == [1, 1, 2]
    batch = mytorch.stack([_log(lp), _log(lp[::-1].copy())])
    assert ctc_greedy_decode(batch, lengths=[7, 3]) == [[1, 1, 2], [2]]
    assert ctc_greedy_decode(_log(lp), blank=2) == [1, 0, 1, 0]


def test_beam_beats_greedy():
    """Two frames of p(blank) = 0.6: the best path is blank blank (""), p = 0.36, but "a" collects
    a a, a -, - a: 0.16 + 0.24 + 0.24 = 0.64."""
    lp = _log([[0.6, 0.4], [0.6, 0.4]])
    assert ctc_greedy_decode(lp) == []
    best = ctc_prefix_beam_search(lp, beam_width=4)
    assert best[0].tokens == [1] and best[0].ctc_score == pytest.approx(math.log(0.64))
    assert best[1].tokens == [] and best[1].ctc_score == pytest.approx(math.log(0.36))


def test_wide_beam_equals_enumeration_and_ctc_loss():
    """With a beam holding every prefix, each score is log sum over all paths spelling it, which is
    also -ctc_loss of that label sequence."""
    rng = np.random.default_rng(0)
    T, C = 5, 3
    probs = rng.dirichlet(np.ones(C), size=T)
    totals: dict[tuple, float] = {}
    for path in itertools.product(range(C), repeat=T):
        key = _collapse(path)
        totals[key] = totals.get(key, 0.0) + float(np.prod(probs[np.arange(T), path]))
    hyps = ctc_prefix_beam_search(_log(probs), beam_width=10_000)
    assert {tuple(h.tokens) for h in hyps} == set(totals)
    for h in hyps:
        assert h.ctc_score == pytest.approx(math.log(totals[tuple(h.tokens)]), rel=1e-12)
    best = max(totals, key=totals.get)
    assert tuple(hyps[0].tokens) == best
    loss = mytorch.nn.functional.ctc_loss(_log(probs).unsqueeze(1), mytorch.tensor([list(best)]), [T], [len(best)],
                                          reduction="sum")
    assert -loss.item() == pytest.approx(hyps[0].ctc_score, rel=1e-12)


def test_top_k_and_narrow_beam():
    rng = np.random.default_rng(1)
    lp = _log(rng.dirichlet(np.ones(6) * 0.3, size=12))
    wide = ctc_prefix_beam_search(lp, beam_width=16)
    pruned = ctc_prefix_beam_search(lp, beam_width=16, top_k=6)
    assert [h.tokens for h in wide] == [h.tokens for h in pruned]
    assert len(ctc_prefix_beam_search(lp, beam_width=1)) == 1
    for top_k in (None, 3):
        restricted = ctc_prefix_beam_search(lp, beam_width=16, labels=[1, 3], top_k=top_k)
        assert all(set(h.tokens) <= {1, 3} for h in restricted)


def test_lm_fusion_and_length_bonus():
    """The acoustics prefer label 2 over 3 after a sure 1; a bigram LM that knows 3 follows 1 flips the
    choice once alpha is large enough. A length bonus beta keeps a less certain second label."""
    lp = _log([[0.05, 0.9, 0.03, 0.02], [0.05, 0.05, 0.5, 0.4], [0.9, 0.04, 0.03, 0.03]])
    assert ctc_prefix_beam_search(lp)[0].tokens == [1, 2]

    def bigram(prefix, label):  # log p(label | last label): after 1 comes 3
        return math.log(0.9 if prefix and prefix[-1] == 1 and label == 3 else 0.05)

    fused = ctc_prefix_beam_search(lp, lm=bigram, lm_weight=1.0)
    assert fused[0].tokens == [1, 3]
    assert fused[0].lm_score == pytest.approx(math.log(0.05) + math.log(0.9))
    assert fused[0].score == pytest.approx(fused[0].ctc_score + fused[0].lm_score)
    assert ctc_prefix_beam_search(lp, lm=bigram, lm_weight=0.05)[0].tokens == [1, 2]

    lp = _log([[0.05, 0.9, 0.05], [0.1, 0.6, 0.3], [0.9, 0.05, 0.05]])
    assert ctc_prefix_beam_search(lp)[0].tokens == [1]
    longer = ctc_prefix_beam_search(lp, length_bonus=1.0)[0]
    assert longer.tokens == [1, 2] and longer.score == pytest.approx(longer.ctc_score + 2.0)


def test_errors():
    with pytest.raises(ValueError, match=r"one utterance \(T, C\), got shape \(1, 2, 3\)"):
        ctc_prefix_beam_search(mytorch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="beam_width must be at least 1"):
        ctc_prefix_beam_search(mytorch.zeros(2, 3), beam_width=0)


def test_transcript_tokenizer_round_trip_with_greedy():
    from mytorch.speech import TranscriptTokenizer
    tok = TranscriptTokenizer()
    assert tok.vocab_size == 30 and tok.encode("ab c") == [3, 4, 2, 5]
    targets, lengths = tok.batch(["one two", "six"])
    assert targets.tolist() == [tok.encode("one two"), tok.encode("six") + [0, 0, 0, 0]] and lengths.tolist() == [7, 3]
    # a best path that spells "zoo": z z - o - o o (the blank keeps the two o's apart)
    path = [tok.encode("z")[0]] * 2 + [0] + tok.encode("o") + [0] + tok.encode("o") * 2
    lp = np.full((len(path), tok.vocab_size), 0.01)
    lp[np.arange(len(path)), path] = 1.0
    assert tok.decode(ctc_greedy_decode(_log(lp / lp.sum(1, keepdims=True)))) == "zoo"
    assert tok.decode([1, 3, 0, 4, 1]) == "ab"
    with pytest.raises(ValueError, match="'!' not in the characters"):
        tok.encode("hi!")
