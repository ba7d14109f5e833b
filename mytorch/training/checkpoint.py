"""Training checkpoints: everything a run needs to continue bit-exactly, in one mytorch.save file.

Layout (a dict of tensors and plain values, so ``weights_only=True`` loading reads it; atomic write)::

    format      "mytorch-train/1"
    config      the run's settings (model, dataset, optimizer, lr, ... as plain values)
    epoch, step completed epochs and optimizer steps
    model       model.state_dict()
    optimizer   optimizer.state_dict()
    scheduler   scheduler.state_dict(), or None
    rng         mytorch.get_rng_state() (dropout draws continue where they stopped)
    normalize   [mean, std] applied to the inputs
    metrics     the per-epoch rows so far
"""
from __future__ import annotations

import os
import pickle
from typing import Any, Callable, Sequence

from ..serialization import load, save
from ..ops.random import set_rng_state
from .errors import CheckpointError, UsageError
from .metrics import MetricsLog

FORMAT = "mytorch-train/1"
_KEYS = ("config", "epoch", "step", "model", "optimizer", "scheduler", "rng", "normalize", "metrics")


def save_checkpoint(path: str, **fields: Any) -> str:
    """Write a checkpoint with exactly the fields of the layout above (atomic)."""
    return save_run_file(path, FORMAT, _KEYS, fields)


def load_checkpoint(path: str) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``; a missing, damaged or foreign file raises
    CheckpointError."""
    return load_run_file(path, FORMAT, "training checkpoint")


def save_run_file(path: str, fmt: str, keys: Sequence[str], fields: dict[str, Any]) -> str:
    """Atomically write {"format": fmt} plus `fields`, which must be exactly `keys`: each kind of run
    (image, language model, speech) has its format name and its fields."""
    if sorted(fields) != sorted(keys):
        raise TypeError(f"checkpoint {fmt}: expected fields {sorted(keys)}, got {sorted(fields)}")
    save({"format": fmt, **fields}, path)
    return path


def load_run_file(path: str, fmt: str, what: str) -> dict[str, Any]:
    """The dict `save_run_file` wrote with format `fmt`; CheckpointError naming the file for a folder, a
    missing, damaged or foreign file (`what` says which kind was expected)."""
    if os.path.isdir(path):
        raise CheckpointError(f"{path} is a directory; pass the checkpoint file in it "
                              f"({os.path.join(path, 'checkpoint.pt')})")
    try:
        ckpt = load(path)
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from e
    except (RuntimeError, pickle.UnpicklingError) as e:  # the reader names the file and what is wrong
        raise CheckpointError(str(e)) from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != fmt:
        raise CheckpointError(f"{path} is not a mytorch {what} (expected format {fmt!r})")
    return ckpt


def resume_epochs(ckpt: dict[str, Any], path: str, epochs: int, model: Any, optimizer: Any, scheduler: Any,
                  log: Callable[[str], None]) -> tuple[MetricsLog, int, int]:
    """Continue an epoch-by-epoch run from its checkpoint `ckpt` (read from `path`): load the model, the
    optimizer, the scheduler (None: the run has none) and the global random state; returns (the metrics so
    far, the first epoch to run, the optimizer steps done). UsageError when it already holds `epochs`."""
    model.load_state_dict(ckpt["model"])
    optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    restore_random_state(set_rng_state, ckpt["rng"], path, log)
    if ckpt["epoch"] >= epochs:
        raise UsageError(f"{path} already holds {ckpt['epoch']} epochs: pass --epochs above that to train on")
    log(f"resuming {path} after epoch {ckpt['epoch']}")
    return MetricsLog(ckpt["metrics"]), ckpt["epoch"] + 1, ckpt["step"]


def restore_random_state(restore: Callable[[Any], None], state: Any, path: str, log: Callable[[str], None]) -> None:
    """Continue a random stream saved in a checkpoint with ``restore(state)``. A state the generator cannot
    take (checkpoints written before mytorch's streams became PyTorch's mt19937, whose states are 5056
    bytes) leaves the stream as seeded: the run resumes, with different dropout draws and batch order
    than an uninterrupted run would have had, and says so."""
    try:
        restore(state)
    except RuntimeError as e:
        log(f"warning: the random state in {path} cannot be restored ({e}); it was written by an older "
            "mytorch. Resuming with the stream seeded by --seed: dropout and batch order differ from an "
            "uninterrupted run.")
