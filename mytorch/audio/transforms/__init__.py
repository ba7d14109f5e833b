"""mytorch.audio.transforms: torchaudio.transforms' names, as modules."""
from .amplitude import AmplitudeToDB
from .masking import FrequencyMasking, TimeMasking
from .resample import Resample
from .spectrogram import MelScale, MelSpectrogram, Spectrogram

__all__ = ["AmplitudeToDB", "FrequencyMasking", "MelScale", "MelSpectrogram", "Resample", "Spectrogram",
           "TimeMasking"]
