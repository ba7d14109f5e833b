"""The training library behind ``mytorch train`` / ``mytorch eval``: data as whole tensors, the
epoch loop, checkpoints, metrics files and curve plots. Usable on its own from Python."""
from .checkpoint import load_checkpoint, save_checkpoint
from .data import DATASETS, TensorBatches, batches, load_dataset
from .errors import CheckpointError, DataUnavailable, UsageError
from .loop import evaluate, train_epoch
from .metrics import MetricsLog
from .plot import plot_curves

__all__ = ["DATASETS", "DataUnavailable", "UsageError", "CheckpointError", "TensorBatches", "batches",
           "load_dataset", "evaluate", "train_epoch", "load_checkpoint", "save_checkpoint", "MetricsLog",
           "plot_curves"]
