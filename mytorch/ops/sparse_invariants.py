"""``torch.sparse.check_sparse_tensor_invariants``: the switch that makes the sparse constructors check what
PyTorch checks only on request.

mytorch's constructors always check what would otherwise let an op read outside the stored arrays (index
ranges, pointer bounds and monotonicity, sizes), with PyTorch's messages. The switch (or a constructor's
``check_invariants=True``) adds PyTorch's remaining invariants: a COO tensor said to be coalesced lists
sorted, distinct positions; a compressed one's plain indices are sorted and distinct within each line.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

_enabled = [False]


def checking(check_invariants: bool | None) -> bool:
    """Whether a constructor given `check_invariants` checks the optional invariants: the argument when
    given, else the global switch."""
    return _enabled[0] if check_invariants is None else bool(check_invariants)


class check_sparse_tensor_invariants:
    """Turn the optional sparse invariant checks on (or off, with ``enable=False``): a context manager, a
    decorator (``@check_sparse_tensor_invariants()``), or, through its static methods, a global switch.
    A constructor's ``check_invariants=`` argument overrides it."""

    @staticmethod
    def is_enabled() -> bool:
        """Whether the checks are on (off by default, as in PyTorch)."""
        return _enabled[0]

    @staticmethod
    def enable() -> None:
        """Turn the checks on for every later construction."""
        _enabled[0] = True

    @staticmethod
    def disable() -> None:
        """Turn the checks off."""
        _enabled[0] = False

    def __init__(self, enable: bool = True) -> None:
        self.state = enable
        self.saved_state: bool | None = None

    def __enter__(self) -> None:
        if self.saved_state is not None:
            raise RuntimeError("This context manager instance is already activated. Use a different context "
                               "manager instance for context nesting.")
        self.saved_state = _enabled[0]
        _enabled[0] = self.state

    def __exit__(self, *exc: Any) -> None:
        _enabled[0], self.saved_state = self.saved_state, None

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def checked(*args: Any, **kwargs: Any) -> Any:
            with type(self)(self.state):
                return fn(*args, **kwargs)
        return checked
