"""torch.stft and torch.istft against PyTorch: centre padding modes, hop and window lengths, onesided and
two-sided, normalized, batched and single signals, complex input; outputs and gradients (signal and window),
the round trip, gradcheck, and the errors."""
import warnings

import numpy as np
import pytest
import torch

import mytorch

from helpers import check, gradcheck, raises_like

STFT_CASES = [
    {"n_fft": 16},
    {"n_fft": 400, "hop_length": 160},                                   # the speech front end's framing
    {"n_fft": 32, "win_length": 20, "hop_length": 7, "center": False},
    {"n_fft": 15, "normalized": True, "onesided": False},
    {"n_fft": 16, "pad_mode": "constant", "hop_length": 5},
    {"n_fft": 12, "pad_mode": "replicate", "win_length": 9},
]


def window_for(T, case, t):
    return T.hann_window(case.get("win_length", case["n_fft"]), dtype=t.dtype)


@pytest.mark.parametrize("case", STFT_CASES)
def test_stft_against_torch(rng, case):
    for shape in ((2, 450), (450,)):
        x, w = rng.standard_normal(shape), rng.uniform(0.2, 1, case.get("win_length", case["n_fft"]))
        check(lambda T, t, win: T.stft(t, window=win, return_complex=True, **case), x, w, atol=1e-9, rtol=1e-9)
        check(lambda T, t: T.stft(t, window=window_for(T, case, t), return_complex=True, **case), x,
              layout="sliced", atol=1e-9, rtol=1e-9)


def test_stft_float32_and_complex_input(rng):
    x = rng.standard_normal((3, 200)).astype(np.float32)
    check(lambda T, t: T.stft(t, 64, 16, window=T.hamming_window(64), return_complex=True), x, atol=1e-4, rtol=1e-4)
    z = rng.standard_normal((2, 100)) + 1j * rng.standard_normal((2, 100))
    check(lambda T, t: T.stft(t, 20, 6, window=T.hann_window(20, dtype=T.float64)), z, atol=1e-9, rtol=1e-9)
    check(lambda T, t: t.stft(20, window=T.hann_window(20, dtype=T.float64), return_complex=True), z, atol=1e-9,
          rtol=1e-9)


ISTFT_CASES = [
    {"n_fft": 16},
    {"n_fft": 400, "hop_length": 160, "length": 450},
    {"n_fft": 15, "normalized": True, "hop_length": 4},
    {"n_fft": 32, "win_length": 24, "hop_length": 8, "length": 440},
    {"n_fft": 16, "hop_length": 4, "length": 460},                     # longer than the frames: zero tail
]


@pytest.mark.parametrize("case", ISTFT_CASES)
def test_istft_against_torch(rng, case):
    window_length = case.get("win_length", case["n_fft"])
    spec = {k: v for k, v in case.items() if k != "length"}
    x = rng.standard_normal((2, 450))
    X = torch.stft(torch.tensor(x), window=torch.hann_window(window_length, dtype=torch.float64),
                   return_complex=True, **spec).numpy()
    X = X + 0.01 * (rng.standard_normal(X.shape) + 1j * rng.standard_normal(X.shape))   # not an exact STFT
    w = torch.hann_window(window_length, dtype=torch.float64).numpy() + 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda T, t, win: T.istft(t, window=win, **case), X, w, atol=1e-9, rtol=1e-9)
        check(lambda T, t, win: T.istft(t[0], window=win, **case), X, w, layout="sliced", atol=1e-9, rtol=1e-9)


def test_round_trip_two_sided_and_complex(rng):
    """istft(stft(x)) = x for a NOLA window; a two-sided spectrum of a complex signal returns it complex."""
    x = mytorch.tensor(rng.standard_normal((3, 333)))
    w = mytorch.hann_window(64, dtype=mytorch.float64)
    back = mytorch.istft(mytorch.stft(x, 64, 16, window=w, return_complex=True), 64, 16, window=w, length=333)
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=1e-12)
    z = rng.standard_normal((150,)) + 1j * rng.standard_normal((150,))
    check(lambda T, t: T.istft(T.stft(t, 32, 8, window=T.hann_window(32, dtype=T.float64)), 32, 8,
                               window=T.hann_window(32, dtype=T.float64), return_complex=True, length=150),
          z, atol=1e-9, rtol=1e-9)
    X = torch.stft(torch.tensor(rng.standard_normal(100)), 16, 4, window=torch.hann_window(16, dtype=torch.float64),
                   onesided=False, return_complex=True).numpy()
    check(lambda T, t: T.istft(t, 16, 4, window=T.hann_window(16, dtype=T.float64)), X, atol=1e-9, rtol=1e-9)


def test_gradcheck(rng):
    gradcheck(lambda T, t, w: T.stft(t, 8, 3, window=w, return_complex=True), rng.standard_normal(30),
              rng.uniform(0.5, 1, 8))
    X = torch.stft(torch.tensor(rng.standard_normal(30)), 8, 2, window=torch.hann_window(8, dtype=torch.float64),
                   return_complex=True).numpy()
    gradcheck(lambda T, t, w: T.istft(t, 8, 2, window=w), X, rng.uniform(0.5, 1, 8))


def test_errors_and_warnings(rng):
    x = rng.standard_normal(100)
    raises_like(lambda T, t: T.stft(t, 16), x, match=["stft requires the return_complex parameter"])
    raises_like(lambda T, t: T.stft(t, 200, window=T.ones(200, dtype=T.float64), center=False,
                                    return_complex=True), x, match=["expected 0 < n_fft < "])
    raises_like(lambda T, t: T.stft(t, 16, window=T.ones(15, dtype=T.float64), return_complex=True), x,
                match=["window"])
    raises_like(lambda T, t: T.stft(t, 16, window=T.ones(16, dtype=T.float64), return_complex=True),
                np.ones((2, 2, 50)), match=["1D or 2D"])
    raises_like(lambda T, t: T.istft(t, 16), x, match=["istft requires a complex-valued input tensor"])
    for half in ("float16", "bfloat16"):  # MKL's FFT has no half precision; a float32 window promotes the frames
        raises_like(lambda T, t: T.stft(t.to(getattr(T, half)), 16, return_complex=True), x,
                    match=["MKL FFT doesn't support tensors of type: " + ("Half" if half == "float16" else "BFloat16")])
    X = np.ones((9, 10), np.complex128)
    raises_like(lambda T, t: T.istft(t, 20), X, match=["frequency dimension"])
    raises_like(lambda T, t: T.istft(t, 16, 4, window=T.zeros(16, dtype=T.float64)), X,
                match=["window overlap add min"])
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        real = mytorch.stft(mytorch.tensor(x), 16, window=mytorch.ones(16, dtype=mytorch.float64),
                            return_complex=False)
    assert real.shape == (9, 26, 2) and real.dtype is mytorch.float64
    with pytest.warns(UserWarning, match="A window was not provided"):
        X = mytorch.stft(mytorch.tensor(x), 16, return_complex=True)
    with pytest.warns(UserWarning, match="A window was not provided"):
        mytorch.istft(X, 16)
