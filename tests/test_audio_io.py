"""mytorch.audio.load / save / info on WAV files written by libsndfile (soundfile) itself: sample formats,
channel layouts, frame windows, metadata, round trips, and errors that name the file."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile

import mytorch
from mytorch import audio

RATE = 8000


def _signal(frames: int, channels: int) -> np.ndarray:
    t = np.arange(frames) / RATE
    return np.stack([0.8 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)], axis=1)


@pytest.mark.parametrize("subtype,scale", [("PCM_16", 2 ** 15), ("PCM_24", 2 ** 23), ("FLOAT", None)])
@pytest.mark.parametrize("channels", [1, 3])
def test_load_formats(tmp_path, subtype, scale, channels):
    path = tmp_path / "x.wav"
    soundfile.write(path, _signal(500, channels), RATE, subtype=subtype)
    stored = soundfile.read(path, dtype="float64", always_2d=True)[0]  # the samples as quantised in the file
    waveform, rate = audio.load(path)
    assert rate == RATE and waveform.dtype is mytorch.float32 and tuple(waveform.shape) == (channels, 500)
    np.testing.assert_allclose(waveform.numpy(), stored.T, atol=1e-7)
    raw, _ = audio.load(path, normalize=False)
    if scale is None:
        assert raw.dtype is mytorch.float32
    else:
        ints = np.round(stored.T * scale).astype(np.int64)
        expected, dtype = (ints, mytorch.int16) if subtype == "PCM_16" else (ints * 256, mytorch.int32)
        assert raw.dtype is dtype
        np.testing.assert_array_equal(raw.numpy(), expected)
    time_first, _ = audio.load(path, channels_first=False)
    assert tuple(time_first.shape) == (500, channels)
    window, _ = audio.load(path, frame_offset=120, num_frames=50)
    np.testing.assert_array_equal(window.numpy(), waveform.numpy()[:, 120:170])
    tail, _ = audio.load(path, frame_offset=480)
    assert tuple(tail.shape) == (channels, 20)
    meta = audio.info(path)
    assert (meta.sample_rate, meta.num_frames, meta.num_channels) == (RATE, 500, channels)
    assert (meta.bits_per_sample, meta.encoding) == {"PCM_16": (16, "PCM_S"), "PCM_24": (24, "PCM_S"),
                                                     "FLOAT": (32, "PCM_F")}[subtype]


@pytest.mark.parametrize("dtype,kw,expected", [
    ("float32", {}, ("FLOAT", 32, "PCM_F")),
    ("float64", {}, ("DOUBLE", 64, "PCM_F")),
    ("int16", {}, ("PCM_16", 16, "PCM_S")),
    ("int32", {}, ("PCM_32", 32, "PCM_S")),
    ("float32", {"encoding": "PCM_S", "bits_per_sample": 24}, ("PCM_24", 24, "PCM_S")),
    ("float32", {"bits_per_sample": 16}, ("PCM_16", 16, "PCM_S")),
    ("float32", {"encoding": "PCM_U", "bits_per_sample": 8}, ("PCM_U8", 8, "PCM_U")),
])
def test_save_round_trip(tmp_path, dtype, kw, expected):
    path = tmp_path / "y.wav"
    x = _signal(300, 2).T
    if dtype.startswith("int"):
        x = np.round(x * (2 ** 15 if dtype == "int16" else 2 ** 31 - 1)).astype(dtype)
    else:
        x = x.astype(dtype)
    audio.save(path, mytorch.tensor(x), RATE, **kw)
    subtype, bits, encoding = expected
    assert soundfile.info(path).subtype == subtype
    meta = audio.info(path)
    assert (meta.bits_per_sample, meta.encoding, meta.num_channels, meta.num_frames) == (bits, encoding, 2, 300)
    back, rate = audio.load(path, normalize=False)
    assert rate == RATE
    if kw:  # quantised to fewer bits: compare normalised values at that precision
        np.testing.assert_allclose(audio.load(path)[0].numpy(), x, atol=2.0 ** (1 - bits) * 1.01)
    else:
        np.testing.assert_array_equal(back.numpy(), x)


def test_unsigned_8_bit(tmp_path):
    x = np.array([[0, 64, 128, 192, 255]], dtype=np.uint8)
    audio.save(tmp_path / "u8.wav", mytorch.tensor(x), RATE)
    assert soundfile.info(tmp_path / "u8.wav").subtype == "PCM_U8"
    back = audio.load(tmp_path / "u8.wav", normalize=False)[0]
    assert back.dtype is mytorch.uint8
    np.testing.assert_array_equal(back.numpy(), x)
    np.testing.assert_allclose(audio.load(tmp_path / "u8.wav")[0].numpy(), (x.astype(np.float64) - 128) / 128)


def test_save_time_first_and_no_extension(tmp_path):
    x = _signal(100, 2).astype(np.float32)
    audio.save(tmp_path / "z", mytorch.tensor(x), RATE, channels_first=False)
    np.testing.assert_array_equal(audio.load(tmp_path / "z")[0].numpy(), x.T)


def test_read_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        audio.load(tmp_path / "missing.wav")
    with pytest.raises(RuntimeError, match="not a readable file"):
        audio.load(tmp_path)
    (tmp_path / "text.wav").write_text("this is not audio, only words " * 20)
    with pytest.raises(RuntimeError, match=r"text\.wav'.*not a readable audio file"):
        audio.load(tmp_path / "text.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(RuntimeError, match=r"empty\.wav': the file is empty"):
        audio.info(tmp_path / "empty.wav")
    soundfile.write(tmp_path / "ok.wav", _signal(200, 1), RATE, subtype="PCM_16")
    data = (tmp_path / "ok.wav").read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[:-100])
    with pytest.raises(RuntimeError, match=r"cut\.wav': the file is truncated \(its header promises 400 bytes of "
                                           r"audio, 300 are present\)"):
        audio.load(tmp_path / "cut.wav")
    (tmp_path / "header.wav").write_bytes(data[:30])
    with pytest.raises(RuntimeError, match=r"header\.wav'.*not a readable audio file"):
        audio.load(tmp_path / "header.wav")


def test_argument_errors(tmp_path):
    soundfile.write(tmp_path / "ok.wav", _signal(10, 1), RATE)
    with pytest.raises(ValueError, match="frame_offset must be non-negative"):
        audio.load(tmp_path / "ok.wav", frame_offset=-1)
    with pytest.raises(ValueError, match="num_frames must be -1 or positive"):
        audio.load(tmp_path / "ok.wav", num_frames=0)
    with pytest.raises(ValueError, match="Expected 2D Tensor, got 3D"):
        audio.save(tmp_path / "a.wav", mytorch.zeros(1, 1, 4), RATE)
    with pytest.raises(ValueError, match="Unsupported dtype for wav: mytorch.int64"):
        audio.save(tmp_path / "a.wav", mytorch.zeros(1, 4, dtype=mytorch.int64), RATE)
    with pytest.raises(ValueError, match="wav does not support 8-bit PCM_S encoding"):
        audio.save(tmp_path / "a.wav", mytorch.zeros(1, 4), RATE, encoding="PCM_S", bits_per_sample=8)
