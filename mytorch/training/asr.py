"""Speech-recognizer training: `mytorch.models.SpeechRecognizer` on SpokenDigits, epoch by epoch.

The recipe (the defaults of ``mytorch train --model asr``: 40 epochs, about 25 minutes of CPU time on one
thread, measured at load average 13; validation CER 2.35%, test CER 2.76% on the held-out voices, greedy;
1.86% with beam 8 and the digits-text character LM fused, ``mytorch transcribe --lm``; 25 epochs without
the frequency warp gave 5.2% and 4.4%):

- data: SpokenDigits (3-7 digits spoken as words by espeak-ng voices), 4000 training utterances from 91
  voice variants; the validation and test voices are never heard in training (the voices matter most:
  2000 utterances of 32 variants gave a test CER of 7.9%). Each waveform becomes normalised log-mel
  features (`mytorch.speech.LogMelFeatures`, 40 bands, 10 ms frames) once, before training;
- batches: utterances of similar length together (less padding): each epoch shuffles the utterances, sorts
  every 20 batches' worth by length, cuts them into batches and shuffles the batches, all from a
  generator seeded (seed, epoch), so an epoch's batches depend only on those two;
- model: a small hybrid CTC/attention recognizer (d_model 96, 3 encoder and 1 decoder layers), SpecAugment
  (a frequency and a time mask per utterance) and vocal-tract-length perturbation (`FrequencyWarp`, each
  utterance's frequencies scaled by a factor in [0.85, 1.15]: one test voice's formants lie below every
  training voice's) in training; loss w CTC + (1 - w) attention cross-entropy;
- optimizer: AdamW with weight decay on matrices only, lr warmed up linearly then cosine-decayed
  (`WarmupCosine`, per step), gradient norm clipped;
- validation after every epoch: the loss, and the character error rate (CER) of greedy CTC decoding on
  the validation voices; at the end, the CER on the test voices;
- with ``average_last`` K > 1 the final model is the mean of the weights after each of the last K epochs
  (`optim.swa_utils.AveragedModel`, kept in the checkpoint as "average", which `load_recognizer` returns);
- with ``nproc`` N > 1 (``mytorch train --model asr --nproc N``) the run is N data-parallel processes of an
  MPI job (training/ranks.py): every rank walks the same batches, augments each whole batch with the same
  random draws (the ranks share the seed) and trains on its rows r, r + N, ... of it, its loss being its
  share of the batch's (`SpeechRecognizer.loss`'s ``whole_batch``); DistributedDataParallel averages N
  times the shares' gradients, i.e. sums them; so each step is the step one process takes on the batch, up
  to float32 rounding. (A DistributedSampler would split the utterances, not each batch, and repeat some to
  even the ranks out: the steps would differ from one process's.) Rank 0 alone validates, tests, logs and
  writes. With dropout the ranks' draws differ from one process's.

A run writes into its output folder, after every epoch: checkpoint.pt (atomic: model, optimizer, scheduler,
RNG state, the tokenizer's characters, metrics; ``resume`` continues it exactly), metrics.csv/json, and
curves.png (losses and validation CER per epoch).
"""
from __future__ import annotations

import math
import os
import random
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterator, Sequence

from .. import _dtype as D
from .. import optim
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..metrics import cer
from ..models.speech_recognizer import SpeechRecognizer, SpeechRecognizerConfig
from ..nn.parallel import DistributedDataParallel
from ..nn.utils import clip_grad_norm_
from ..nn.utils.rnn import pad_sequence
from ..ops.creation import tensor
from ..ops.random import get_rng_state, manual_seed
from ..speech.ctc_decoding import ctc_greedy_decode
from ..speech.features import LogMelFeatures
from ..speech.spoken_digits import DIGIT_WORDS, SpokenDigits
from ..speech.tokenizer import TranscriptTokenizer
from .checkpoint import load_run_file, resume_epochs, save_run_file
from .config import RunConfig
from .errors import DataUnavailable, UsageError
from .lm import WarmupCosine, build_lm_optimizer
from .metrics import MetricsLog
from .plot import plot_asr_curves
from .progress import progress_bar
from .ranks import Ranks, join, reduce_over, silent
from .run import epoch_seed

