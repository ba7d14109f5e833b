"""Helpers the distributions share: broadcasting parameters, and moving between probabilities and logits."""
from __future__ import annotations

from typing import Any

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import tensor
from ..ops.joining import broadcast_tensors


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The parameters as tensors of one broadcast shape; numbers take the dtype of the tensors among them
    (the default float dtype when there are none)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None and like.dtype.is_floating_point else D.get_default_dtype()
    as_tensors = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype) for v in values]
    return tuple(broadcast_tensors(*as_tensors))


def clamp_probs(probs: Tensor) -> Tensor:
    """probs clamped into [eps, 1 - eps], eps the dtype's machine epsilon: a log of them stays finite."""
    eps = D.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log p (log-odds log p - log(1 - p) for a binary event), after clamp_probs."""
    p = clamp_probs(probs)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(l) for a binary event, softmax(l) along the last dim otherwise."""
    return logits.sigmoid() if is_binary else logits.softmax(-1)


class lazy_property:
    """An attribute computed from the others on first read and then kept in the instance (a distribution
    given logits makes its probs only when asked, and the other way round)."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.name, self.__doc__ = fn, fn.__name__, fn.__doc__

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value
