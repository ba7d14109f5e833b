"""mytorch.metrics: edit distances, their operation counts, WER/CER and normalisation, on hand-worked cases."""
from __future__ import annotations

import pytest

from mytorch.metrics import (EditCounts, cer, char_edit_distance, edit_counts, edit_distance, normalize_text, wer,
                             word_edit_counts, word_edit_distance)

pytestmark = pytest.mark.backend_independent  # edit distances of strings


def test_edit_distance_classics():
    assert edit_distance("kitten", "sitting") == 3  # k->s, e->i, +g
    assert edit_distance("flaw", "lawn") == 2  # -f, +n
    assert edit_distance("", "abc") == 3 and edit_distance("abc", "") == 3 and edit_distance("", "") == 0
    assert edit_distance([1, 2, 3], [1, 3]) == 1  # any sequence of hashables


def test_torchaudio_name():
    """torchaudio keeps its Levenshtein distance in torchaudio.functional: the same name works here."""
    from mytorch.audio import functional as AF
    assert AF.edit_distance is edit_distance and AF.edit_distance("kitten", "sitting") == 3


def test_edit_counts_add_up():
    # "a b c d" -> "a x c d e": b->x substituted, e inserted, three hits
    assert edit_counts("a b c d".split(), "a x c d e".split()) == EditCounts(3, 1, 0, 1)
    # "the cat sat" -> "cat sat on": the deleted, on inserted
    assert edit_counts("the cat sat".split(), "cat sat on".split()) == EditCounts(2, 0, 1, 1)
    counts = edit_counts("intention", "execution")
    assert counts.distance == 5 and counts.hits + counts.substitutions + counts.deletions == 9


def test_wer_single_and_corpus():
    assert wer("hello world", "hello duck") == 0.5
    assert wer("this is the reference", "this is the hypothesis") == 0.25
    # a corpus rate: (1 insertion + 1 deletion) / 6 reference words, not the mean of 1/3 and 1/3
    assert wer(["the cat sat", "on the mat"], ["the cat sat down", "on mat"]) == pytest.approx(2 / 6)
    assert wer(["one two", "three four five six"], ["one two", "three"]) == pytest.approx(3 / 6)
    assert wer("a", "b c d") == 3.0  # insertions can push it past 1


def test_cer_counts_spaces():
    assert cer("abc", "abd") == pytest.approx(1 / 3)
    assert cer("three one four", "three one for") == pytest.approx(1 / 14)
    assert cer("ab cd", "abcd") == pytest.approx(1 / 5)  # the missing space is one deletion
    assert char_edit_distance("zero", "hero") == 1 and word_edit_distance("one two", "one too") == 1


def test_normalisation_options():
    assert normalize_text("  Hello,   World! ", lowercase=True, remove_punctuation=True) == "hello world"
    assert normalize_text("don't — stop", remove_punctuation=True) == "dont stop"
    assert normalize_text("a \t b", collapse_whitespace=False) == "a \t b"
    assert wer("Hello, World!", "hello world") == 1.0
    assert wer("Hello, World!", "hello world", lowercase=True, remove_punctuation=True) == 0.0
    assert cer("a  b", "a b") == 0.0
    assert cer("a  b", "a b", collapse_whitespace=False) == pytest.approx(1 / 4)
    assert word_edit_counts("One, two", "one two", lowercase=True) == EditCounts(1, 1, 0, 0)


def test_errors():
    with pytest.raises(ValueError, match="2 references and 1 hypotheses"):
        wer(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="references hold no words"):
        wer(" ", "a")
    with pytest.raises(ValueError, match="references hold no characters"):
        cer(["", ""], ["a", ""])
