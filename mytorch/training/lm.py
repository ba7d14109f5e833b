"""Language-model training: a char-level GPT or LSTM LM on a text corpus, step by step.

The recipe (the defaults of ``mytorch train --model gpt|lstm-lm --dataset shakespeare``):

- data: the corpus's training split as one token sequence; each step draws ``batch_size`` blocks of
  ``block_size + 1`` consecutive tokens at uniformly random offsets (a dedicated, seeded Generator),
  inputs x = block[:-1], targets y = block[1:];
- loss: mean cross-entropy of the next token over every position (nats per token; a char tokenizer
  makes it nats per character);
- optimizer: AdamW (betas 0.9, 0.99), weight decay on matrices and embeddings only (not on biases and
  norm gains), gradient norm clipped to ``grad_clip``;
- schedule (``WarmupCosine``): lr rises linearly over ``warmup_steps``, then follows a half cosine
  down to ``min_lr_ratio`` * lr at the last step;
- validation: the mean loss over ``eval_blocks`` blocks spread evenly over the validation split
  (the same blocks every time) each ``eval_interval`` steps, with a generated sample; at the end, over
  every non-overlapping block of the validation split.

With ``nproc`` N > 1 (``mytorch train --model gpt --nproc N``) the run is N data-parallel processes of an MPI
job (training/ranks.py): every rank draws the same batch and trains on its rows r, r + N, ..., its loss
scaled so that DistributedDataParallel's average of the ranks' gradients is the whole batch's; rank 0 alone
validates, samples, logs and writes. Gradient clipping sees the averaged gradients, so the steps are one
process's (with dropout the ranks' draws differ from one process's).

A run writes into its output folder: checkpoint.pt (atomic, after each evaluation: model, optimizer,
scheduler, both RNG states, tokenizer, metrics; ``resume`` continues it exactly), metrics.csv /
metrics.json (one row per evaluation) and loss.png (training and validation loss per step).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

from .. import _dtype as D
from .. import nn, optim
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..generation import generate
from ..models import GPT, GPTConfig, LSTMLanguageModel, LSTMLMConfig
from ..nn import functional as F
from ..nn.parallel import DistributedDataParallel
from ..ops.creation import arange, tensor
from ..ops.random import Generator, get_rng_state, manual_seed, randint, set_rng_state
from ..speech.spoken_digits import digit_transcripts
from ..text import BPETokenizer, CharTokenizer, Tokenizer, load_shakespeare, tokenizer_from_dict
from .checkpoint import load_run_file, restore_random_state, save_run_file
from .config import RunConfig
from .errors import DataUnavailable, UsageError
from .metrics import MetricsLog
from .plot import plot_lm_curves
from .progress import progress_bar
from .ranks import Ranks, join, reduce_over, silent

__all__ = ["LM_MODELS", "LM_DATASETS", "LMConfig", "WarmupCosine", "build_lm", "build_lm_optimizer",
           "build_lm_scheduler", "get_batch", "lm_step", "evaluate_lm", "complete", "train_lm", "load_lm"]

LM_MODELS = ("gpt", "lstm-lm")
LM_DATASETS = ("shakespeare", "digits-text")
DIGITS_TEXT_LINES = {"train": 20000, "validation": 1000}  # digits-text: transcripts per split
TOKENIZERS = ("char", "bpe")
FORMAT = "mytorch-lm/1"


@dataclass
class LMConfig(RunConfig):
    model: str = "gpt"
    dataset: str = "shakespeare"
    tokenizer: str = "char"
    bpe_vocab_size: int = 1024
    steps: int = 2400
    batch_size: int = 32
    block_size: int = 64
    lr: float = 3e-3  # the peak
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    dropout: float = 0.0
    n_layer: int = 4  # GPT
    n_head: int = 4
    n_embd: int = 128
    embedding_dim: int = 128  # LSTM LM
    hidden_size: int = 512
    num_layers: int = 1
    eval_interval: int = 200
    eval_blocks: int = 256
    sample_tokens: int = 300
    seed: int = 0
    data_root: str | None = None

    def check(self) -> None:
        """UsageError for settings that cannot work."""
        choices = {"model": LM_MODELS, "dataset": LM_DATASETS, "tokenizer": TOKENIZERS}
        for name, valid in choices.items():
            if getattr(self, name) not in valid:
                raise UsageError(f"unknown {name} {getattr(self, name)!r} for language-model training; expected "
                                 f"one of {', '.join(valid)}")
        for name in ("steps", "batch_size", "block_size", "eval_interval", "eval_blocks"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")
        if self.warmup_steps < 0 or self.grad_clip < 0 or not 0 <= self.dropout < 1:
            raise UsageError(f"expected --warmup-steps >= 0, --grad-clip >= 0 and 0 <= --dropout < 1, got "
                             f"{self.warmup_steps}, {self.grad_clip} and {self.dropout}")
        if self.model == "gpt" and self.n_embd % self.n_head:
            raise UsageError(f"--n-embd ({self.n_embd}) must be a multiple of --n-head ({self.n_head})")


class WarmupCosine:
    """The lr factor of step s (LambdaLR's lr_lambda): (s + 1) / W for s < W, then
    r + (1 - r) (1 + cos(pi (s - W) / (S - W))) / 2 down to r at the last step S (W warmup steps)."""

    def __init__(self, warmup_steps: int, total_steps: int, min_ratio: float) -> None:
        self.warmup_steps, self.total_steps, self.min_ratio = warmup_steps, total_steps, min_ratio

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        span = max(1, self.total_steps - self.warmup_steps)
        progress = min(1.0, (step - self.warmup_steps) / span)
        return self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def build_lm(cfg: LMConfig, vocab_size: int) -> nn.Module:
    """The language model `cfg.model` names (gpt or lstm-lm) for a vocabulary of `vocab_size`."""
    if cfg.model == "gpt":
        return GPT(GPTConfig(vocab_size, cfg.block_size, cfg.n_layer, cfg.n_head, cfg.n_embd, cfg.dropout))
    if cfg.model == "lstm-lm":
        return LSTMLanguageModel(LSTMLMConfig(vocab_size, cfg.embedding_dim, cfg.hidden_size, cfg.num_layers,
                                              cfg.dropout))
    raise UsageError(f"unknown language model {cfg.model!r}; expected one of {', '.join(LM_MODELS)}")


def build_lm_optimizer(cfg: Any, model: nn.Module) -> optim.Optimizer:
    """AdamW at cfg.lr with weight decay cfg.weight_decay on the parameters of 2 or more dims (matrices,
    embeddings) only (the speech recipe uses it too)."""
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": cfg.weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    return optim.AdamW(groups, lr=cfg.lr, betas=(0.9, 0.99))


def build_lm_scheduler(cfg: LMConfig, opt: optim.Optimizer) -> optim.lr_scheduler.LambdaLR:
    """LambdaLR with linear warm-up then cosine decay to min_lr_ratio of the base rate."""
    return optim.lr_scheduler.LambdaLR(opt, WarmupCosine(cfg.warmup_steps, cfg.steps, cfg.min_lr_ratio))


def get_batch(data: Tensor, batch_size: int, block_size: int, generator: Generator) -> tuple[Tensor, Tensor]:
    """Inputs and next-token targets (batch_size, block_size) from random offsets into data (int64, 1-D)."""
    offsets = randint(0, len(data) - block_size, (batch_size,), generator=generator)
    blocks = data[offsets.unsqueeze(1) + arange(block_size + 1)]
    return blocks[:, :-1], blocks[:, 1:]


def lm_step(model: nn.Module, opt: optim.Optimizer, sched: Any, x: Tensor, y: Tensor, grad_clip: float,
            loss_scale: float = 1.0) -> float:
    """One optimizer step on the batch (x, y); returns the loss before it. The gradient is that of
    loss_scale * loss (a data-parallel rank's weight in the whole batch's mean, see train_lm)."""
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    (loss * loss_scale if loss_scale != 1.0 else loss).backward()
    if grad_clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()
    if sched is not None:
        sched.step()
    return loss.item()


def eval_offsets(n_tokens: int, block_size: int, blocks: int | None) -> list[int]:
    """Start offsets of validation blocks: every non-overlapping block (blocks None), or `blocks` of them
    spread evenly over the data."""
    total = (n_tokens - 1) // block_size
    if total < 1:
        raise UsageError(f"the validation split ({n_tokens} tokens) is shorter than one block of {block_size + 1}")
    chosen = range(total) if blocks is None or blocks >= total else [i * total // blocks for i in range(blocks)]
    return [i * block_size for i in chosen]


@no_grad()
def evaluate_lm(model: nn.Module, data: Tensor, block_size: int, blocks: int | None = None,
                batch_size: int = 64) -> float:
    """Mean next-token cross-entropy over validation blocks (see eval_offsets), in eval mode."""
    was_training = model.training
    model.eval()
    offsets = eval_offsets(len(data), block_size, blocks)
    total = 0.0
    window = arange(block_size + 1)
    for i in range(0, len(offsets), batch_size):
        chunk = data[tensor(offsets[i:i + batch_size]).unsqueeze(1) + window]
        logits = model(chunk[:, :-1])
        total += F.cross_entropy(logits.flatten(0, 1), chunk[:, 1:].flatten(), reduction="sum").item()
    model.train(was_training)
    return total / (len(offsets) * block_size)


def complete(model: nn.Module, tokenizer: Tokenizer, prompt: str, max_new_tokens: int, *, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None, greedy: bool = False,
             generator: Generator | None = None, stream: Callable[[str], None] | None = None) -> str:
    """The text ``model`` writes after ``prompt`` (max_new_tokens tokens; the prompt excluded).

    Runs mytorch.generation.generate (with the model's cache). A model with a bounded context
    (``max_context``, GPT's block_size) writes in windows: each call continues the last half-context of
    tokens by up to half a context, so the text can run past the context, every token seeing at least
    half a context of history. ``stream`` receives each window's new text as it is written."""
    ids = tokenizer.encode(prompt)
    if not ids:
        raise ValueError("complete: the prompt is empty (give at least one character)")
    context = getattr(model, "max_context", None)
    window = max_new_tokens if context is None else max(1, context // 2)
    was_training = model.training
    model.eval()
    new: list[int] = []
    try:
        while len(new) < max_new_tokens:
            step = min(window, max_new_tokens - len(new))
            history = ids + new if context is None else (ids + new)[-(context - step):]
            out = generate(model, tensor([history], dtype=D.int64), max_new_tokens=step, do_sample=not greedy,
                           temperature=temperature, top_k=top_k, top_p=top_p, generator=generator)
            chunk = out[0, len(history):].tolist()
            new += chunk
            if stream is not None:
                stream(tokenizer.decode(chunk))
    finally:
        model.train(was_training)
    return tokenizer.decode(new)


# ---- checkpoints ---------------------------------------------------------------------------------------

_KEYS = ("config", "step", "model", "optimizer", "scheduler", "rng", "batch_rng", "tokenizer", "metrics",
         "train_losses")


def save_lm_checkpoint(path: str, **fields: Any) -> str:
    """Atomically write a checkpoint ({"format": FORMAT} plus exactly the fields of _KEYS)."""
    return save_run_file(path, FORMAT, _KEYS, fields)


def load_lm_checkpoint(path: str) -> dict[str, Any]:
    """A checkpoint of ``train_lm``; CheckpointError for anything else."""
    return load_run_file(path, FORMAT, "language-model checkpoint (`mytorch train --model gpt|lstm-lm` writes one)")


def load_lm(path: str) -> tuple[nn.Module, Tokenizer, LMConfig]:
    """The trained model (eval mode), its tokenizer and its config from a checkpoint of ``train_lm``."""
    ckpt = load_lm_checkpoint(path)
    cfg = LMConfig.from_dict(ckpt["config"])
    tokenizer = tokenizer_from_dict(ckpt["tokenizer"])
    model = build_lm(cfg, tokenizer.vocab_size)
    model.load_state_dict(ckpt["model"])
    return model.eval(), tokenizer, cfg


# ---- the run -------------------------------------------------------------------------------------------

def load_corpus(cfg: LMConfig) -> tuple[str, str]:
    """(training text, validation text) of cfg.dataset: Shakespeare's plays, or digits-text, transcripts
    like SpokenDigits' one per line (the fusion LM of `mytorch transcribe --lm`), made on the spot."""
    if cfg.dataset == "digits-text":
        return tuple(digit_transcripts(n, cfg.seed, split) for split, n in DIGITS_TEXT_LINES.items())
    try:
        return load_shakespeare("train", cfg.data_root), load_shakespeare("validation", cfg.data_root)
    except RuntimeError as e:  # the reader's message names the file and the install command
        raise DataUnavailable(f"dataset {cfg.dataset!r} is not available: {e}") from e


def build_tokenizer(cfg: LMConfig, train_text: str, val_text: str) -> Tokenizer:
    """Characters of the whole corpus (so validation has no unknown character), or a BPE trained on the
    training split."""
    if cfg.tokenizer == "char":
        return CharTokenizer.from_text(train_text + val_text)
    return BPETokenizer.train([train_text], vocab_size=cfg.bpe_vocab_size)


@dataclass
class LMRunResult:
    val_loss: float
    checkpoint: str
    plot: str
    metrics_csv: str
    sample: str
    seconds: float
    rank: int = 0  # of an --nproc job: only rank 0 validates and writes (the others return nan and "")


def _rows(x: Tensor, y: Tensor, ranks: Ranks) -> tuple[Tensor, Tensor, float]:
    """Rank r's rows r, r + N, ... of the batch (x, y), and the factor N n_r / B that makes the average of
    the ranks' gradients of factor * (mean loss over their rows) the gradient of the batch's mean loss."""
    if ranks.world == 1:
        return x, y, 1.0
    x, y, batch = x[ranks.rank::ranks.world], y[ranks.rank::ranks.world], x.shape[0]
    return x, y, ranks.world * x.shape[0] / batch


def train_lm(cfg: LMConfig, out_dir: str, resume: str | None = None, progress: bool = True,
             log: Callable[[str], None] = print, corpus: tuple[str, str] | None = None,
             nproc: int = 1) -> LMRunResult:
    """Run (or continue, from the checkpoint ``resume``) the training ``cfg`` describes; writes
    checkpoint.pt, metrics.csv/json and loss.png into ``out_dir`` at every evaluation. ``corpus``:
    (train, validation) texts instead of cfg.dataset's. With ``nproc`` > 1 this process is one rank of an
    MPI job of nproc (module docstring); rank 0 writes and reports."""
    if cfg.batch_size < nproc:
        raise UsageError(f"--batch-size {cfg.batch_size} gives some of the --nproc {nproc} ranks no rows")
    ranks = join(nproc)
    lead = ranks.lead
    if not lead:
        progress, log = False, silent
    ckpt = None
    if resume is not None:
        ckpt = load_lm_checkpoint(resume)
        cfg = LMConfig.from_dict(ckpt["config"])
    cfg.check()
    train_text, val_text = corpus if corpus is not None else load_corpus(cfg)
    tokenizer = tokenizer_from_dict(ckpt["tokenizer"]) if ckpt else build_tokenizer(cfg, train_text, val_text)
    train_ids = tensor(tokenizer.encode(train_text), dtype=D.int64)
    val_ids = tensor(tokenizer.encode(val_text), dtype=D.int64)
    if len(train_ids) <= cfg.block_size:
        raise UsageError(f"the training split ({len(train_ids)} tokens) is shorter than one block of "
                         f"{cfg.block_size + 1}")

    manual_seed(cfg.seed)
    model = build_lm(cfg, tokenizer.vocab_size)
    opt = build_lm_optimizer(cfg, model)
    sched = build_lm_scheduler(cfg, opt)
    # its hooks average the ranks' gradients during backward; clipping and the step then agree on every rank
    trained = DistributedDataParallel(model) if ranks.world > 1 else model
    batches = Generator().manual_seed(cfg.seed)
    history, train_losses, step = MetricsLog(), [], 0
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        restore_random_state(set_rng_state, ckpt["rng"], resume, log)
        restore_random_state(batches.set_state, ckpt["batch_rng"], resume, log)
        history, train_losses, step = MetricsLog(ckpt["metrics"]), list(ckpt["train_losses"]), ckpt["step"]
        if step >= cfg.steps:
            raise UsageError(f"{resume} already holds all {cfg.steps} steps of its run")
        log(f"resuming {resume} after step {step}")

    if lead:
        os.makedirs(out_dir, exist_ok=True)
    paths = {name: os.path.join(out_dir, name) for name in ("checkpoint.pt", "loss.png")}
    n_params = sum(p.numel() for p in model.parameters())
    tokens_per_step = cfg.batch_size * cfg.block_size
    log(f"{cfg.model} ({n_params:,} parameters) on {cfg.dataset}: {len(train_ids):,} train / {len(val_ids):,} "
        f"validation tokens ({cfg.tokenizer} tokenizer, vocabulary {tokenizer.vocab_size}); {cfg.steps} steps of "
        f"{cfg.batch_size}x{cfg.block_size} tokens, AdamW lr {cfg.lr:g} (warmup {cfg.warmup_steps}, "
        f"cosine to {cfg.min_lr_ratio:g}x), weight decay {cfg.weight_decay:g}, clip {cfg.grad_clip:g}")
    bar = progress_bar(cfg.steps, "train", "step", initial=step, enabled=progress)
    write = bar.write if bar is not None else log
    prompt = "\n"
    sample = ""
    train_seconds, run_start = 0.0, time.perf_counter()
    window: list[float] = []
    try:
        model.train()
        while step < cfg.steps:
            x, y, scale = _rows(*get_batch(train_ids, cfg.batch_size, cfg.block_size, batches), ranks)
            start = time.perf_counter()
            loss = lm_step(trained, opt, sched, x, y, cfg.grad_clip, scale)
            if ranks.world > 1:  # the whole batch's mean loss: the ranks' scaled shares summed
                loss, = reduce_over(ranks, loss * scale / ranks.world)
            elapsed = time.perf_counter() - start
            train_seconds += elapsed
            step += 1
            train_losses.append(loss)
            window.append(loss)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{tokens_per_step / elapsed:.0f}", refresh=False)
            if step % cfg.eval_interval and step < cfg.steps or not lead:
                continue
            final = step == cfg.steps
            eval_start = time.perf_counter()
            val_loss = evaluate_lm(model, val_ids, cfg.block_size, None if final else cfg.eval_blocks)
            sample = complete(model, tokenizer, prompt, cfg.sample_tokens, temperature=0.8,
                              generator=Generator().manual_seed(cfg.seed))
            history.append({"step": step, "train_loss": sum(window) / len(window), "val_loss": val_loss,
                            "val_blocks": "all" if final else cfg.eval_blocks, "lr": sched.get_last_lr()[0],
                            "tokens_per_s": tokens_per_step * len(window) / max(train_seconds, 1e-9),
                            "eval_seconds": time.perf_counter() - eval_start,
                            "elapsed_seconds": time.perf_counter() - run_start})
            row, window, train_seconds = history.rows[-1], [], 0.0
            write(f"step {step}/{cfg.steps}  train loss {row['train_loss']:.4f}  val loss {val_loss:.4f}"
                  f"{' (whole validation split)' if final else ''}  {row['tokens_per_s']:.0f} tokens/s  "
                  f"{row['elapsed_seconds']:.0f} s\n--- sample ---\n{prompt}{sample}\n--------------")
            save_lm_checkpoint(paths["checkpoint.pt"], config=asdict(cfg), step=step, model=model.state_dict(),
                               optimizer=opt.state_dict(), scheduler=sched.state_dict(), rng=get_rng_state(),
                               batch_rng=batches.get_state(), tokenizer=tokenizer.to_dict(), metrics=history.rows,
                               train_losses=train_losses)
            csv_path, _ = history.write(out_dir)
            plot_lm_curves(history, train_losses, paths["loss.png"], f"{cfg.model} on {cfg.dataset}")
    finally:
        if bar is not None:
            bar.close()
    if not lead:
        return LMRunResult(math.nan, paths["checkpoint.pt"], paths["loss.png"], "", "",
                           time.perf_counter() - run_start, ranks.rank)
    return LMRunResult(history.rows[-1]["val_loss"], paths["checkpoint.pt"], paths["loss.png"], csv_path,
                       prompt + sample, time.perf_counter() - run_start)
