"""mytorch.speech: speech recognition on mytorch (CTC decoding; the recognizer and its data follow).

The audio front end with torchaudio's names is `mytorch.audio`; scoring is `mytorch.metrics`.
"""
from .ctc_decoding import Hypothesis, ctc_greedy_decode, ctc_prefix_beam_search

__all__ = ["Hypothesis", "ctc_greedy_decode", "ctc_prefix_beam_search"]
