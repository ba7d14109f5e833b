"""mytorch.utils.data: datasets, samplers and the DataLoader."""
from .dataloader import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .sampler import *  # noqa: F401,F403
from .distributed import *  # noqa: F401,F403
