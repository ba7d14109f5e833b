"""A complete training run: build from a config, train epoch by epoch, evaluate, checkpoint, log, plot.

Reproducibility. ``manual_seed(seed)`` precedes the model's initialisation, and epoch e shuffles with
a Generator seeded ``epoch_seed(seed, e)``, so an epoch's batches depend only on (seed, e). A
checkpoint after each epoch holds the model, optimizer, scheduler and global RNG state, so resuming
from it replays exactly the steps an uninterrupted run would take: the final weights are equal.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

from .. import nn, optim
from ..ops.random import get_rng_state, manual_seed
from ..models import get_model
from .checkpoint import load_checkpoint, resume_epochs, save_checkpoint
from .data import DATASETS, TensorBatches, batches, load_dataset
from .config import RunConfig
from .errors import UsageError
from .loop import evaluate, train_epoch
from .metrics import MetricsLog
from .plot import plot_curves
from .progress import progress_bar
from .ranks import combine, join, shard, shard_samples, silent

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "step", "cosine", "onecycle")
DEFAULT_LR = {"sgd": 0.05, "adam": 5e-3, "adamw": 5e-3, "rmsprop": 1e-3}
CONV_INPUT = 28  # LeNet-5 and the small ResNet are laid out for 28x28 images


@dataclass
class TrainConfig(RunConfig):
    model: str = "lenet"
    dataset: str = "fashion-mnist"
    epochs: int = 8
    batch_size: int = 128
    lr: float | None = None  # None: DEFAULT_LR[optimizer]
    optimizer: str = "adam"
    scheduler: str = "onecycle"
    weight_decay: float = 0.0
    seed: int = 0
    limit_train: int | None = None
    limit_test: int | None = None
    data_root: str | None = None

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else self.lr


def epoch_seed(seed: int, epoch: int) -> int:
    """The shuffling seed of (1-based) ``epoch``: distinct for every (seed, epoch) pair in practice."""
    return (seed * 1_000_003 + epoch) % 2**63


def input_size(model: str) -> int | None:
    """The square image size a model needs (None: any, the MLP adapts its input layer)."""
    return None if model == "mlp" else CONV_INPUT


def build_model(cfg: TrainConfig, example: TensorBatches) -> nn.Module:
    """cfg.model sized for ``example``'s images and cfg.dataset's classes."""
    kwargs: dict[str, Any] = {"num_classes": DATASETS[cfg.dataset].num_classes}
    c, h, w = example.images.shape[1:]
    if cfg.model == "mlp":
        kwargs["in_features"] = c * h * w
    else:
        kwargs["in_channels"] = c
    try:
        return get_model(cfg.model, **kwargs)
    except ValueError as e:
        raise UsageError(str(e)) from None


def build_optimizer(cfg: TrainConfig, model: nn.Module) -> optim.Optimizer:
    """The optimizer `cfg.optimizer` names over the model's parameters, with the configured learning rate and weight
    decay.
    """
    params, lr, wd = model.parameters(), cfg.learning_rate, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd)
    if cfg.optimizer == "adam":
        return optim.Adam(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=wd)
    raise UsageError(f"unknown optimizer {cfg.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")


def build_scheduler(cfg: TrainConfig, opt: optim.Optimizer, steps_per_epoch: int) -> Any:
    """A per-batch schedule laid out over the whole run (cfg.epochs epochs)."""
    total = cfg.epochs * steps_per_epoch
    if cfg.scheduler == "none":
        return None
    if cfg.scheduler == "step":  # lr / 10 after each third of the run
        return optim.lr_scheduler.StepLR(opt, step_size=max(1, total // 3), gamma=0.1)
    if cfg.scheduler == "cosine":
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)
    if cfg.scheduler == "onecycle":
        return optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.learning_rate, total_steps=total)
    raise UsageError(f"unknown scheduler {cfg.scheduler!r}; expected one of {', '.join(SCHEDULERS)}")


@dataclass
class RunResult:
    metrics: MetricsLog
    checkpoint: str
    plot: str
    metrics_csv: str
    metrics_json: str


def train(cfg: TrainConfig, out_dir: str, resume: str | None = None, workers: int = 0,
          progress: bool = True, log: Callable[[str], None] = print, nproc: int = 1) -> RunResult:
    """Run (or continue, from the checkpoint ``resume``) the training described by ``cfg``; writes
    checkpoint.pt, metrics.csv and metrics.json into ``out_dir`` after every epoch, curves.png at the end.
    With ``nproc`` > 1 this process is one rank of an MPI job of nproc (ranks.py); rank 0 writes, and the
    other ranks return an empty history."""
    ranks = join(nproc)
    if not ranks.lead:
        progress, log = False, silent
    ckpt = None
    if resume is not None:
        ckpt = load_checkpoint(resume)
        saved = TrainConfig.from_dict(ckpt["config"])
        if cfg.epochs != saved.epochs and saved.scheduler != "none":
            raise UsageError(f"--epochs {cfg.epochs} differs from the checkpoint's {saved.epochs}, but its "
                             f"--scheduler {saved.scheduler} is laid out over {saved.epochs} epochs")
        cfg = TrainConfig(**{**asdict(saved), "epochs": cfg.epochs})
    if cfg.epochs < 1 or cfg.batch_size < 1:
        raise UsageError(f"--epochs and --batch-size must be positive, got {cfg.epochs} and {cfg.batch_size}")

    size = input_size(cfg.model)
    saved_normalize = None if ckpt is None else tuple(ckpt["normalize"])
    train_set, normalize = load_dataset(cfg.dataset, True, cfg.data_root, cfg.limit_train, size, saved_normalize)
    test_set, _ = load_dataset(cfg.dataset, False, cfg.data_root, cfg.limit_test, size, normalize)
    steps_per_epoch = math.ceil(len(train_set) / cfg.batch_size)

    manual_seed(cfg.seed)
    model = build_model(cfg, train_set)
    trained = model if ranks.world == 1 else nn.parallel.DistributedDataParallel(model)
    opt = build_optimizer(cfg, model)
    sched = build_scheduler(cfg, opt, steps_per_epoch)
    history, start_epoch, step = MetricsLog(), 1, 0
    if ckpt is not None:
        history, start_epoch, step = resume_epochs(ckpt, resume, cfg.epochs, model, opt, sched, log)

    os.makedirs(out_dir, exist_ok=True)
    paths = {name: os.path.join(out_dir, name) for name in ("checkpoint.pt", "curves.png")}
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{cfg.model} ({n_params:,} parameters) on {cfg.dataset}: {len(train_set)} train / {len(test_set)} "
        f"test images, {cfg.epochs} epochs, batch {cfg.batch_size}, {cfg.optimizer} lr {cfg.learning_rate:g}, "
        f"scheduler {cfg.scheduler}")
    if ranks.world > 1:
        log(f"{ranks.world} processes, each training on 1/{ranks.world} of every batch")
    for epoch in range(start_epoch, cfg.epochs + 1):
        bar = progress_bar(shard_samples(len(train_set), cfg.batch_size, ranks), f"epoch {epoch}/{cfg.epochs}",
                           " samples", enabled=progress)
        loader = batches(train_set, cfg.batch_size, shuffle_seed=epoch_seed(cfg.seed, epoch), workers=workers)
        try:
            stats = combine(train_epoch(trained, shard(loader, ranks), opt, sched, bar), ranks)
        finally:
            if bar is not None:
                bar.close()
        step += steps_per_epoch
        if not ranks.lead:
            continue
        start = time.perf_counter()
        test = evaluate(model, batches(test_set, 1000))
        history.append({"epoch": epoch, "step": step, "train_loss": stats["train_loss"],
                        "train_acc": stats["train_acc"], "test_loss": test["loss"], "test_acc": test["acc"],
                        "lr": opt.param_groups[0]["lr"], "train_seconds": stats["seconds"],
                        "eval_seconds": time.perf_counter() - start,
                        "samples_per_s": stats["samples"] / max(stats["seconds"], 1e-9)})
        save_checkpoint(paths["checkpoint.pt"], config=asdict(cfg), epoch=epoch, step=step,
                        model=model.state_dict(), optimizer=opt.state_dict(),
                        scheduler=None if sched is None else sched.state_dict(), rng=get_rng_state(),
                        normalize=list(normalize), metrics=history.rows)
        csv_path, json_path = history.write(out_dir)
        row = history.rows[-1]
        log(f"epoch {epoch}/{cfg.epochs}  train loss {row['train_loss']:.4f} acc {row['train_acc']:.2%}  "
            f"test loss {row['test_loss']:.4f} acc {row['test_acc']:.2%}  "
            f"{row['train_seconds']:.1f} s ({row['samples_per_s']:.0f} samples/s)")
    if ranks.lead:
        plot_curves(history, paths["curves.png"], f"{cfg.model} on {cfg.dataset}")  # ~1 s: once, at the end
    else:
        csv_path, json_path = (os.path.join(out_dir, f"metrics.{ext}") for ext in ("csv", "json"))
    return RunResult(history, paths["checkpoint.pt"], paths["curves.png"], csv_path, json_path)


def evaluate_checkpoint(path: str, dataset: str | None = None, batch_size: int = 1000, limit: int | None = None,
                        data_root: str | None = None) -> dict[str, Any]:
    """Test accuracy and loss of the model in checkpoint ``path`` (on its own data set by default),
    with the checkpoint's input normalization. A data set with another number of classes is refused."""
    ckpt = load_checkpoint(path)
    cfg = TrainConfig.from_dict(ckpt["config"])
    name = dataset or cfg.dataset
    trained, wanted = DATASETS[cfg.dataset].num_classes, DATASETS[name].num_classes
    if trained != wanted:
        raise UsageError(f"the model in {path} was trained on {cfg.dataset} ({trained} classes) and cannot be "
                         f"evaluated on {name} ({wanted} classes)")
    root = data_root or (cfg.data_root if dataset is None else None)
    test_set, _ = load_dataset(name, False, root, limit, input_size(cfg.model), tuple(ckpt["normalize"]))
    model = build_model(cfg, test_set)
    try:
        model.load_state_dict(ckpt["model"])
    except RuntimeError as e:
        raise UsageError(f"the model in {path} does not fit data set {name!r}: {e}") from None
    return {"model": cfg.model, "dataset": name, "trained_on": cfg.dataset,
            **evaluate(model, batches(test_set, batch_size))}
