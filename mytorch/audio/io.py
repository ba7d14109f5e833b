"""Audio files: `load`, `save` and `info` with torchaudio's signatures, on libsndfile (the `soundfile`
package, the `audio` extra).

A waveform is a float tensor (channels, time) in [-1, 1] (``normalize=True``), or (time, channels) with
``channels_first=False``. With ``normalize=False`` integer WAV files keep their samples: 16-bit as int16,
32-bit as int32, 24-bit as int32 with the sample in the upper 24 bits (value * 256, as torchaudio's
FFmpeg backend gives them), 8-bit as uint8; float files stay float32 (float64 for 64-bit).

Every failure names the file: a missing or unreadable file, a file that is not audio, an empty file,
and a WAV file cut short (its header promises more audio bytes than the file holds; libsndfile would
silently return the frames that remain).
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import from_numpy

__all__ = ["AudioMetaData", "info", "load", "save"]

# libsndfile subtype -> (torchaudio's encoding name, bits per sample, dtype read with normalize=False)
_SUBTYPES = {
    "PCM_U8": ("PCM_U", 8, "uint8"), "PCM_S8": ("PCM_S", 8, "int8"), "PCM_16": ("PCM_S", 16, "int16"),
    "PCM_24": ("PCM_S", 24, "int32"), "PCM_32": ("PCM_S", 32, "int32"), "FLOAT": ("PCM_F", 32, "float32"),
    "DOUBLE": ("PCM_F", 64, "float64"), "ULAW": ("ULAW", 8, None), "ALAW": ("ALAW", 8, None),
}


@dataclass
class AudioMetaData:
    """What `info` reports, with torchaudio's field names."""

    sample_rate: int
    num_frames: int
    num_channels: int
    bits_per_sample: int
    encoding: str


def _soundfile():
    try:
        import soundfile
    except ImportError as e:  # the extra is missing
        raise RuntimeError("mytorch.audio needs the soundfile package: pip install 'mytorch[audio]'") from e
    return soundfile