__all__ = ["ASR_MODELS", "ASR_DATASETS", "ASRConfig", "SpeechSet", "train_asr", "load_recognizer", "transcribe"]

ASR_MODELS = ("asr",)
ASR_DATASETS = ("spoken-digits",)
FORMAT = "mytorch-asr/1"
_KEYS = ("config", "epoch", "step", "model", "optimizer", "scheduler", "rng", "chars", "metrics", "average")
_SORT_WINDOW = 20  # batches' worth of utterances sorted by length together


@dataclass
class ASRConfig(RunConfig):
    model: str = "asr"
    dataset: str = "spoken-digits"
    epochs: int = 40
    batch_size: int = 32
    lr: float = 2e-3  # the peak
    min_lr_ratio: float = 0.05
    warmup_steps: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 5.0
    dropout: float = 0.0  # SpecAugment regularises; dropout's random draws would cost a tenth of each step
    n_mels: int = 40
    d_model: int = 96
    n_heads: int = 4
    encoder_layers: int = 3
    decoder_layers: int = 1
    d_ff: int = 384
    ctc_weight: float = 0.5
    freq_mask: int = 8
    time_mask: int = 20
    freq_warp: float = 0.15
    conv_channels: int = 32
    train_size: int = 4000
    test_size: int = 200  # each of the validation and test splits
    average_last: int = 0  # the final model is the mean of the weights after each of the last K epochs (0, 1: off)
    seed: int = 0
    data_root: str | None = None

    def check(self) -> None:
        """UsageError for settings that cannot work."""
        if self.model not in ASR_MODELS or self.dataset not in ASR_DATASETS:
            raise UsageError(f"speech recognizers ({', '.join(ASR_MODELS)}) train on speech "
                             f"({', '.join(ASR_DATASETS)}): got --model {self.model} --dataset {self.dataset}")
        if self.average_last < 0:
            raise UsageError(f"--average-last must be 0 or more, got {self.average_last}")
        for name in ("epochs", "batch_size", "train_size", "test_size"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.d_model % self.n_heads:
            raise UsageError(f"--d-model ({self.d_model}) must be a multiple of the {self.n_heads} heads")
        if not 0 <= self.ctc_weight <= 1:
            raise UsageError(f"--ctc-weight must be in [0, 1], got {self.ctc_weight}")

    def recognizer(self, vocab_size: int) -> SpeechRecognizerConfig:
        """The model's configuration for a vocabulary of `vocab_size` labels."""
        return SpeechRecognizerConfig(vocab_size, self.n_mels, self.d_model, self.n_heads, self.encoder_layers,
                                      self.decoder_layers, self.d_ff, self.dropout, self.ctc_weight,
                                      freq_mask=self.freq_mask, time_mask=self.time_mask,
                                      conv_channels=self.conv_channels, freq_warp=self.freq_warp)


def digit_chars() -> str:
    """The characters of spoken digit strings: the space and the letters of the digit words, sorted."""
    return "".join(sorted(set(" ".join(DIGIT_WORDS))))


class SpeechSet:
    """Utterances as features in memory: `features[i]` (T_i, n_mels) and `texts[i]`."""

    def __init__(self, features: list[Tensor], texts: list[str]) -> None:
        self.features, self.texts = features, texts
        self.lengths = [f.shape[0] for f in features]

    @classmethod
    def spoken_digits(cls, split: str, size: int, cfg: ASRConfig, front_end: LogMelFeatures,
                      log: Callable[[str], None] = print) -> "SpeechSet":
        """SpokenDigits' `split` (synthesized on the first run, then read from its cache) as features."""
        start = time.perf_counter()
        try:
            data = SpokenDigits(split, size=size, root=cfg.data_root)
        except RuntimeError as e:  # no espeak-ng: the message says how to install it
            raise DataUnavailable(f"dataset {cfg.dataset!r} is not available: {e}") from e
        features = [front_end(data[i][0]) for i in range(len(data))]
        log(f"{split}: {len(data)} utterances, {sum(f.shape[0] for f in features) / 100:.0f} s of speech "
            f"({time.perf_counter() - start:.0f} s to read and featurize)")
        return cls(features, list(data.texts))

    def __len__(self) -> int:
        return len(self.texts)

    def batch(self, indices: Sequence[int], tokenizer: TranscriptTokenizer) -> tuple[Tensor, ...]:
        """(features (N, T_max, n_mels) zero-padded, lengths (N,), targets (N, S_max), target lengths (N,))."""
        features = pad_sequence([self.features[i] for i in indices], batch_first=True)
        lengths = tensor([self.lengths[i] for i in indices], dtype=D.int64)
        return (features, lengths, *tokenizer.batch([self.texts[i] for i in indices]))

    def epoch_batches(self, batch_size: int, seed: int) -> list[list[int]]:
        """The epoch's batches of indices, similar lengths together (module docstring)."""
        rng = random.Random(seed)
        order = list(range(len(self)))
        rng.shuffle(order)
        window = batch_size * _SORT_WINDOW
        batches = []
        for i in range(0, len(order), window):
            chunk = sorted(order[i:i + window], key=self.lengths.__getitem__)
            batches += [chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size)]
        rng.shuffle(batches)
        return batches

    def shard_loss(self, model: SpeechRecognizer, indices: Sequence[int], tokenizer: TranscriptTokenizer,
                   ranks: Ranks) -> Tensor:
        """Rank r's share of the training loss of the batch `indices`: the batch is augmented whole, as one
        process would, then cut to rows r, r + N, ... (module docstring). A rank left without rows (a last
        batch smaller than N) weighs row 0 by 0, so that it still joins the gradients' all-reduce."""
        whole_features, _, _, whole_target_lengths = self.batch(indices, tokenizer)
        augmented = model.augment(whole_features)
        rows = list(range(ranks.rank, len(indices), ranks.world))
        weight = 1.0 if rows else 0.0
        rows = rows or [0]
        features, lengths, targets, target_lengths = self.batch([indices[i] for i in rows], tokenizer)
        features = augmented[tensor(rows)][:, :features.shape[1]]  # the shard's own padding: zeros past it
        whole = (len(indices), int(whole_target_lengths.sum().item()) + len(indices))  # utterances, labels + eos
        return weight * model.loss(features, lengths, targets, target_lengths, augment=False, whole_batch=whole)

    def in_length_order(self, batch_size: int) -> Iterator[list[int]]:
        """Batches of indices for evaluation: sorted by length, so padding is little."""
        order = sorted(range(len(self)), key=self.lengths.__getitem__)
        for i in range(0, len(order), batch_size):
            yield order[i:i + batch_size]


