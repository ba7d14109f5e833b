"""An LSTM language model: embedding, a stack of LSTM layers, a linear decoder (Zaremba et al., 2014;
the layout of PyTorch's word_language_model example, whose module names it keeps).

For token ids x (B, T):

    e_t = encoder[x_t]                         (embedding, dropout)
    h_t, c_t = LSTM(e_t, (h_{t-1}, c_{t-1}))   (num_layers layers, dropout between them)
    logits_t = decoder(h_t)                    (dropout first; decoder.weight = encoder.weight when tied)

Decoding: the recurrent state (h, c) plays the part a transformer's KV cache plays: it summarises
every token seen so far. ``forward(idx, past_key_values=LSTMState())`` starts from the state's (h, c),
feeds only the new tokens and stores the state after them, so ``mytorch.generation.generate`` decodes
in O(1) per token (the model's ``make_cache()`` gives generate an empty LSTMState).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import nn
from .._tensor import Tensor

__all__ = ["LSTMLMConfig", "LSTMLanguageModel", "LSTMState"]


@dataclass
class LSTMLMConfig:
    vocab_size: int = 65
    embedding_dim: int = 256
    hidden_size: int = 256
    num_layers: int = 2
    dropout: float = 0.0
    tie_weights: bool = False

    def __post_init__(self) -> None:
        if self.tie_weights and self.embedding_dim != self.hidden_size:
            raise ValueError(f"LSTMLMConfig: tie_weights needs embedding_dim ({self.embedding_dim}) == hidden_size "
                             f"({self.hidden_size})")


class LSTMState:
    """The (h, c) state of every layer, each (num_layers, B, H), after the tokens seen so far (None
    before the first): the generation cache of an LSTM model."""

    def __init__(self) -> None:
        self.state: tuple[Tensor, Tensor] | None = None
        self.seen = 0

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return self.seen

    def reorder(self, index: Tensor) -> None:
        """Keep batch rows `index` (beam search continues some rows twice)."""
        if self.state is not None:
            self.state = tuple(s.index_select(1, index) for s in self.state)


class LSTMLanguageModel(nn.Module):
    """Token ids (B, T) -> next-token logits (B, T, vocab_size)."""

    def __init__(self, config: LSTMLMConfig) -> None:
        super().__init__()
        self.config = config
        self.drop = nn.Dropout(config.dropout)
        self.encoder = nn.Embedding(config.vocab_size, config.embedding_dim)
        self.rnn = nn.LSTM(config.embedding_dim, config.hidden_size, config.num_layers, batch_first=True,
                           dropout=config.dropout if config.num_layers > 1 else 0.0)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)
        if config.tie_weights:
            self.decoder.weight = self.encoder.weight

    @staticmethod
    def make_cache() -> LSTMState:
        return LSTMState()

    def forward(self, idx: Tensor, past_key_values: LSTMState | None = None) -> Tensor:
        if past_key_values is not None and not isinstance(past_key_values, LSTMState):
            raise TypeError(f"LSTMLanguageModel: past_key_values must be an LSTMState (the model's make_cache()), "
                            f"not {type(past_key_values).__name__}")
        state = None if past_key_values is None else past_key_values.state
        out, state = self.rnn(self.drop(self.encoder(idx)), state)
        if past_key_values is not None:
            past_key_values.state = state
            past_key_values.seen += idx.shape[-1]
        return self.decoder(self.drop(out))
