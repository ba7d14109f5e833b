"""mytorch.audio.transforms: torchaudio.transforms' names, as modules."""
from .amplitude import AmplitudeToDB
from .masking import FrequencyMasking, TimeMasking
from .resample import Resample

__all__ = ["AmplitudeToDB", "FrequencyMasking", "Resample", "TimeMasking"]
