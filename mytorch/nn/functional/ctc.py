"""`ctc_loss`: PyTorch's signature, argument checks and errors around the CTC kernel (`mytorch.ops.ctc_loss`).

Targets come padded (N, S) or concatenated (sum of target_lengths,); the lengths as integer tensors
(any integer dtype, any shape with N elements) or sequences of ints. The kernel gives each sample's
negative log-likelihood; ``zero_infinity`` replaces infinite ones by 0 and ``reduction`` then keeps them
("none"), adds them ("sum") or averages them after dividing each by its target length, at least 1 ("mean").
"""
from __future__ import annotations

from typing import Sequence

from ... import _dtype as D
from ..._tensor import Tensor
from ...ops._autocast import FP32, autocast_policy
from ...ops.binary import where
from ...ops.creation import tensor
from ...ops.ctc_loss import CTCLoss
from .loss import _REDUCTIONS

__all__ = ["ctc_loss"]

_WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"

_INTEGRAL = (D.uint8, D.int8, D.int16, D.int32, D.int64)

Lengths = Tensor | Sequence[int]


def _lengths(lengths: Lengths, name: str) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.dtype not in _INTEGRAL:
            raise RuntimeError(f"{name} must be integral")
        return [int(v) for v in lengths.reshape(-1).tolist()]
    return [int(v) for v in lengths]


def _check_lengths(input_lengths: list[int], target_lengths: list[int], targets: Tensor, n_frames: int,
                   batch: int) -> None:
    """PyTorch's checks, in its order, each naming the argument and the bound it broke."""
    if len(input_lengths) != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(target_lengths) != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in target_lengths:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {v}{_WHERE}")
    if targets.ndim == 1:
        if targets.shape[0] != sum(target_lengths):
            raise RuntimeError(f"Expected tensor to have size {sum(target_lengths)} at dimension 0, but got size "
                               f"{targets.shape[0]} for argument #2 'targets'{_WHERE}")
    else:
        if targets.shape[0] != batch:
            raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got size "
                               f"{targets.shape[0]} for argument #2 'targets'{_WHERE}")
        longest = max(target_lengths, default=0)
        if targets.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                               f"{targets.shape[1]} for argument #2 'targets'{_WHERE}")
    for v in input_lengths:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {v}{_WHERE}")
        if v > n_frames:
            raise RuntimeError(f"Expected input_lengths to have value at most {n_frames}, but got value {v}{_WHERE}")


def _check_labels(targets: Tensor, target_lengths: list[int], n_classes: int) -> None:
    """Labels outside [0, C): PyTorch's CPU kernel reads memory it does not own there; this raises."""
    rows = zip(targets.tolist(), target_lengths) if targets.ndim == 2 else [(targets.tolist(), len(targets))]
    for row, n in rows:
        for label in row[:n]:
            if not 0 <= label < n_classes:
                raise IndexError(f"ctc_loss(): target label {label} is out of bounds for log_probs with "
                                 f"{n_classes} classes")


@autocast_policy(FP32)
def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Lengths, target_lengths: Lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss of targets under log_probs (T, N, C), or (T, C) for one unbatched sample.

    loss_n = -log sum over alignments a of l_n of prod_t exp(log_probs[t, n, a_t]) (see `mytorch.ops.ctc_loss`
    for the recursions and the gradient); reductions as in the module docstring.
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    batched = log_probs.ndim == 3
    if not batched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.dtype not in (D.float32, D.float64):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{log_probs.dtype.scalar_name}'")
    if log_probs.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor for "
                           f"argument #1 'log_probs'{_WHERE}")
    if not 1 <= targets.ndim <= 2:
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional tensor for "
                           f"argument #2 'targets'{_WHERE}")
    n_frames, batch, n_classes = log_probs.shape
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    _check_lengths(il, tl, targets, n_frames, batch)
    targets = targets.detach().to(D.int64)
    if targets.ndim == 2:
        targets = targets[:, :max(tl, default=0)]
    _check_labels(targets, tl, n_classes)
    lengths = tensor([il, tl], dtype=D.int64, device=log_probs.device)
    loss = CTCLoss.apply(log_probs, targets, lengths[0], lengths[1], blank, zero_infinity)
    if zero_infinity:
        loss = where(loss == float("inf"), 0.0, loss)
    if reduction == "mean":
        return (loss / lengths[1].clamp_min(1).to(loss.dtype)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss if batched else loss.squeeze(0)
