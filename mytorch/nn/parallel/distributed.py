"""DistributedDataParallel: one model replica per process, gradients averaged over the process group.

Each rank runs forward and backward on its own part of the batch. Averaging the gradients makes every
rank take the same optimizer step, the step one process would take on the whole batch (for a loss that
is a mean over the batch):

    grad = (1 / N) * sum_r grad_r

How the averaging overlaps backward: the parameters are grouped into buckets of about `bucket_cap_mb`
megabytes (by default, as in PyTorch, 1 MiB for the first bucket and 25 MiB for the others), in reverse
registration order (roughly the order backward produces their gradients). A hook on each parameter fires
when its gradient has been accumulated; when the last gradient of a bucket is in, the bucket's gradients
are copied into one flat buffer and a non-blocking all-reduce of it starts, while backward goes on
computing the earlier layers' gradients. A callback queued on the autograd engine
runs when backward ends: it waits for every bucket, divides by N and copies the averages back into
``.grad``.

At construction, rank 0's parameters and buffers are broadcast, so all replicas start equal; with
``broadcast_buffers`` (the default) rank 0's buffers (BatchNorm statistics) are broadcast again before
each forward. ``no_sync()`` skips the averaging (gradient accumulation: the gradients of several
backward passes add up locally and are averaged by the first backward outside the block).
``find_unused_parameters`` marks the parameters a forward did not use as ready (with zero gradients),
found by walking the autograd graph from the outputs; without it such a parameter leaves its bucket
incomplete, which is an error at the end of backward, as in PyTorch.

How much of the averaging backward hides: ``ddp.comm_stats`` (a `CommStats`) adds up, over the synced
backward passes, how long each bucket's all-reduce was in flight (from its launch to the end of its wait)
and how long the end of backward waited for it. The wait is the part backward did not hide:

    hidden = 1 - sum(wait) / sum(in flight)

1 when every all-reduce had finished before backward ended, 0 when none had progressed.
"""
from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any, Iterator

from ...distributed.collectives import all_reduce, broadcast
from ...distributed.process_group import get_world_size, is_initialized
from ..._tensor import Tensor
from ...autograd import engine
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...ops.creation import zeros
from ..module import Module


@dataclass
class CommStats:
    """Counters of the gradient all-reduces of `DistributedDataParallel`, summed since construction or the
    last `reset` (see the module docstring). Reading them costs nothing; keeping them, two clock reads per
    bucket and step."""
    steps: int = 0  # backward passes that averaged gradients (not those under no_sync)
    all_reduces: int = 0  # bucket all-reduces completed: steps * number of buckets
    in_flight_s: float = 0.0  # seconds from each all-reduce's launch to the end of its wait, summed
    wait_s: float = 0.0  # seconds the end of backward spent waiting for them, summed

    @property
    def hidden_fraction(self) -> float:
        """The fraction of all-reduce time overlapped with backward, 1 - wait / in flight (nan before any)."""
        return 1.0 - self.wait_s / self.in_flight_s if self.in_flight_s > 0 else math.nan

    def reset(self) -> None:
        """Zero every counter (after a warm-up, say)."""
        self.steps, self.all_reduces, self.in_flight_s, self.wait_s = 0, 0, 0.0, 0.0


class _Bucket:
    """Parameters whose gradients are averaged together through one flat buffer."""

    def __init__(self, params: list) -> None:
        self.params = params
        self.offsets = []
        total = 0
        for p in params:
            self.offsets.append(total)
            total += p.numel()
        self.flat = zeros(total, dtype=params[0].dtype, device=params[0].device)
        self.pending = len(params)
        self.work = None
        self.launched = 0.0  # time.perf_counter() when the all-reduce started

    def launch(self, group: Any) -> None:
        with no_grad():
            for p, o in zip(self.params, self.offsets):
                part = self.flat[o:o + p.numel()]
                part.copy_(p.grad.reshape(-1)) if p.grad is not None else part.zero_()
        self.work = all_reduce(self.flat, group=group, async_op=True)
        self.launched = time.perf_counter()

    def finish(self, world: int, stats: CommStats) -> None:
        waiting = time.perf_counter()
        self.work.wait()
        done = time.perf_counter()
        stats.all_reduces += 1
        stats.in_flight_s += done - self.launched
        stats.wait_s += done - waiting
        with no_grad():
            self.flat.div_(world)
            for p, o in zip(self.params, self.offsets):
                average = self.flat[o:o + p.numel()].view(p.shape)
                if p.grad is None:
                    p.grad = average.clone()
                else:
                    p.grad.copy_(average)
        self.work = None
        self.pending = len(self.params)


