"""mytorch.speech.LogMelFeatures: the recognizer's front end against the log-mel written out from the
definition (NumPy float64, periodic Hann, reflect-padded frames, HTK mel bands), normalised per band."""
from __future__ import annotations

import numpy as np

import mytorch
from mytorch.speech.features import LogMelFeatures
from test_audio_features import _reference_fbanks
from test_audio_spectrogram import _reference


def test_log_mel_features_match_reference(rng):
    x = rng.standard_normal(4000).astype(np.float32) * np.hanning(4000).astype(np.float32)
    features = LogMelFeatures(n_mels=24)(mytorch.tensor(x).unsqueeze(0))
    log_mel = np.log(np.maximum(_reference_fbanks(201, 0.0, 8000.0, 24, 16000, None, "htk").T
                                @ _reference(x, 400, 160, 400), 1e-10))
    expected = ((log_mel - log_mel.mean(1, keepdims=True)) / (log_mel.std(1, ddof=1, keepdims=True) + 1e-5)).T
    assert tuple(features.shape) == (26, 24)
    np.testing.assert_allclose(features.numpy(), expected, atol=2e-4)
    np.testing.assert_allclose(features.numpy().mean(0), 0, atol=1e-5)