def _check_wav_length(path: str, size: int) -> None:
    """Raise when the RIFF 'data' chunk claims more bytes than follow it in the file."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX") or head[8:12] != b"WAVE":
            return  # not RIFF WAV (or WAV64/RF64): libsndfile judges it
        order = "<" if head[:4] == b"RIFF" else ">"
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                return
            name, length = chunk[:4], struct.unpack(order + "I", chunk[4:])[0]
            if name == b"data":
                present = size - f.tell()
                if length != 0xFFFFFFFF and length > present:  # 0xFFFFFFFF: a streaming writer's "unknown"
                    raise RuntimeError(f"Failed to load audio from '{path}': the file is truncated (its header "
                                       f"promises {length} bytes of audio, {present} are present)")
                return
            f.seek(length + (length & 1), os.SEEK_CUR)  # chunks are padded to an even length


def _open(uri: str | os.PathLike, what: str):
    """Open `uri` for reading with libsndfile, turning its errors into ones that name the file."""
    sf = _soundfile()
    path = os.fspath(uri)
    if not os.path.exists(path):
        raise FileNotFoundError(f"Failed to {what} '{path}': no such file")
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise RuntimeError(f"Failed to {what} '{path}': not a readable file")
    size = os.path.getsize(path)
    if size == 0:
        raise RuntimeError(f"Failed to {what} '{path}': the file is empty")
    _check_wav_length(path, size)
    try:
        return sf.SoundFile(path)
    except sf.LibsndfileError as e:
        raise RuntimeError(f"Failed to {what} '{path}': not a readable audio file ({e.error_string})") from e


def info(uri: str | os.PathLike) -> AudioMetaData:
    """Sample rate, frames, channels, bits per sample and encoding of an audio file."""
    with _open(uri, "read the audio information of") as f:
        encoding, bits, _ = _SUBTYPES.get(f.subtype, (f.subtype, 0, None))
        return AudioMetaData(f.samplerate, f.frames, f.channels, bits, encoding)


def load(uri: str | os.PathLike, frame_offset: int = 0, num_frames: int = -1, normalize: bool = True,
         channels_first: bool = True, format: str | None = None) -> tuple[Tensor, int]:
    """(waveform, sample_rate): frames [frame_offset, frame_offset + num_frames) of the file, all to the
    end when num_frames is -1, as float32 in [-1, 1] (or the file's own samples, see the module docstring).
    `format` is accepted for torchaudio's signature; libsndfile recognises the format from the contents."""
    if frame_offset < 0:
        raise ValueError(f"Invalid argument: frame_offset must be non-negative, got {frame_offset}")
    if num_frames == 0 or num_frames < -1:
        raise ValueError(f"Invalid argument: num_frames must be -1 or positive, got {num_frames}")
    with _open(uri, "load audio from") as f:
        f.seek(min(frame_offset, f.frames))
        kept = None if normalize else _SUBTYPES.get(f.subtype, (None, None, None))[2]
        if kept in ("uint8", "int8"):  # libsndfile reads 8-bit samples as int16 (value * 256, signed)
            data = f.read(num_frames, dtype="int16", always_2d=True) // 256
            data = (data + 128).astype("uint8") if kept == "uint8" else data.astype("int8")
        else:
            data = f.read(num_frames, dtype=kept or "float32", always_2d=True)
        rate = f.samplerate
    return from_numpy(data.T.copy() if channels_first else data), rate


def save(uri: str | os.PathLike, src: Tensor, sample_rate: int, channels_first: bool = True,
         format: str | None = None, encoding: str | None = None, bits_per_sample: int | None = None) -> None:
    """Write src (channels, time) (or (time, channels)) as a WAV file (or the format `format` or the file's
    extension names). The sample format follows torchaudio's rules for WAV: by default the tensor's own
    (float32 -> 32-bit float, float64 -> 64-bit float, int16 -> 16-bit, int32 -> 32-bit, uint8 -> 8-bit
    unsigned), else `encoding` ("PCM_S", "PCM_U", "PCM_F", "ULAW", "ALAW") and `bits_per_sample`."""
    sf = _soundfile()
    path = os.fspath(uri)
    if src.ndim != 2:
        raise ValueError(f"Expected 2D Tensor, got {src.ndim}D.")
    subtype = _wav_subtype(src.dtype, encoding, bits_per_sample)
    data = src.detach()
    if data.dtype is D.uint8:  # libsndfile writes 8-bit from int16 (value * 256)
        data = (data.to(D.int16) - 128) * 256
    array = data.numpy()
    if format is None and not os.path.splitext(path)[1]:
        format = "wav"
    try:
        sf.write(path, array.T if channels_first else array, sample_rate, subtype=subtype,
                 format=format.upper() if format else None)
    except (sf.LibsndfileError, ValueError, TypeError) as e:
        raise RuntimeError(f"Failed to save audio to '{path}': {e}") from e


def _wav_subtype(dtype: D.dtype, encoding: str | None, bits: int | None) -> str:
    """libsndfile's subtype for a WAV file of the given tensor dtype, encoding and bit depth."""
    if encoding is None and bits is None:
        by_dtype = {D.uint8: "PCM_U8", D.int16: "PCM_16", D.int32: "PCM_32", D.float32: "FLOAT",
                    D.float64: "DOUBLE"}
        if dtype not in by_dtype:
            raise ValueError(f"Unsupported dtype for wav: {dtype}")
        return by_dtype[dtype]
    if encoding is None:
        encoding = "PCM_F" if dtype.is_floating_point and bits in (32, 64) else "PCM_U" if bits == 8 else "PCM_S"
    allowed = {"PCM_S": {16: "PCM_16", 24: "PCM_24", 32: "PCM_32", None: "PCM_32"},
               "PCM_U": {8: "PCM_U8", None: "PCM_U8"}, "PCM_F": {32: "FLOAT", 64: "DOUBLE", None: "FLOAT"},
               "ULAW": {8: "ULAW", None: "ULAW"}, "ALAW": {8: "ALAW", None: "ALAW"}}
    if encoding not in allowed:
        raise ValueError(f"wav does not support {encoding}.")
    if bits not in allowed[encoding]:
        raise ValueError(f"wav does not support {bits}-bit {encoding} encoding.")
    return allowed[encoding][bits]
