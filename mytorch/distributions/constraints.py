"""Constraints: where a distribution's parameters and values may lie, each a check that returns a bool
tensor, printed as PyTorch prints them (they appear in its error messages)."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor


class Constraint:
    """A set of values; ``check(x)`` is elementwise membership."""

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__[1:] + "()"


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return value == value  # not NaN


class _Boolean(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)


class _Interval(Constraint):
    """lower_bound <= x <= upper_bound (strict where open), for reals or integers."""

    def __init__(self, lower_bound: float | None, upper_bound: float | None, name: str, strict_lower: bool = False,
                 strict_upper: bool = False, integer: bool = False) -> None:
        self.lower_bound, self.upper_bound, self.name = lower_bound, upper_bound, name
        self.strict_lower, self.strict_upper, self.integer = strict_lower, strict_upper, integer

    def check(self, value: Tensor) -> Tensor:
        ok = value == value
        if self.integer:
            ok = ok & (value % 1 == 0)
        if self.lower_bound is not None:
            ok = ok & ((value > self.lower_bound) if self.strict_lower else (value >= self.lower_bound))
        if self.upper_bound is not None:
            ok = ok & ((value < self.upper_bound) if self.strict_upper else (value <= self.upper_bound))
        return ok

    def __repr__(self) -> str:
        bounds = [f"{k}={v}" for k, v in (("lower_bound", self.lower_bound), ("upper_bound", self.upper_bound))
                  if v is not None]
        return f"{self.name}({', '.join(bounds)})"


class _Simplex(Constraint):
    """Nonnegative entries along the last dim that sum to 1."""

    def check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _Dependent(Constraint):
    """A support that depends on the parameters (Uniform's [low, high)): checked by the distribution."""

    def check(self, value: Tensor) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


real = _Real()
boolean = _Boolean()
simplex = _Simplex()
dependent = _Dependent()
positive = _Interval(0.0, None, "GreaterThan", strict_lower=True)
nonnegative = _Interval(0.0, None, "GreaterThanEq")
unit_interval = _Interval(0.0, 1.0, "Interval")
nonnegative_integer = _Interval(0, None, "IntegerGreaterThan", integer=True)


def integer_interval(lower_bound: int, upper_bound: int) -> Constraint:
    """The constraint lower_bound <= x <= upper_bound on integers."""
    return _Interval(lower_bound, upper_bound, "IntegerInterval", integer=True)


def greater_than(lower_bound: float) -> Constraint:
    """The constraint x > lower_bound."""
    return _Interval(lower_bound, None, "GreaterThan", strict_lower=True)


def half_open_interval(lower_bound: Any, upper_bound: Any) -> Constraint:
    """The constraint lower_bound <= x < upper_bound."""
    return _Interval(lower_bound, upper_bound, "HalfOpenInterval", strict_upper=True)