@no_grad()
def evaluate_asr(model: SpeechRecognizer, data: SpeechSet, tokenizer: TranscriptTokenizer,
                 batch_size: int = 50) -> dict[str, Any]:
    """Mean loss, and the CER of greedy CTC decoding, over `data` (eval mode)."""
    was_training = model.training
    model.eval()
    loss_sum, hypotheses, references = 0.0, [], []
    for indices in data.in_length_order(batch_size):
        features, lengths, targets, target_lengths = data.batch(indices, tokenizer)
        loss_sum += model.loss(features, lengths, targets, target_lengths).item() * len(indices)
        hypotheses += transcribe(model, tokenizer, features, lengths)
        references += [data.texts[i] for i in indices]
    model.train(was_training)
    return {"loss": loss_sum / len(data), "cer": cer(references, hypotheses), "hypotheses": hypotheses,
            "references": references}


@no_grad()
def transcribe(model: SpeechRecognizer, tokenizer: TranscriptTokenizer, features: Tensor,
               lengths: Tensor) -> list[str]:
    """Greedy CTC transcripts of a padded batch of features (N, T, n_mels)."""
    memory, memory_lengths, _ = model.encode(features, lengths)
    log_probs = model.ctc_log_probs(memory).transpose(0, 1)  # (N, T', V)
    return [tokenizer.decode(ids) for ids in ctc_greedy_decode(log_probs, memory_lengths)]


def save_asr_checkpoint(path: str, **fields: Any) -> str:
    """Atomically write a checkpoint ({"format": FORMAT} plus exactly the fields of _KEYS)."""
    return save_run_file(path, FORMAT, _KEYS, fields)


