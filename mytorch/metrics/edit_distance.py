"""Levenshtein edit distance between two sequences, with the operations that make it up.

The distance d(i, j) between the first i reference items r and the first j hypothesis items h is

    d(i, 0) = i,   d(0, j) = j
    d(i, j) = min(d(i-1, j-1) + [r_i != h_j],     substitution (or a hit when equal)
                  d(i-1, j) + 1,                  deletion: r_i missing from the hypothesis
                  d(i, j-1) + 1)                  insertion: h_j not in the reference

computed one row at a time. Each cell also carries how many substitutions, deletions and insertions
its cheapest path used (ties prefer a hit or substitution, then a deletion), so the counts add up to
the distance, as the usual WER tools report them.
"""
from __future__ import annotations

from typing import Hashable, NamedTuple, Sequence

__all__ = ["EditCounts", "edit_counts", "edit_distance"]


class EditCounts(NamedTuple):
    """The operations of a cheapest alignment; `distance` is their sum."""

    hits: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def distance(self) -> int:
        return self.substitutions + self.deletions + self.insertions


def edit_counts(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> EditCounts:
    """The hits, substitutions, deletions and insertions turning `reference` into `hypothesis`."""
    # a cell: (distance, substitutions, deletions, insertions)
    row = [(j, 0, 0, j) for j in range(len(hypothesis) + 1)]
    for i, r in enumerate(reference, 1):
        new = [(i, 0, i, 0)]
        for j, h in enumerate(hypothesis, 1):
            d, s, dl, ins = row[j - 1]
            diagonal = (d, s, dl, ins) if r == h else (d + 1, s + 1, dl, ins)
            d, s, dl, ins = row[j]
            deletion = (d + 1, s, dl + 1, ins)
            d, s, dl, ins = new[j - 1]
            insertion = (d + 1, s, dl, ins + 1)
            new.append(min((diagonal, deletion, insertion), key=lambda cell: cell[0]))
        row = new
    d, s, dl, ins = row[-1]
    return EditCounts(len(reference) - s - dl, s, dl, ins)


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """The Levenshtein distance: the fewest substitutions, deletions and insertions between the sequences."""
    return edit_counts(reference, hypothesis).distance
