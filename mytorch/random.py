"""``mytorch.random``: the seeding API under PyTorch's module path (``torch.random.manual_seed``)."""
from .ops.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                         set_rng_state)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state"]
