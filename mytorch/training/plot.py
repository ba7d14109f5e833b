"""Training curves as PNG files (matplotlib, headless Agg backend), written atomically."""
from __future__ import annotations

import os

from .metrics import MetricsLog


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # no display needed; must precede pyplot's import
    import matplotlib.pyplot as plt
    return plt


def _save(plt, fig, path: str) -> str:
    """Write fig to path through a temporary file and a rename, so a reader never sees half a PNG."""
    fig.tight_layout()
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".tmp-{os.getpid()}-{os.path.basename(path)}")
    fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def plot_curves(log: MetricsLog, path: str, title: str = "") -> str:
    """Two panels (loss; accuracy), train and test per epoch; saved atomically to ``path``."""
    plt = _pyplot()

    epochs = log.column("epoch")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric, label in ((ax_loss, "loss", "cross-entropy"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, log.column(f"train_{metric}"), "o-", label="train")
        ax.plot(epochs, log.column(f"test_{metric}"), "s-", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _save(plt, fig, path)


def plot_lm_curves(history: MetricsLog, train_losses: list[float], path: str, title: str = "") -> str:
    """Training loss per step (and its running mean over 50 steps) and validation loss per evaluation."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    steps = range(1, len(train_losses) + 1)
    ax.plot(steps, train_losses, color="tab:blue", alpha=0.25, lw=0.8)
    smooth, acc = [], 0.0
    for i, v in enumerate(train_losses):
        acc += v - (train_losses[i - 50] if i >= 50 else 0.0)
        smooth.append(acc / min(i + 1, 50))
    ax.plot(steps, smooth, color="tab:blue", label="train (mean of 50 steps)")
    ax.plot(history.column("step"), history.column("val_loss"), "s-", color="tab:orange", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per token)")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return _save(plt, fig, path)


def plot_asr_curves(history: MetricsLog, path: str, title: str = "") -> str:
    """Two panels per epoch: training and validation loss; validation character error rate."""
    plt = _pyplot()
    epochs = history.column("epoch")
    fig, (ax_loss, ax_cer) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, history.column("train_loss"), "o-", label="train")
    ax_loss.plot(epochs, history.column("val_loss"), "s-", label="validation")
    ax_loss.set_ylabel("w CTC + (1 - w) attention loss")
    ax_loss.legend()
    ax_cer.plot(epochs, [100 * c for c in history.column("val_cer")], "s-", color="tab:orange")
    ax_cer.set_ylabel("validation CER (%)")
    for ax in (ax_loss, ax_cer):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return _save(plt, fig, path)
