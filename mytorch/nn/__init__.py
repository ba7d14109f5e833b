"""mytorch.nn: modules, functional, init and utilities, with PyTorch's names."""
from . import functional, init, utils
from .module import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .parameter import *  # noqa: F401,F403
from . import parallel  # noqa: E402  (after Module: DataParallel is one)
from .parallel import DataParallel  # noqa: E402,F401
