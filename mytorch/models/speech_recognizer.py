"""SpeechRecognizer: a hybrid CTC/attention encoder-decoder over log-mel features (Watanabe et al., 2017).

    features (N, T, n_mels) --frequency warp, SpecAugment (training)--> conv subsampling (2 x conv 3x3
        stride 2: T/4 frames) --> + sinusoidal positions --> transformer encoder --> memory (N, T', d)
    CTC head:      log_softmax(Linear(memory))                                (T', N, V), for ctc_loss
    decoder:       tokens (N, U) --embedding + positions--> transformer decoder (causal self-attention,
                   cross-attention on memory) --> Linear --> logits (N, U, V)

Training minimises  L = w L_ctc + (1 - w) L_att,  with L_ctc the CTC loss of the targets under the CTC head
("mean": each utterance's loss over its length) and L_att the cross-entropy of the decoder's next-token
predictions under teacher forcing (input: sos + targets, output: targets + eos; padding ignored). CTC
keeps the alignment monotonic, which helps the attention decoder learn early on.

Token ids: 0 is the CTC blank and the padding, 1 is sos/eos (one token serves as both, as in ESPnet);
labels start at 2. Frames past an utterance's length are masked in every attention.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import nn
from .._tensor import Tensor
from ..audio.transforms import FrequencyMasking, FrequencyWarp, TimeMasking
from ..nn import functional as F
from ..ops.creation import arange, full
from ..ops.joining import cat

__all__ = ["SpeechRecognizer", "SpeechRecognizerConfig", "BLANK", "SOS_EOS"]

BLANK = 0  # the CTC blank, and the padding id of token batches
SOS_EOS = 1


@dataclass
class SpeechRecognizerConfig:
    vocab_size: int  # labels + 2 (blank/padding and sos/eos)
    n_mels: int = 80
    d_model: int = 144
    n_heads: int = 4
    encoder_layers: int = 4
    decoder_layers: int = 2
    d_ff: int = 576
    dropout: float = 0.1
    ctc_weight: float = 0.3
    max_len: int = 4096  # positions of the sinusoidal table (subsampled frames and tokens)
    freq_mask: int = 15  # SpecAugment widths (bins, frames); 0 turns a mask off
    time_mask: int = 20
    conv_channels: int | None = None  # channels of the subsampling convolutions (None: d_model)
    freq_warp: float = 0.0  # vocal-tract-length perturbation: mel axis scaled by [1 - w, 1 + w]; 0 turns it off


class ConvSubsampling(nn.Module):
    """Two 3x3 convolutions of stride 2 over (time, mel) with ReLU, then a projection: (N, T, F) ->
    (N, T', d_model), T' = ((T - 1) // 2 - 1) // 2, so each output frame covers 7 input frames and advances
    by 4. Fewer `channels` than d_model make the second convolution, the costliest layer, cheaper."""

    def __init__(self, n_mels: int, d_model: int, channels: int | None = None) -> None:
        super().__init__()
        channels = channels or d_model
        self.conv1 = nn.Conv2d(1, channels, 3, stride=2)
        self.conv2 = nn.Conv2d(channels, channels, 3, stride=2)
        self.out = nn.Linear(channels * (((n_mels - 1) // 2 - 1) // 2), d_model)

    @staticmethod
    def output_lengths(lengths: Tensor) -> Tensor:
        """T' for input lengths T (class docstring)."""
        return ((lengths - 1) // 2 - 1) // 2

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.conv2(F.relu(self.conv1(x.unsqueeze(1)))))  # (N, d, T', F')
        n, d, t, f = x.shape
        return self.out(x.permute(0, 2, 1, 3).reshape(n, t, d * f))


class SpeechRecognizer(nn.Module):
    """The hybrid CTC/attention model of the module docstring."""

    def __init__(self, config: SpeechRecognizerConfig) -> None:
        super().__init__()
        self.config = c = config
        self.freq_warp = FrequencyWarp(c.n_mels, c.freq_warp)
        self.freq_mask = FrequencyMasking(c.freq_mask, iid_masks=True)
        self.time_mask = TimeMasking(c.time_mask, iid_masks=True)
        self.subsample = ConvSubsampling(c.n_mels, c.d_model, c.conv_channels)
        self.positions = nn.SinusoidalPositionalEncoding(c.d_model, c.max_len, c.dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, batch_first=True, norm_first=True),
            c.encoder_layers, nn.LayerNorm(c.d_model))
        self.ctc_head = nn.Linear(c.d_model, c.vocab_size)
        self.embed = nn.Embedding(c.vocab_size, c.d_model, padding_idx=BLANK)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, batch_first=True, norm_first=True),
            c.decoder_layers, nn.LayerNorm(c.d_model))
        self.out = nn.Linear(c.d_model, c.vocab_size)

    def augment(self, features: Tensor) -> Tensor:
        """The training-time augmentation of features (N, T, n_mels): frequency warp, then SpecAugment's
        frequency and time masks, each utterance its own random draws; in eval mode the features as they are."""
        if not self.training:
            return features
        features = self.freq_warp(features)
        if self.config.freq_mask or self.config.time_mask:
            spec = features.transpose(1, 2).unsqueeze(1)  # (N, 1, F, T): the masks' layout
            spec = self.time_mask(self.freq_mask(spec))
            features = spec.squeeze(1).transpose(1, 2)
        return features

    def encode(self, features: Tensor, lengths: Tensor, augment: bool = True) -> tuple[Tensor, Tensor, Tensor]:
        """(memory (N, T', d), its lengths (N,), its padding mask (N, T'), True past each length).
        ``augment=False``: the features are already augmented (or must not be)."""
        if augment:
            features = self.augment(features)
        x = self.positions(self.subsample(features))
        out_lengths = ConvSubsampling.output_lengths(lengths)
        padding = arange(x.shape[1], device=x.device).unsqueeze(0) >= out_lengths.unsqueeze(1)
        return self.encoder(x, src_key_padding_mask=padding), out_lengths, padding

    def ctc_log_probs(self, memory: Tensor) -> Tensor:
        """log_softmax of the CTC head, time first (T', N, V), as ctc_loss takes it."""
        return F.log_softmax(self.ctc_head(memory), -1).transpose(0, 1)

    def decode(self, tokens: Tensor, memory: Tensor, memory_padding: Tensor) -> Tensor:
        """Next-token logits (N, U, V) for the token prefixes (N, U) (sos first), attending to memory."""
        u = tokens.shape[1]
        causal = nn.Transformer.generate_square_subsequent_mask(u, device=tokens.device)
        x = self.positions(self.embed(tokens))
        h = self.decoder(x, memory, tgt_mask=causal, tgt_is_causal=True, memory_key_padding_mask=memory_padding)
        return self.out(h)

    def loss(self, features: Tensor, lengths: Tensor, targets: Tensor, target_lengths: Tensor, *,
             augment: bool = True, whole_batch: tuple[int, int] | None = None) -> Tensor:
        """w CTC + (1 - w) attention cross-entropy for padded targets (N, S) of labels (ids >= 2).

        A data-parallel shard of a larger batch passes ``whole_batch`` = (B utterances, K tokens) of that
        batch, K counting each target's labels and its eos, and gets its share of the batch's loss,

            w sum_i ctc_i / max(|y_i|, 1) / B + (1 - w) sum_tokens ce / K      (sums over the shard),

        so the shards' losses add up to the whole batch's ("mean" CTC, token-mean cross-entropy). With
        ``augment=False`` the features are used as given (a shard cut from a batch augmented whole)."""
        memory, memory_lengths, padding = self.encode(features, lengths, augment)
        n = targets.shape[0]
        sos = full((n, 1), SOS_EOS, dtype=targets.dtype, device=targets.device)
        inputs = cat([sos, targets], 1)
        # targets + eos at each utterance's end, padding (ignored) after it
        position = arange(targets.shape[1] + 1, device=targets.device).unsqueeze(0)
        padded = cat([targets, sos.new_full((n, 1), BLANK)], 1)
        outputs = padded.masked_fill(position == target_lengths.unsqueeze(1), SOS_EOS)
        outputs = outputs.masked_fill(position > target_lengths.unsqueeze(1), -100)
        logits = self.decode(inputs, memory, padding)
        alignment = (self.ctc_log_probs(memory), targets, memory_lengths, target_lengths)
        predictions = (logits.reshape(-1, logits.shape[-1]), outputs.reshape(-1))
        if whole_batch is None:
            ctc = F.ctc_loss(*alignment, blank=BLANK, zero_infinity=True)
            att = F.cross_entropy(*predictions, ignore_index=-100)
        else:
            utterances, tokens = whole_batch
            per_utterance = F.ctc_loss(*alignment, blank=BLANK, reduction="none", zero_infinity=True)
            ctc = (per_utterance / target_lengths.clamp_min(1).to(per_utterance.dtype)).sum() / utterances
            att = F.cross_entropy(*predictions, ignore_index=-100, reduction="sum") / tokens
        w = self.config.ctc_weight
        return w * ctc + (1 - w) * att

    def forward(self, features: Tensor, lengths: Tensor, tokens: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(CTC log-probs (T', N, V), their lengths, decoder logits (N, U, V)) for teacher-forced tokens."""
        memory, memory_lengths, padding = self.encode(features, lengths)
        return self.ctc_log_probs(memory), memory_lengths, self.decode(tokens, memory, padding)