def load_recognizer(path: str) -> tuple[SpeechRecognizer, TranscriptTokenizer, LogMelFeatures, ASRConfig]:
    """The trained model (eval mode), its tokenizer, its front end and its config from a ``train_asr``
    checkpoint."""
    ckpt = load_run_file(path, FORMAT, "speech-recognizer checkpoint (`mytorch train --model asr` writes one)")
    cfg = ASRConfig.from_dict(ckpt["config"])
    tokenizer = TranscriptTokenizer(ckpt["chars"])
    model = SpeechRecognizer(cfg.recognizer(tokenizer.vocab_size))
    model.load_state_dict(ckpt["model"])
    if ckpt.get("average"):  # the weights averaged over the run's last epochs
        averaged = optim.swa_utils.AveragedModel(model)
        averaged.load_state_dict(ckpt["average"])
        model = averaged.module
    return model.eval(), tokenizer, LogMelFeatures(cfg.n_mels), cfg


@dataclass
class ASRRunResult:
    val_cer: float
    test_cer: float
    checkpoint: str
    plot: str
    metrics_csv: str
    seconds: float
    rank: int = 0  # of an --nproc job: only rank 0's figures are measured (the others return nan)


def train_asr(cfg: ASRConfig, out_dir: str, resume: str | None = None, progress: bool = True,
              log: Callable[[str], None] = print, nproc: int = 1) -> ASRRunResult:
    """Run (or continue, from the checkpoint ``resume``) the training ``cfg`` describes (module docstring);
    ``cfg.epochs`` may extend a resumed run. With ``nproc`` > 1 this process is one rank of an MPI job of
    nproc; rank 0 writes and reports."""
    ranks = join(nproc)
    if not ranks.lead:
        progress, log = False, silent
    ckpt = None
    if resume is not None:
        ckpt = load_run_file(resume, FORMAT, "speech-recognizer checkpoint")
        cfg = ASRConfig.from_dict({**ckpt["config"], "epochs": cfg.epochs})
    cfg.check()
    run_start = time.perf_counter()
    tokenizer = TranscriptTokenizer(ckpt["chars"] if ckpt else digit_chars())
    front_end = LogMelFeatures(cfg.n_mels)
    train_set = SpeechSet.spoken_digits("train", cfg.train_size, cfg, front_end, log)
    val_set = SpeechSet.spoken_digits("validation", cfg.test_size, cfg, front_end, log) if ranks.lead else None
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size)
    total_steps = cfg.epochs * steps_per_epoch

    manual_seed(cfg.seed)
    model = SpeechRecognizer(cfg.recognizer(tokenizer.vocab_size))
    # its hooks on the parameters average the ranks' gradients; the loss comes from model.loss, not the wrapper
    replicas = DistributedDataParallel(model) if ranks.world > 1 else None
    opt = build_lm_optimizer(cfg, model)
    sched = optim.lr_scheduler.LambdaLR(opt, WarmupCosine(cfg.warmup_steps, total_steps, cfg.min_lr_ratio))
    average = optim.swa_utils.AveragedModel(model) if cfg.average_last > 1 else None
    history, start_epoch, step = MetricsLog(), 1, 0
    if ckpt is not None:
        history, start_epoch, step = resume_epochs(ckpt, resume, cfg.epochs, model, opt, sched, log)
        sched.lr_lambdas[0].total_steps = total_steps  # a longer run stretches the rest of the decay
        if average is not None and ckpt.get("average") and ckpt["config"]["epochs"] == cfg.epochs:
            average.load_state_dict(ckpt["average"])  # a longer run averages only the epochs it trains

    os.makedirs(out_dir, exist_ok=True)
    paths = {name: os.path.join(out_dir, name) for name in ("checkpoint.pt", "curves.png")}
    n_params = sum(p.numel() for p in model.parameters())
    log(f"asr ({n_params:,} parameters) on {cfg.dataset}: {len(train_set)} train / {cfg.test_size} validation "
        f"utterances, {cfg.epochs} epochs of {steps_per_epoch} steps (batch {cfg.batch_size}), AdamW lr {cfg.lr:g} "
        f"(warmup {cfg.warmup_steps}, cosine to {cfg.min_lr_ratio:g}x), CTC weight {cfg.ctc_weight:g}")
    for epoch in range(start_epoch, cfg.epochs + 1):
        bar = progress_bar(len(train_set), f"epoch {epoch}/{cfg.epochs}", " utterances", enabled=progress)
        model.train()
        loss_sum, seen, start = 0.0, 0, time.perf_counter()
        try:
            for indices in train_set.epoch_batches(cfg.batch_size, epoch_seed(cfg.seed, epoch)):
                opt.zero_grad(set_to_none=True)
                if replicas is None:
                    loss = model.loss(*train_set.batch(indices, tokenizer))
                    loss.backward()
                else:
                    loss = train_set.shard_loss(model, indices, tokenizer, ranks)
                    (loss * ranks.world).backward()  # the replicas average: N x the shares sum to the batch's
                if cfg.grad_clip > 0:
                    clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                sched.step()
                value = loss.item()
                loss_sum, seen, step = loss_sum + value * len(indices), seen + len(indices), step + 1
                if bar is not None:
                    bar.update(len(indices))
                    bar.set_postfix(loss=f"{value * ranks.world:.3f}", refresh=False)  # N x rank 0's share
        finally:
            if bar is not None:
                bar.close()
        train_seconds = time.perf_counter() - start
        loss_sum, = reduce_over(ranks, loss_sum)
        if average is not None and epoch > cfg.epochs - cfg.average_last:
            average.update_parameters(model)
        if not ranks.lead:
            continue
        val = evaluate_asr(model, val_set, tokenizer)
        history.append({"epoch": epoch, "step": step, "train_loss": loss_sum / seen, "val_loss": val["loss"],
                        "val_cer": val["cer"], "lr": sched.get_last_lr()[0], "train_seconds": train_seconds,
                        "utterances_per_s": seen / max(train_seconds, 1e-9),
                        "elapsed_seconds": time.perf_counter() - run_start})
        save_asr_checkpoint(paths["checkpoint.pt"], config=asdict(cfg), epoch=epoch, step=step,
                            model=model.state_dict(), optimizer=opt.state_dict(), scheduler=sched.state_dict(),
                            rng=get_rng_state(), chars=tokenizer.chars, metrics=history.rows,
                            average=average.state_dict() if average is not None and average.n_averaged.item() else None)
        csv_path, _ = history.write(out_dir)
        plot_asr_curves(history, paths["curves.png"], f"asr on {cfg.dataset}")
        row = history.rows[-1]
        log(f"epoch {epoch}/{cfg.epochs}  train loss {row['train_loss']:.4f}  val loss {row['val_loss']:.4f}  "
            f"val CER {row['val_cer']:.2%}  ({train_seconds:.0f} s, {row['utterances_per_s']:.1f} utterances/s; "
            f"e.g. {val['hypotheses'][-1]!r} for {val['references'][-1]!r})")
    if not ranks.lead:
        return ASRRunResult(math.nan, math.nan, paths["checkpoint.pt"], paths["curves.png"],
                            os.path.join(out_dir, "metrics.csv"), time.perf_counter() - run_start, ranks.rank)
    final = model
    if average is not None:
        final = average.module
        averaged_val = evaluate_asr(final, val_set, tokenizer)["cer"]
        history.rows[-1]["averaged_val_cer"] = averaged_val
        log(f"weights averaged over the last {average.n_averaged.item()} epochs: val CER {averaged_val:.2%}")
    test_set = SpeechSet.spoken_digits("test", cfg.test_size, cfg, front_end, log)
    test = evaluate_asr(final, test_set, tokenizer)
    history.rows[-1]["test_cer"] = test["cer"]
    csv_path, _ = history.write(out_dir)
    log(f"test CER (held-out voices, greedy CTC) {test['cer']:.2%}")
    return ASRRunResult(history.rows[-1].get("averaged_val_cer", history.rows[-1]["val_cer"]), test["cer"],
                        paths["checkpoint.pt"], paths["curves.png"], csv_path, time.perf_counter() - run_start)
