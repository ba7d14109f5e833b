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
from typing import Any, Callable

from ..serialization import load, save
from .errors import CheckpointError

FORMAT = "mytorch-train/1"
_KEYS = ("config", "epoch", "step", "model", "optimizer", "scheduler", "rng", "normalize", "metrics")


def save_checkpoint(path: str, **fields: Any) -> str:
    """Write a checkpoint with exactly the fields of the layout above (atomic)."""
    if sorted(fields) != sorted(_KEYS):
        raise TypeError(f"save_checkpoint: expected fields {sorted(_KEYS)}, got {sorted(fields)}")
    save({"format": FORMAT, **fields}, path)
    return path


def load_checkpoint(path: str) -> dict[str, Any]:
    """Read a checkpoint written by ``save_checkpoint``; a missing, damaged or foreign file raises
    CheckpointError."""
    if os.path.isdir(path):
        raise CheckpointError(f"{path} is a directory; pass the checkpoint file in it "
                              f"({os.path.join(path, 'checkpoint.pt')})")
    try:
        ckpt = load(path)
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from e
    except (RuntimeError, pickle.UnpicklingError) as e:  # the reader names the file and what is wrong
        raise CheckpointError(str(e)) from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a mytorch training checkpoint (expected format {FORMAT!r})")
    return ckpt


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
