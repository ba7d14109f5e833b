"""mytorch.audio mel filter banks, decibels and SpecAugment masks: against float64 references written from
the published formulas (a triangle per band by interpolation), known points of the mel scales, unit-area
Slaney bands, gradients, the generator's determinism, and torchaudio's errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mytorch
from mytorch.audio import functional as AF
from mytorch.audio import transforms as AT


def _mel(f: np.ndarray, scale: str) -> np.ndarray:
    if scale == "htk":
        return 2595 * np.log10(1 + f / 700)
    return np.where(f < 1000, 3 * f / 200, 15 + 27 * np.log(np.maximum(f, 1e-9) / 1000) / np.log(6.4))


def _hz(m: np.ndarray, scale: str) -> np.ndarray:
    if scale == "htk":
        return 700 * (10 ** (m / 2595) - 1)
    return np.where(m < 15, 200 * m / 3, 1000 * 6.4 ** ((m - 15) / 27))


def _reference_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm, scale) -> np.ndarray:
    freqs = np.linspace(0, sample_rate // 2, n_freqs)
    edges = _hz(np.linspace(_mel(np.array(f_min), scale), _mel(np.array(f_max), scale), n_mels + 2), scale)
    fb = np.stack([np.interp(freqs, edges[m:m + 3], [0, 1, 0], left=0, right=0) for m in range(n_mels)], axis=1)
    return fb * (2 / (edges[2:] - edges[:-2])) if norm == "slaney" else fb


def test_mel_scale_points():
    from mytorch.audio.functional.mel import hz_to_mel, mel_to_hz
    assert hz_to_mel(1000.0, "htk") == pytest.approx(1000.0, abs=0.1)  # HTK's scale is built around 1 kHz
    assert hz_to_mel(1000.0, "slaney") == pytest.approx(15.0) and hz_to_mel(6400.0, "slaney") == pytest.approx(42.0)
    assert hz_to_mel(500.0, "slaney") == pytest.approx(7.5)
    m = mytorch.tensor([0.0, 7.5, 15.0, 30.0, 42.0], dtype=mytorch.float64)
    np.testing.assert_allclose(mel_to_hz(m, "slaney").numpy(), _hz(m.numpy(), "slaney"), rtol=1e-12)


@pytest.mark.parametrize("scale", ["htk", "slaney"])
@pytest.mark.parametrize("norm", [None, "slaney"])
@pytest.mark.parametrize("args", [(201, 0.0, 8000.0, 80, 16000), (257, 20.0, 7600.0, 40, 16000),
                                  (1025, 0.0, 22050.0, 128, 44100)])
def test_melscale_fbanks(scale, norm, args):
    fb = AF.melscale_fbanks(*args, norm=norm, mel_scale=scale)
    assert fb.dtype is mytorch.float32 and tuple(fb.shape) == (args[0], args[3])
    np.testing.assert_allclose(fb.numpy(), _reference_fbanks(*args, norm, scale), atol=1e-6, rtol=1e-5)


def test_slaney_bands_have_unit_area():
    fb = AF.melscale_fbanks(8001, 0.0, 8000.0, 40, 16000, norm="slaney", mel_scale="slaney").numpy()
    np.testing.assert_allclose(fb.sum(0) * 1.0, 1.0, atol=2e-3)  # 1 Hz bins: the sum is the area


def test_melscale_errors_and_warning():
    with pytest.raises(ValueError, match='mel_scale should be one of "htk" or "slaney"'):
        AF.melscale_fbanks(10, 0, 100, 4, 200, mel_scale="mel")
    with pytest.raises(ValueError, match='norm must be one of None or "slaney"'):
        AF.melscale_fbanks(10, 0, 100, 4, 200, norm="area")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AF.melscale_fbanks(5, 0, 8000, 40, 16000)
    assert any("all zero values" in str(w.message) for w in caught)


def test_amplitude_to_db():
    x = np.random.default_rng(0).random((2, 3, 5, 7)) ** 4
    x[0, 0, 0, 0] = 0.0
    for stype, mult in (("power", 10), ("magnitude", 20)):
        expected = mult * np.log10(np.maximum(x, 1e-10))
        np.testing.assert_allclose(AT.AmplitudeToDB(stype)(mytorch.tensor(x)).numpy(), expected, rtol=1e-12)
        floored = np.maximum(expected, expected.max(axis=(1, 2, 3), keepdims=True) - 30)
        got = AT.AmplitudeToDB(stype, top_db=30)(mytorch.tensor(x)).numpy()
        np.testing.assert_allclose(got, floored, rtol=1e-12)
    # a single spectrogram (freq, time): the floor is taken over all of it
    got = AF.amplitude_to_DB(mytorch.tensor(x[0, 0]), 10.0, 1e-10, 0.0, top_db=20.0).numpy()
    db = 10 * np.log10(np.maximum(x[0, 0], 1e-10))
    np.testing.assert_allclose(got, np.maximum(db, db.max() - 20), rtol=1e-12)
    np.testing.assert_allclose(AF.DB_to_amplitude(mytorch.tensor(db), 1.0, 1.0).numpy(), np.maximum(x[0, 0], 1e-10),
                               rtol=1e-10)
    with pytest.raises(ValueError, match="top_db must be positive value"):
        AT.AmplitudeToDB(top_db=-1)
    z = mytorch.tensor(x[0] + 0.1, requires_grad=True)
    assert mytorch.autograd.gradcheck(lambda v: AF.amplitude_to_DB(v, 20.0, 1e-10, 0.0, top_db=8.0), (z,))


def _band(mask: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(mask)
    assert len(idx) == 0 or np.array_equal(idx, np.arange(idx[0], idx[-1] + 1)), "the band is contiguous"
    return (int(idx[0]), len(idx)) if len(idx) else (0, 0)


def test_masks_follow_torchaudio_draws():
    """Width floor(u1 P) and start floor(u2 (L - u1 P)) from the generator's first two uniforms."""
    spec = mytorch.ones(2, 30, 50)
    for seed in range(5):
        g = mytorch.Generator().manual_seed(seed)
        u1, u2 = (mytorch.rand(1, generator=g).item() for _ in range(2))
        out = AT.TimeMasking(20, generator=mytorch.Generator().manual_seed(seed))(spec).numpy()
        width = math.floor(np.float32(u1) * np.float32(20))
        start = math.floor(np.float32(u2) * (np.float32(50) - np.float32(u1) * np.float32(20)))
        assert _band(out[0, 0] == 0) == ((start, width) if width else (0, 0))
        assert np.array_equal(out[0], out[1]) and (out[0] == out[0][:1]).all()  # one band for all
    freq = AT.FrequencyMasking(10, generator=mytorch.Generator().manual_seed(1))(spec, mask_value=-5.0).numpy()
    start, width = _band(freq[0, :, 0] == -5.0)
    assert 0 < width < 10 and (freq[:, start:start + width] == -5.0).all()


