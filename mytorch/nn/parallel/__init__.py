"""``mytorch.nn.parallel``: PyTorch's single-process data parallelism, as it behaves without GPUs."""
from .data_parallel import DataParallel, data_parallel

__all__ = ["DataParallel", "data_parallel"]
