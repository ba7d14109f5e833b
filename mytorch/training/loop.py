"""One training epoch and one evaluation pass (cross-entropy classification)."""
from __future__ import annotations

import time
from typing import Any, Iterable

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..optim import Optimizer


def train_epoch(model: nn.Module, loader: Iterable[tuple[Tensor, Tensor]], optimizer: Optimizer,
                scheduler: Any = None, progress: Any = None) -> dict[str, float]:
    """One pass of mini-batch training with cross-entropy; ``scheduler`` (if any) steps once per batch.

    ``progress`` is a tqdm-like bar (``update(n)``, ``set_postfix``; its rate shows samples/s) or None. Returns the epoch's
    mean training loss and accuracy, its sample count and its wall time."""
    model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    start = time.perf_counter()
    for images, labels in loader:
        optimizer.zero_grad(set_to_none=True)
        logits = model(images)
        loss = F.cross_entropy(logits, labels)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        n = labels.shape[0]
        value = loss.item()
        loss_sum += value * n
        correct += int((logits.detach().argmax(1) == labels).sum().item())
        seen += n
        if progress is not None:
            progress.update(n)
            progress.set_postfix(loss=f"{value:.4f}", refresh=False)
    elapsed = time.perf_counter() - start
    return {"train_loss": loss_sum / max(seen, 1), "train_acc": correct / max(seen, 1), "samples": seen,
            "seconds": elapsed}


@no_grad()
def evaluate(model: nn.Module, loader: Iterable[tuple[Tensor, Tensor]]) -> dict[str, float]:
    """Mean cross-entropy and accuracy of ``model`` (in eval mode) over ``loader``."""
    model.eval()
    loss_sum, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        logits = model(images)
        n = labels.shape[0]
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += int((logits.argmax(1) == labels).sum().item())
        seen += n
    return {"loss": loss_sum / max(seen, 1), "acc": correct / max(seen, 1), "samples": seen}
