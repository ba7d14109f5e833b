"""``mytorch.utils.tensorboard`` (``torch.utils.tensorboard`` under ``mytorch run``): ``SummaryWriter``.

It writes real TensorBoard event files with the ``tensorboard`` package's event-file writer and protos;
install it with ``pip install tensorboard`` (or the ``mytorch[tensorboard]`` extra).
"""
try:
    import tensorboard  # noqa: F401
except ImportError as e:
    raise ImportError("TensorBoard logging requires the tensorboard package: pip install tensorboard "
                      "(or mytorch[tensorboard])") from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
