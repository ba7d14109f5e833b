"""mytorch.audio resampling against a float64 reference that evaluates the windowed-sinc sum directly (no
torchaudio wheel exists for torch 2.13: the kernel is torchaudio's formula, written out in the functional's
docstring), plus properties: output length, a sine stays a sine, batch shapes, the module, gradients, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch
from mytorch.audio import functional as AF
from mytorch.audio import transforms as AT

KAISER_BETA = 14.769656459379492


def _reference(x: np.ndarray, orig: int, new: int, width: int = 6, rolloff: float = 0.99,
               beta: float | None = None) -> np.ndarray:
    """y_j = sum_i x_i h(i/orig - j/new) over the taps within `width` zero crossings, in float64."""
    g = math.gcd(orig, new)
    o, n = orig // g, new // g
    cutoff = min(o, n) * rolloff
    out = np.zeros(math.ceil(n * len(x) / o))
    i = np.arange(len(x))
    for j in range(len(out)):
        u = cutoff * (i / o - j / n)
        near = np.abs(u) <= width
        u = u[near]
        if beta is None:
            window = np.cos(np.pi * u / width / 2) ** 2
        else:
            window = np.i0(beta * np.sqrt(1 - (u / width) ** 2)) / np.i0(beta)
        out[j] = np.sum(x[near] * np.sinc(u) * window) * cutoff / o
    return out


@pytest.mark.parametrize("orig,new", [(16000, 8000), (8000, 16000), (44100, 16000), (22050, 16000), (3, 5)])
@pytest.mark.parametrize("method", ["sinc_interp_hann", "sinc_interp_kaiser"])
def test_matches_direct_sum(orig, new, method):
    x = np.random.default_rng(0).standard_normal(240)
    beta = KAISER_BETA if method == "sinc_interp_kaiser" else None
    expected = _reference(x, orig, new, beta=beta)
    got = AF.resample(mytorch.tensor(x), orig, new, resampling_method=method).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-12)
    got32 = AF.resample(mytorch.tensor(x.astype(np.float32)), orig, new, resampling_method=method)
    assert got32.dtype is mytorch.float32
    np.testing.assert_allclose(got32.numpy(), expected, atol=1e-5)


def test_options_and_batch_shape():
    x = np.random.default_rng(1).standard_normal((2, 3, 150))
    got = AF.resample(mytorch.tensor(x), 48000, 16000, lowpass_filter_width=16, rolloff=0.9,
                      resampling_method="sinc_interp_kaiser", beta=8.0)
    assert tuple(got.shape) == (2, 3, 50)
    np.testing.assert_allclose(got.numpy()[1, 2], _reference(x[1, 2], 48000, 16000, 16, 0.9, 8.0), atol=1e-12)


def test_sine_stays_a_sine():
    """A 440 Hz tone, far below both Nyquist rates, comes out as the same tone at the new rate."""
    t = np.arange(4410) / 44100
    y = AF.resample(mytorch.tensor(np.sin(2 * np.pi * 440 * t)), 44100, 16000).numpy()
    assert y.shape == (1600,)
    expected = np.sin(2 * np.pi * 440 * np.arange(1600) / 16000)
    np.testing.assert_allclose(y[100:-100], expected[100:-100], atol=2e-3)


def test_identity_and_module():
    x = mytorch.randn(2, 100)
    assert AF.resample(x, 16000, 16000) is x
    module = AT.Resample(16000, 24000)
    np.testing.assert_array_equal(module(x).numpy(), AF.resample(x, 16000, 24000).numpy())
    assert "kernel" not in module.state_dict() and tuple(module.kernel.shape) == (3, 1, 2 * module.width + 2)
    assert AT.Resample(8000, 8000)(x) is x
    double = AT.Resample(16000, 24000, dtype=mytorch.float64)
    assert double.kernel.dtype is mytorch.float64


def test_gradient():
    x = mytorch.tensor(np.random.default_rng(2).standard_normal((1, 40)), requires_grad=True)
    assert mytorch.autograd.gradcheck(lambda w: AF.resample(w, 5, 3), (x,))


def test_errors():
    x = mytorch.zeros(10)
    with pytest.raises(ValueError, match="should be positive"):
        AF.resample(x, -1, 16000)
    with pytest.raises(ValueError, match="Frequencies must be of integer type"):
        AF.resample(x, 16000.5, 8000)
    with pytest.raises(ValueError, match="Invalid resampling method: sinc_interpolation"):
        AF.resample(x, 16000, 8000, resampling_method="sinc_interpolation")
    with pytest.raises(ValueError, match="Low pass filter width should be positive"):
        AF.resample(x, 16000, 8000, lowpass_filter_width=0)
    with pytest.raises(TypeError, match="Expected floating point type for waveform tensor"):
        AF.resample(mytorch.zeros(10, dtype=mytorch.int64), 16000, 8000)
