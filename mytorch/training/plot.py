"""Loss and accuracy curves per epoch as one PNG (matplotlib, headless Agg backend)."""
from __future__ import annotations

import os

from .metrics import MetricsLog


def plot_curves(log: MetricsLog, path: str, title: str = "") -> str:
    """Two panels (loss; accuracy), train and test per epoch; saved atomically to ``path``."""
    import matplotlib
    matplotlib.use("Agg")  # no display needed; must precede pyplot's import
    import matplotlib.pyplot as plt

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
    fig.tight_layout()
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".tmp-{os.getpid()}-{os.path.basename(path)}")
    fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return path
