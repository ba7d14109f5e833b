"""mytorch.metrics: transcript scoring (word and character error rates, edit distances)."""
from .edit_distance import EditCounts, edit_counts, edit_distance
from .error_rate import cer, char_edit_counts, char_edit_distance, wer, word_edit_counts, word_edit_distance
from .normalize import normalize_text

__all__ = ["EditCounts", "edit_counts", "edit_distance", "wer", "cer", "word_edit_counts", "char_edit_counts",
           "word_edit_distance", "char_edit_distance", "normalize_text"]
