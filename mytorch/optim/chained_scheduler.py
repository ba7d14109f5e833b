"""ChainedScheduler: several schedulers of one optimizer stepped together, each scaling the lr the previous
one left (the chainable form every scheduler steps by), so their factors multiply."""
from __future__ import annotations

from typing import Sequence

from .lr_scheduler import LRScheduler, SequentialLR, _check_schedulers
from .optimizer import Optimizer

__all__ = ["ChainedScheduler"]


class ChainedScheduler(LRScheduler):
    """``ChainedScheduler(schedulers, optimizer=None)``: each `step` steps every scheduler in order."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be chained, but got no "
                             "scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(type(self).__name__, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._group_lrs()

    def step(self) -> None:  # type: ignore[override]
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._group_lrs()

    # the sub-schedulers' states nest under "_schedulers", as SequentialLR keeps them
    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict
