"""mytorch.audio.functional: torchaudio.functional's names, as functions of tensors (edit_distance, the
Levenshtein distance torchaudio keeps here, is `mytorch.metrics`' one)."""
from ...metrics.edit_distance import edit_distance
from .amplitude import DB_to_amplitude, amplitude_to_DB
from .masking import mask_along_axis, mask_along_axis_iid
from .mel import melscale_fbanks
from .resample import resample
from .spectrogram import spectrogram

__all__ = ["DB_to_amplitude", "amplitude_to_DB", "edit_distance", "mask_along_axis", "mask_along_axis_iid",
           "melscale_fbanks", "resample", "spectrogram"]
