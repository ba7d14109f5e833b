"""ChatSession: a multi-turn conversation with a chat model, kept in one KV cache.

Each turn renders the whole conversation with the model's chat template, but feeds the model only the
text that is new since the previous turn: the keys and values of everything before are already in
the cache. The tokens the model generated stay in the history as generated (they are not re-tokenized
from the decoded text), so the cache always holds exactly what the model saw.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..ops.creation import tensor
from .kv_cache import KVCache
from .search import generate

__all__ = ["ChatSession", "ChatReply"]


@dataclass
class ChatReply:
    text: str
    token_ids: list[int]


class ChatSession:
    """Turns of a conversation with `chat` (a PretrainedChatModel: model, tokenizer, chat_template,
    eos_token_ids, encode). ``reply(user_text)`` returns the assistant's answer."""

    def __init__(self, chat: Any, system_prompt: str | None = None) -> None:
        self.chat = chat
        self.messages: list[dict[str, str]] = []
        if system_prompt is not None:
            self.messages.append({"role": "system", "content": system_prompt})
        self.cache = KVCache()
        self.tokens: list[int] = []  # the whole conversation; the cache holds a prefix of it
        self._covered = ""  # the rendered conversation text that self.tokens stands for
        self._end_of_turn = chat.tokenizer.id_to_token(chat.eos_token_ids[0])

    def _new_tokens(self, user_text: str) -> list[int]:
        """Token ids of the template's text after what the conversation so far already covers."""
        self.messages.append({"role": "user", "content": user_text})
        text = self.chat.chat_template.render(self.messages, add_generation_prompt=True)
        if not text.startswith(self._covered):
            raise RuntimeError("the chat template renders earlier turns differently once a turn is added; "
                               "this conversation cannot continue from the KV cache")
        return self.chat.encode(text[len(self._covered):])

    def reply(self, user_text: str, max_new_tokens: int = 256, on_text: Callable[[str], None] | None = None,
              **sampling: Any) -> ChatReply:
        """The assistant's answer to `user_text`; on_text(piece) receives the text as it is generated.
        `sampling`: generate's keywords (do_sample, temperature, top_k, top_p, repetition_penalty, generator).
        Raises ValueError when the conversation no longer fits the model's context (nothing is changed)."""
        messages, tokens = list(self.messages), list(self.tokens)
        self.tokens += self._new_tokens(user_text)
        fed = self.cache.get_seq_length()
        prompt = tensor([self.tokens[fed:]])
        streamer = None
        if on_text is not None:
            stream = _text_stream(self.chat.tokenizer, on_text)
            streamer = lambda token: stream(int(token[0]))  # noqa: E731
        try:
            out = generate(self.chat.model, prompt, past_key_values=self.cache, max_new_tokens=max_new_tokens,
                           eos_token_id=list(self.chat.eos_token_ids), streamer=streamer, **sampling)
        except ValueError:
            self.messages, self.tokens = messages, tokens
            raise
        generated = out[0, prompt.shape[1]:].tolist()
        text = self.chat.tokenizer.decode(generated, skip_special_tokens=True)
        self.tokens += generated
        if not generated or generated[-1] not in self.chat.eos_token_ids:
            self.tokens.append(self.chat.eos_token_ids[0])  # cut off by max_new_tokens: close the turn
        self.messages.append({"role": "assistant", "content": text})
        rendered = self.chat.chat_template.render(self.messages, add_generation_prompt=False)
        self._covered = rendered[:rendered.rindex(self._end_of_turn) + len(self._end_of_turn)]
        return ChatReply(text, generated)


def _text_stream(tokenizer: Any, on_text: Callable[[str], None]) -> Callable[[int], None]:
    """A token-id sink that passes on decoded text as soon as it is complete UTF-8 (a character may span
    tokens), special tokens left out."""
    from tokenizers.decoders import DecodeStream

    stream = DecodeStream(skip_special_tokens=True)

    def step(token_id: int) -> None:
        piece = stream.step(tokenizer, token_id)
        if piece:
            on_text(piece)
    return step
