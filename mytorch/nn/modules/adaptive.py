"""AdaptiveLogSoftmaxWithLoss (Grave et al., 2017, "Efficient softmax approximation for GPUs"): a softmax over many
classes, cheap when the classes are sorted by frequency.

The classes split at `cutoffs` c_0 < c_1 < ... into a shortlist [0, c_0) and clusters [c_{i-1}, c_i). A head
linear layer scores the shortlist classes and one token per cluster; cluster i has its own two-layer projection
(in_features -> in_features / div_value^(i+1) -> its size), so rare classes cost less. For input x:

    log p(y | x) = log_softmax(head(x))[y]                                       y in the shortlist
    log p(y | x) = log_softmax(head(x))[c_0 + i] + log_softmax(tail_i(x))[y - c_{i-1}]   y in cluster i

forward(input, target) returns (output, loss): output[n] = log p(target[n] | input[n]), loss = -mean(output).
The derivatives are those of log_softmax, gather and the linear layers.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Sequence

from ..._tensor import Tensor
from ...ops.joining import cat
from ...ops.binary import where
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from ..module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """The adaptive softmax of the module docstring: `head` scores the shortlist and the clusters, `tail[i]` the
    classes of cluster i. forward(input (N, in_features) or (in_features,), target (N,) or ()) gives
    (output, loss); log_prob(input) the full (N, n_classes) log-probabilities; predict(input) their argmax."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes, self.div_value, self.head_bias = in_features, n_classes, div_value, head_bias
        self.cutoffs = cutoffs + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            self.tail.append(Sequential(
                Linear(in_features, hidden, bias=False, device=device, dtype=dtype),
                Linear(hidden, self.cutoffs[i + 1] - self.cutoffs[i], bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Re-draw every linear layer's weights as at construction."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def _check(self, input: Tensor, target: Tensor) -> None:
        if target.ndim == 1:
            if input.shape[0] != target.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input.shape}")
        elif target.ndim == 0:
            if input.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input.shape}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{int(target.min())}, {int(target.max())}] were found. ")

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        """(output, loss): output[n] = log p(target[n] | input[n]) (module docstring), loss = -mean(output)."""
        self._check(input, target)
        batched = target.ndim > 0
        x, t = (input, target) if batched else (input.unsqueeze(0), target.unsqueeze(0))
        cluster = sum((t >= c).long() for c in self.cutoffs[:-1])  # 0: the shortlist, i: cluster i
        output = x.new_zeros(t.shape[0])
        for i in range(1, self.n_clusters + 1):
            rows = (cluster == i).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            logprob = F.log_softmax(self.tail[i - 1](x.index_select(0, rows)), dim=1)
            local = (t.index_select(0, rows) - self.cutoffs[i - 1]).unsqueeze(1)
            output = output.index_add(0, rows, logprob.gather(1, local).squeeze(1))
        head_index = where(cluster == 0, t, cluster + (self.shortlist_size - 1))
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = output + head_logprob.gather(1, head_index.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, tail in enumerate(self.tail):
            token = self.shortlist_size + i
            parts.append(F.log_softmax(tail(input), dim=1) + head_logprob[:, token:token + 1])
        return cat(parts, dim=1)

    def log_prob(self, input: Tensor) -> Tensor:
        """log p(c | input[n]) for every class c: (N, n_classes)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row of input (N,): the head's argmax where it is a shortlist class
        (no cluster class can score higher), else the argmax of the full log-probabilities."""
        head_output = self.head(input)
        best = head_output.argmax(1)
        far = best >= self.shortlist_size
        if not bool(far.any()):
            return best
        return where(far, self._full_log_prob(input, head_output).argmax(1), best)
