"""mytorch.models.ctranslate2_format: CTranslate2 model.bin files written here byte by byte, the published
Whisper tiny.en file, and clear errors (naming the file) for empty, truncated and foreign files."""
from __future__ import annotations

import struct

import ml_dtypes
import numpy as np
import pytest

from mytorch.models.ctranslate2_format import read_ctranslate2
from whisper_reference import MODEL_DIR, need_whisper_model


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def _variable(name: str, array: np.ndarray, dtype_id: int) -> bytes:
    out = _string(name) + struct.pack("<B", array.ndim) + b"".join(struct.pack("<I", d) for d in array.shape)
    data = array.tobytes()
    return out + struct.pack("<BI", dtype_id, len(data)) + data


def _model_bytes(variables: list[tuple[str, np.ndarray, int]], aliases: list[tuple[str, str]],
                 version: int = 6) -> bytes:
    out = struct.pack("<I", version) + _string("TestSpec") + struct.pack("<II", 7, len(variables))
    out += b"".join(_variable(*v) for v in variables)
    return out + struct.pack("<I", len(aliases)) + b"".join(_string(a) + _string(t) for a, t in aliases)


VARIABLES = [
    ("enc/w", np.arange(6, dtype=np.float32).reshape(2, 3) / 7, 0),
    ("enc/q", np.array([-3, 4], np.int8), 1),
    ("enc/num_heads", np.array(6, np.int16), 2),
    ("enc/ids", np.array([[1 << 20], [-5]], np.int32), 3),
    ("dec/embed", np.linspace(-2, 2, 12, dtype=np.float16).reshape(3, 4), 4),
    ("dec/bf", np.array([1.5, -0.25], ml_dtypes.bfloat16), 5),
]


def _write(tmp_path, data: bytes):
    path = tmp_path / "model.bin"
    path.write_bytes(data)
    return path


def test_reads_every_dtype_shape_and_alias(tmp_path):
    model = read_ctranslate2(_write(tmp_path, _model_bytes(VARIABLES, [("dec/proj", "dec/embed")])))
    assert (model.spec, model.revision) == ("TestSpec", 7)
    assert list(model.variables) == [v[0] for v in VARIABLES] + ["dec/proj"]
    for name, array, _ in VARIABLES:
        assert model[name].dtype == array.dtype and model[name].shape == array.shape
        np.testing.assert_array_equal(model[name], array)
    assert model["dec/proj"] is model["dec/embed"]  # a tied weight is one array
    assert model.scalar("enc/num_heads") == 6
    with pytest.raises(ValueError, match="expected a scalar"):
        model.scalar("enc/w")
    with pytest.raises(KeyError, match="no variable 'nope'"):
        model["nope"]


def test_every_truncation_is_reported_with_the_file_name(tmp_path):
    data = _model_bytes(VARIABLES, [("dec/proj", "dec/embed")])
    for cut in range(1, len(data), 7):
        path = _write(tmp_path, data[:cut])
        with pytest.raises(ValueError, match=f"{path}: .*(truncated|malformed)"):
            read_ctranslate2(path)


@pytest.mark.parametrize("data, message", [
    (b"", "empty file"),
    (_model_bytes(VARIABLES, [], version=3), r"binary version \(read 3, supported: 6\)"),
    (b"PK\x03\x04" + bytes(40), "binary version"),  # a zip archive, not a model
    (_model_bytes([("x", np.zeros(2, np.float32), 9)], []), "unknown dtype id 9"),
    (_model_bytes([], [("a", "missing")]), "alias 'a' points to a missing variable 'missing'"),
    (_model_bytes([], []) + b"\0", "1 bytes after the end"),
])
def test_foreign_and_malformed_files(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(ValueError, match=message) as info:
        read_ctranslate2(path)
    assert str(path) in str(info.value)


def test_byte_count_must_match_the_shape(tmp_path):
    data = bytearray(_model_bytes([("w", np.zeros((2, 2), np.float32), 0)], []))
    at = data.index(struct.pack("<BI", 0, 16))
    data[at + 1:at + 5] = struct.pack("<I", 12)
    with pytest.raises(ValueError, match=r"'w' of shape \[2, 2\] and dtype float32 should hold 16 bytes"):
        read_ctranslate2(_write(tmp_path, bytes(data)))


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        read_ctranslate2("/nonexistent/model.bin")


def test_published_whisper_tiny_en():
    need_whisper_model()
    model = read_ctranslate2(MODEL_DIR / "model.bin")
    assert (model.spec, model.revision) == ("WhisperSpec", 3)
    assert model["decoder/embeddings/weight"].shape == (51864, 384)
    assert model["decoder/embeddings/weight"].dtype == np.float16
    assert model["encoder/conv1/weight"].shape == (384, 80, 3)
    assert model["decoder/layer_3/self_attention/linear_0/weight"].shape == (1152, 384)
    assert model["decoder/projection/weight"] is model["decoder/embeddings/weight"]
    assert model.scalar("encoder/num_heads") == model.scalar("decoder/num_heads") == 6
