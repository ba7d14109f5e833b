"""mytorch.audio.transforms: torchaudio.transforms' names, as modules (and FrequencyWarp, which torchaudio
lacks)."""
from .amplitude import AmplitudeToDB
from .frequency_warp import FrequencyWarp
from .masking import FrequencyMasking, TimeMasking
from .resample import Resample
from .spectrogram import MelScale, MelSpectrogram, Spectrogram

__all__ = ["AmplitudeToDB", "FrequencyMasking", "FrequencyWarp", "MelScale", "MelSpectrogram", "Resample", "Spectrogram",
           "TimeMasking"]