def test_iid_masks_and_p():
    spec = mytorch.ones(8, 2, 20, 60)
    out = AT.TimeMasking(30, iid_masks=True, generator=mytorch.Generator().manual_seed(0))(spec).numpy()
    bands = {_band(out[b, c, 0] == 0) for b in range(8) for c in range(2)}
    assert len(bands) > 4 and all(w < 30 for _, w in bands)
    for b in range(8):
        for c in range(2):
            assert (out[b, c] == out[b, c, :1]).all()
    capped = AT.TimeMasking(60, p=0.1, generator=mytorch.Generator().manual_seed(1))
    for _ in range(10):
        assert _band(capped(spec[0]).numpy()[0, 0] == 0)[1] < 6  # at most p L = 6 frames
    assert AT.TimeMasking(5, p=0.01)(spec) is spec  # p L < 1: nothing to mask


def test_mask_gradient_and_errors():
    x = mytorch.randn(1, 10, 12, requires_grad=True)
    out = AT.FrequencyMasking(8, generator=mytorch.Generator().manual_seed(7))(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (out.detach().numpy() != 0).astype(np.float32))
    with pytest.raises(ValueError, match="Only Frequency and Time masking are supported"):
        AF.mask_along_axis(mytorch.ones(3, 4, 5), 2, 0.0, axis=0)
    with pytest.raises(ValueError, match="at least three dimensions"):
        AF.mask_along_axis_iid(mytorch.ones(4, 5), 2, 0.0, axis=1)
    with pytest.raises(ValueError, match="p must be between 0.0 and 1.0"):
        AT.TimeMasking(3, p=1.5)


def test_frequency_warp_against_interpolation():
    """Each utterance's band j reads the input at the band of c_j / a (np.interp between bands), with a drawn
    as 1 + w (2u - 1) from the generator's uniforms; w = 0 changes nothing."""
    n_mels, warp, x = 40, 0.15, mytorch.randn(3, 7, 40)
    out = AT.FrequencyWarp(n_mels, warp, generator=mytorch.Generator().manual_seed(2))(x).numpy()
    u = mytorch.rand(3, 1, generator=mytorch.Generator().manual_seed(2)).numpy()[:, 0].astype(np.float64)
    spacing = _mel(np.array(8000.0), "htk") / (n_mels + 1)
    centres = _hz(spacing * np.arange(1, n_mels + 1), "htk")
    for i, a in enumerate(1 + warp * (2 * u - 1)):
        source = _mel(centres / a, "htk") / spacing - 1
        expected = np.stack([np.interp(source, np.arange(n_mels), frame) for frame in x.numpy()[i]])
        np.testing.assert_allclose(out[i], expected, atol=5e-5)  # float32 band positions
    assert AT.FrequencyWarp(n_mels, 0.0)(x) is x
    # a formant at band 20 moves up for a > 1 and down for a < 1
    peaks = mytorch.zeros(8, 1, n_mels)
    peaks[:, 0, 20] = 1.0
    warped = AT.FrequencyWarp(n_mels, 0.2, generator=mytorch.Generator().manual_seed(0))(peaks).numpy()[:, 0]
    factors = 1 + 0.2 * (2 * mytorch.rand(8, 1, generator=mytorch.Generator().manual_seed(0)).numpy()[:, 0] - 1)
    for a, row in zip(factors, warped):
        assert np.sign(np.argmax(row) - 20) == np.sign(a - 1) or abs(a - 1) < 0.03, (a, np.argmax(row))
    with pytest.raises(ValueError, match="max_warp must be in"):
        AT.FrequencyWarp(n_mels, 1.0)