class DistributedDataParallel(Module):
    """Wrap `module` so that its gradients are averaged over the process group in backward (see the
    module docstring). ``ddp.module`` is the wrapped module; state_dict keys carry the ``module.`` prefix;
    ``ddp.comm_stats`` counts the all-reduces and how much of their time backward hid (`CommStats`)."""

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **kwargs: Any) -> None:
        super().__init__()
        if not is_initialized():
            raise ValueError("DistributedDataParallel: Default process group has not been initialized, please "
                             "make sure to call init_process_group.")
        self.module = module
        self.process_group = process_group
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self._world = get_world_size(process_group)
        self._params = [p for p in module.parameters() if p.requires_grad]
        if not self._params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._sync_initial_state()
        # PyTorch's default: a first bucket of 1 MiB, so the first all-reduce starts early in backward, then 25 MiB
        caps = (1.0, 25.0) if bucket_cap_mb is None else (bucket_cap_mb, bucket_cap_mb)
        self._buckets, self._bucket_of = self._make_buckets(*caps)
        self._callback_queued = False
        self.comm_stats = CommStats()
        for p in self._params:
            p.register_post_accumulate_grad_hook(self._grad_ready)

    def _sync_initial_state(self) -> None:
        with no_grad():
            for t in list(self.module.parameters()) + [b for b in self.module.buffers() if b is not None]:
                broadcast(t, src=self._root(), group=self.process_group)

    def _root(self) -> int:
        group = self.process_group
        return 0 if group is None else group.ranks[0]

    def _make_buckets(self, first_mb: float, cap_mb: float) -> tuple[list[_Bucket], dict[int, _Bucket]]:
        groups: list[list] = []
        size = 0
        for p in reversed(self._params):  # backward tends to produce the last layer's gradients first
            nbytes = p.numel() * p.element_size()
            cap = (first_mb if len(groups) == 1 else cap_mb) * 1024 * 1024
            if not groups or size + nbytes > cap and groups[-1] or groups[-1][0].dtype != p.dtype:
                groups.append([])
                size = 0
            groups[-1].append(p)
            size += nbytes
        buckets = [_Bucket(ps) for ps in groups]
        return buckets, {id(p): b for b in buckets for p in b.params}

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self.broadcast_buffers and self.training:
            with no_grad():
                for b in self.module.buffers():
                    if b is not None:
                        broadcast(b, src=self._root(), group=self.process_group)
        out = self.module(*inputs, **kwargs)
        if self.find_unused_parameters and self._syncing():
            self._mark_unused(out)
        return out

    def _syncing(self) -> bool:
        return self.require_backward_grad_sync and is_grad_enabled()

    def _mark_unused(self, out: Any) -> None:
        """Parameters no output depends on: ready now (their bucket slots read zeros)."""
        used = {id(t) for t in _leaves_reached(out)}
        self._unused = [p for p in self._params if id(p) not in used]

    def _grad_ready(self, p: Tensor) -> None:
        if not self.require_backward_grad_sync:
            return
        if not self._callback_queued:
            self._callback_queued = True
            engine.queue_callback(self._finish_backward)
            for q in getattr(self, "_unused", ()):
                self._count(q)
        self._count(p)
        for b in self._buckets:  # let MPI progress the reductions already in flight
            if b.work is not None:
                b.work.is_completed()

    def _count(self, p: Tensor) -> None:
        bucket = self._bucket_of[id(p)]
        bucket.pending -= 1
        if bucket.pending == 0:
            bucket.launch(self.process_group)

    def _finish_backward(self) -> None:
        self._callback_queued = False
        self._unused = []
        incomplete = [b for b in self._buckets if b.work is None]
        if len(incomplete) < len(self._buckets):
            self.comm_stats.steps += 1
        for b in self._buckets:
            if b.work is not None:
                b.finish(self._world, self.comm_stats)
        if incomplete:
            for b in incomplete:
                b.pending = len(b.params)
            missing = [name for name, p in self.module.named_parameters()
                       if any(p is q for b in incomplete for q in b.params) and p.grad is None]
            raise RuntimeError("DistributedDataParallel: some parameters did not receive a gradient in this "
                               f"backward pass ({', '.join(missing[:8]) or 'unknown'}), so their buckets were "
                               "never reduced. Pass find_unused_parameters=True to DistributedDataParallel, or "
                               "make sure every parameter takes part in computing the loss.")

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside the block accumulate gradients locally, without averaging."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _leaves_reached(out: Any) -> list[Tensor]:
    """The leaf tensors the autograd graph of `out` (tensors, possibly nested in tuples/lists/dicts) reaches."""
    stack = [t.grad_fn for t in _tensors_in(out) if t.grad_fn is not None]
    seen, leaves = set(), []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.append(variable)
        stack.extend(fn for fn, _ in node.next_functions)
    return leaves


def _tensors_in(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors_in(o)]
    return []


__all__ = ["DistributedDataParallel", "CommStats"]
