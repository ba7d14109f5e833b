"""mytorch.speech: speech recognition on mytorch: CTC decoding, and the speech data we synthesize ourselves.

The audio front end with torchaudio's names is `mytorch.audio`; scoring is `mytorch.metrics`; the models are
`mytorch.models.SpeechRecognizer` (trained here) and `mytorch.models.Whisper` (published weights, run by
`WhisperTranscriber`).
"""
from .attention_decoding import attention_decode
from .ctc_decoding import Hypothesis, ctc_greedy_decode, ctc_prefix_beam_search
from .espeak import synthesize
from .lm_fusion import CharLMScorer
from .spoken_digits import SpokenDigits
from .tokenizer import TranscriptTokenizer
from .whisper import WhisperTranscriber

__all__ = ["attention_decode", "CharLMScorer", "Hypothesis", "ctc_greedy_decode", "ctc_prefix_beam_search", "synthesize", "SpokenDigits",
           "TranscriptTokenizer", "WhisperTranscriber"]
