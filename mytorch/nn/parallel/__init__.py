"""``mytorch.nn.parallel``: PyTorch's single-process data parallelism, as it behaves without GPUs, and
DistributedDataParallel over the processes of mytorch.distributed."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]
