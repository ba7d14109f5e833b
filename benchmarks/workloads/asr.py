"""The training step of the speech recognizer of ``mytorch train --model asr``: batch 32 of 40-band log-mel
features (2-3 s, 200-300 frames), hybrid CTC/attention loss, gradient clipping, AdamW. Throughput is
utterances per second.

The mytorch side is ``mytorch.models.SpeechRecognizer`` itself, in the recipe's configuration (d_model 96,
3 encoder and 1 decoder layers, 32-channel subsampling); the PyTorch side is `Recognizer` below, the same
architecture written against PyTorch's API with the same parameter names. Both load the same initial weights
(mytorch's initialisation, written once per run by benchmarks/bench.py's `asr_assets`) and the same random
batch, so the first losses agree. SpecAugment and the frequency warp are off: they draw random numbers,
which would differ between the two; they cost about 1% of a step.
"""
from __future__ import annotations

import os

import numpy as np

from ._base import Workload

BATCH, N_MELS, MIN_FRAMES, MAX_FRAMES, MIN_CHARS, MAX_CHARS = 32, 40, 200, 300, 10, 30
D_MODEL, HEADS, ENCODER_LAYERS, DECODER_LAYERS, D_FF, CHANNELS, CTC_WEIGHT = 96, 4, 3, 1, 384, 32, 0.5
BLANK, SOS_EOS = 0, 1


def recognizer_class(torch):
    """The PyTorch twin of mytorch.models.SpeechRecognizer (see its docstring for the math)."""
    nn, F = torch.nn, torch.nn.functional

    class Subsampling(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, CHANNELS, 3, stride=2)
            self.conv2 = nn.Conv2d(CHANNELS, CHANNELS, 3, stride=2)
            self.out = nn.Linear(CHANNELS * (((N_MELS - 1) // 2 - 1) // 2), D_MODEL)

        def forward(self, x):
            x = F.relu(self.conv2(F.relu(self.conv1(x.unsqueeze(1)))))
            n, d, t, f = x.shape
            return self.out(x.permute(0, 2, 1, 3).reshape(n, t, d * f))

    class Recognizer(nn.Module):
        def __init__(self, vocab: int) -> None:
            super().__init__()
            self.subsample = Subsampling()
            angles = torch.arange(MAX_FRAMES).unsqueeze(1) * 10000.0 ** (torch.arange(0, D_MODEL, 2) / -D_MODEL)
            self.table = torch.stack([angles.sin(), angles.cos()], -1).flatten(-2)
            layer = dict(d_model=D_MODEL, nhead=HEADS, dim_feedforward=D_FF, dropout=0.0, batch_first=True,
                         norm_first=True)
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer), ENCODER_LAYERS,
                                                 nn.LayerNorm(D_MODEL), enable_nested_tensor=False)
            self.ctc_head = nn.Linear(D_MODEL, vocab)
            self.embed = nn.Embedding(vocab, D_MODEL, padding_idx=BLANK)
            self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer), DECODER_LAYERS,
                                                 nn.LayerNorm(D_MODEL))
            self.out = nn.Linear(D_MODEL, vocab)

        def loss(self, features, lengths, targets, target_lengths):
            x = self.subsample(features)
            x = x + self.table[:x.shape[1]]
            memory_lengths = ((lengths - 1) // 2 - 1) // 2
            padding = torch.arange(x.shape[1]).unsqueeze(0) >= memory_lengths.unsqueeze(1)
            memory = self.encoder(x, src_key_padding_mask=padding)
            log_probs = F.log_softmax(self.ctc_head(memory), -1).transpose(0, 1)
            ctc = F.ctc_loss(log_probs, targets, memory_lengths, target_lengths, blank=BLANK, zero_infinity=True)
            n, u = targets.shape[0], targets.shape[1] + 1
            sos = torch.full((n, 1), SOS_EOS, dtype=targets.dtype)
            position = torch.arange(u).unsqueeze(0)
            outputs = torch.cat([targets, sos.new_full((n, 1), BLANK)], 1)
            outputs = outputs.masked_fill(position == target_lengths.unsqueeze(1), SOS_EOS)
            outputs = outputs.masked_fill(position > target_lengths.unsqueeze(1), -100)
            h = self.embed(torch.cat([sos, targets], 1))
            h = self.decoder(h + self.table[:u], memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(u),
                             tgt_is_causal=True, memory_key_padding_mask=padding)
            logits = self.out(h)
            att = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), outputs.reshape(-1), ignore_index=-100)
            return CTC_WEIGHT * ctc + (1 - CTC_WEIGHT) * att

    return Recognizer


def initial_weights(path: str) -> None:
    """Write mytorch's initial SpeechRecognizer weights (seed 0, the recipe's shape) to `path` (.npz)."""
    import mytorch
    from mytorch.models import SpeechRecognizer
    from mytorch.training.asr import ASRConfig, digit_chars

    mytorch.manual_seed(0)
    model = SpeechRecognizer(ASRConfig().recognizer(len(digit_chars()) + 2))
    np.savez(path, **{name: value.numpy() for name, value in model.state_dict().items()})


def batch(torch, vocab: int) -> tuple:
    """The same random batch on both sides (NumPy's generator): features, lengths, targets, target lengths."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(MIN_FRAMES, MAX_FRAMES + 1, BATCH)
    features = rng.standard_normal((BATCH, MAX_FRAMES, N_MELS)).astype(np.float32)
    features[np.arange(MAX_FRAMES)[None, :] >= lengths[:, None]] = 0.0
    target_lengths = rng.integers(MIN_CHARS, MAX_CHARS + 1, BATCH)
    targets = rng.integers(2, vocab, (BATCH, MAX_CHARS))
    targets[np.arange(MAX_CHARS)[None, :] >= target_lengths[:, None]] = BLANK
    return (torch.tensor(features), torch.tensor(lengths), torch.tensor(targets), torch.tensor(target_lengths))


def build(torch, framework: str) -> Workload:
    weights = dict(np.load(os.environ["MYTORCH_BENCH_ASR_WEIGHTS"]))
    vocab = weights["ctc_head.weight"].shape[0]
    if framework == "mytorch":
        from mytorch.models import SpeechRecognizer
        from mytorch.training.asr import ASRConfig

        config = ASRConfig(freq_mask=0, time_mask=0, freq_warp=0.0)
        model = SpeechRecognizer(config.recognizer(vocab))
    else:
        model = recognizer_class(torch)(vocab)
    model.load_state_dict({name: torch.tensor(value) for name, value in weights.items()})
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    data = batch(torch, vocab)

    def step() -> float:
        opt.zero_grad()
        loss = model.loss(*data)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        return loss.item()

    return Workload(step, BATCH, "utterances/s")
