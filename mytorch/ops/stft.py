"""The short-time Fourier transform and its inverse (torch.stft, torch.istft), composed from the FFT kernels.

stft: the signal x (L,) or (B, L), padded by n_fft//2 on both sides when ``center`` (``pad_mode``), is cut
into frames of n_fft samples every hop samples, each multiplied by the window w (win_length samples, centred
in n_fft with zeros), and transformed:

    X[f, t] = s sum_j w_j x[t hop + j] e^(-2 pi i f j / n_fft)        s = n_fft^(-1/2) when normalized, else 1

with f over n_fft//2 + 1 bins (``onesided``, the default for real input and window) or all n_fft; the result
is (n_freq, n_frames) or (B, n_freq, n_frames), complex.

istft: the least-squares inverse (Griffin and Lim): each frame's inverse FFT y_t (real when the spectrum is
onesided or ``return_complex`` is False), windowed again and overlap-added, divided by the overlap-added
squared window:

    x[m] = sum_t w_(m - t hop) y_t[m - t hop] / sum_t w_(m - t hop)^2

then the centre padding is trimmed (or the result cut or zero-padded to ``length``). The denominator must not
vanish anywhere kept (the NOLA condition). Gradients flow through the framing (an im2col whose adjoint is the
overlap-add), the window products and the FFT kernels, to the signal and the window.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from .complex import complex, view_as_real
from .fft import FftC2C, FftC2R, FftR2C, reject_half
from .joining import pad
from .pooling import Fold, Unfold


def _frames(x: Tensor, n_fft: int, hop: int) -> Tensor:
    """(B, frames, n_fft): the frames of x (B, L) every hop samples, copied (im2col, whose adjoint adds the
    gradients of overlapping frames); a complex x frames its two parts."""
    if x.dtype.is_complex:
        return complex(_frames(x.real, n_fft, hop), _frames(x.imag, n_fft, hop))
    return Unfold.apply(x.unsqueeze(1), (n_fft,), (hop,), ((0, 0),), (1,)).squeeze(1).transpose(1, 2)


def _overlap_add(frames: Tensor, length: int, hop: int) -> Tensor:
    """(B, length): frames (B, frames, n_fft) added at every hop samples (col2im: the adjoint of `_frames`)."""
    if frames.dtype.is_complex:
        return complex(_overlap_add(frames.real, length, hop), _overlap_add(frames.imag, length, hop))
    return Fold.apply(frames.transpose(1, 2).unsqueeze(1), (length,), (hop,), ((0, 0),), (1,)).squeeze(1)


def _full_window(window: Tensor | None, win_length: int, n_fft: int, like: Tensor, op: str) -> Tensor:
    """The window centred in n_fft samples with zeros on both sides (ones when None)."""
    if window is None:
        window = like.new_ones((win_length,), dtype=like.dtype.to_real())
    elif window.ndim != 1 or window.shape[0] != win_length:
        raise RuntimeError(f"{op}(): expected a 1D window tensor of size equal to win_length={win_length}, but got "
                           f"window with size {list(window.shape)}")
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left)) if win_length < n_fft else window


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None) -> Tensor:
    """X[..., f, t] = s sum_j w_j x[t hop + j] e^(-2 pi i f j / n_fft) (module docstring)."""
    hop = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    is_complex = input.dtype.is_complex or (window is not None and window.dtype.is_complex)
    if return_complex is None and not is_complex:
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if return_complex is False:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                      "still call torch.view_as_real on the complex output to recover the old return format.")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.To suppress this warning and use a rectangular window, "
                      "explicitly set `window=torch.ones(n_fft, device=<device>)`.")
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError("stft(): expected a tensor of floating point or complex values")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"stft(): expected a 1D or 2D tensor, but got a {input.ndim}D tensor")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    if center:
        x = pad(x.unsqueeze(0), (n_fft // 2, n_fft // 2), pad_mode).squeeze(0)
    length = x.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(f"stft(): expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(f"stft(): expected hop_length > 0, but got hop_length={hop}")
    if win_length <= 0 or win_length > n_fft:
        raise RuntimeError(f"stft(): expected 0 < win_length <= n_fft, but got win_length={win_length}")
    w = _full_window(window, win_length, n_fft, x, "stft")
    frames = _frames(x, n_fft, hop) * w                                          # (B, frames, n_fft)
    onesided = not frames.dtype.is_complex if onesided is None else onesided
    scale = n_fft ** -0.5 if normalized else 1.0
    reject_half(frames.dtype)
    if frames.dtype.is_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        out = FftC2C.apply(frames, (2,), scale, True)
    else:
        out = FftR2C.apply(frames, (2,), scale, onesided)
    out = out.transpose(1, 2)
    if input.ndim == 1:
        out = out.squeeze(0)
    return view_as_real(out) if return_complex is False else out


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False, onesided: bool | None = None,
          length: int | None = None, return_complex: bool = False) -> Tensor:
    """x[m] = sum_t w y_t[m - t hop] / sum_t w^2 over the frames' inverse FFTs y_t (module docstring)."""
    hop = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    if not input.dtype.is_complex:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    reject_half(input.dtype)
    if input.numel() == 0:
        raise RuntimeError("istft(): input tensor cannot be empty.")
    if input.ndim not in (2, 3):
        raise RuntimeError(f"istft(): expected a tensor with 3 or 4 dimensions, but got {input.ndim + 1}")
    bins, n_frames = input.shape[-2:]
    onesided = bins != n_fft if onesided is None else onesided
    if bins != (n_fft // 2 + 1 if onesided else n_fft):
        raise RuntimeError(f"istft(): expected the frequency dimension (3rd to the last) of the input tensor to match "
                           f"{'n_fft / 2 + 1' if onesided else 'n_fft'} when onesided={onesided}, but got {bins}")
    if not 0 < hop <= win_length:
        raise RuntimeError("istft(): expected 0 < hop_length <= win_length")
    if not 0 < win_length <= n_fft:
        raise RuntimeError("istft(): expected 0 < win_length <= n_fft")
    if window is not None and (window.ndim != 1 or window.shape[0] != win_length):
        raise RuntimeError("istft(): Invalid window shape. window has to be 1D and length of `win_length`")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same window "
                      "used by stft to make the inversion lossless.To suppress this warning and use a rectangular "
                      "window, explicitly set `window=torch.ones(n_fft, device=<device>)`.")
    w = _full_window(window, win_length, n_fft, input, "istft")
    spectra = (input.unsqueeze(0) if input.ndim == 2 else input).transpose(1, 2)   # (B, frames, bins)
    scale = n_fft ** -0.5 if normalized else 1 / n_fft
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        frames = FftC2C.apply(spectra, (2,), scale, False)
    else:
        if window is not None and window.dtype.is_complex:
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        frames = FftC2R.apply(spectra.narrow(2, 0, n_fft // 2 + 1), (2,), scale, n_fft)
    expected = n_fft + hop * (n_frames - 1)

    y = _overlap_add(frames * w, expected, hop)
    envelope = _overlap_add((w * w).expand(1, n_frames, n_fft), expected, hop)
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else expected - n_fft // 2 if center else expected
    y, envelope = y[:, start:end], envelope[:, start:end]
    if envelope.numel() and bool((envelope.abs().min() < 1e-11).item()):
        raise RuntimeError(f"istft(): window overlap add min: {envelope.abs().min().item():g}")
    y = y / envelope
    if input.ndim == 2:
        y = y.squeeze(0)
    if end > expected:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.")
        y = pad(y, (0, end - expected))
    return y


__all__ = ["stft", "istft"]
METHODS = {"stft": stft, "istft": istft}
