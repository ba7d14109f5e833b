"""Collectives: every rank of a group calls the same function, and tensors move between them over MPI.

    all_reduce      every rank ends with op(x_0, ..., x_{N-1})            (SUM, AVG, PRODUCT, MIN, MAX)
    broadcast       every rank ends with src's tensor
    reduce          dst ends with op(x_0, ..., x_{N-1})
    all_gather      every rank ends with [x_0, ..., x_{N-1}]
    reduce_scatter  rank r ends with chunk r of op(x_0, ..., x_{N-1})
    gather/scatter  dst collects every rank's tensor / src hands out one tensor to each rank
    send/recv       point to point

Tensors are handed to MPI as host arrays on their own memory (a contiguous staging copy for strided
tensors, copied back when the collective ends), and results are written in place, as in PyTorch.
Every call starts a non-blocking MPI operation and returns a `Work`; ``async_op=False`` (the default)
waits for it at once. Waiting polls the operation with a deadline, the group's timeout, so a partner
that never arrives becomes a RuntimeError naming the collective instead of a hang.

Python objects (``all_gather_object``, ``broadcast_object_list``) travel pickled; like PyTorch's, these
unpickle what other ranks of the job send, so use them only among trusted processes.
"""
from __future__ import annotations

import array
import pickle
import time
from typing import Any, Callable, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .process_group import ProcessGroup, _mpi, _resolve


class ReduceOp:
    """How values combine: SUM, AVG (the sum divided by the group size), PRODUCT, MIN, MAX."""
    SUM, AVG, PRODUCT, MIN, MAX = "sum", "avg", "product", "min", "max"


def _mpi_op(op: str, dt: D.dtype) -> Any:
    MPI = _mpi()
    if dt is D.bool_:  # PyTorch treats bools as logic: sum and max are "or", product and min are "and"
        return {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR, ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND}[op]
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX}[op]


class Work:
    """A collective in flight: ``wait()`` blocks until it is done on this rank (or the timeout passes),
    then finishes it (copies staged results into the tensors)."""

    def __init__(self, requests: list, op: str, group: ProcessGroup, finish: Callable[[], Any] | None = None) -> None:
        self._requests, self._op, self._group, self._finish = requests, op, group, finish
        self._done, self._result = False, None
        self.statuses = [_mpi().Status() for _ in requests]  # who sent what, for receives

    def is_completed(self) -> bool:
        return self._done or _mpi().Request.Testall(self._requests)

    def wait(self, timeout: Any = None) -> bool:
        if self._done:
            return True
        limit = (timeout or self._group.timeout).total_seconds()
        deadline, pause = time.monotonic() + limit, 1e-5
        while not _mpi().Request.Testall(self._requests, self.statuses):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self._op}: timed out after {limit:g} s on rank {self._group.rank()} of "
                                   f"{self._group.size()} (ranks {self._group.ranks}): a rank did not reach this "
                                   "collective (it may have stalled, died or called another one)")
            time.sleep(pause)  # yield the core to the ranks still computing (several may share one)
            pause = min(pause * 2, 1e-3)
        self._done = True
        if self._finish is not None:
            self._result = self._finish()
        return True

    def result(self) -> Any:
        self.wait()
        return self._result


def _start(requests: list, op: str, group: ProcessGroup, async_op: bool, finish: Callable[[], Any] | None = None):
    work = Work(requests, op, group, finish)
    if async_op:
        return work
    work.wait()
    return work._result


class _Staged:
    """A tensor as an MPI buffer: a contiguous host array on its memory, or a staging copy that `commit`
    writes back. Half types travel as float32 (MPI has no 16-bit float type)."""

    def __init__(self, t: Tensor) -> None:
        self.tensor = t
        self.host = t._backend.to_host(t._data)
        self.wide = t.dtype in (D.float16, D.bfloat16)
        if self.wide:
            self.buf = self.host.astype("float32")
        elif self.host.flags.c_contiguous and self.host.flags.writeable:
            self.buf = self.host
        else:
            self.buf = self.host.copy()

    def commit(self) -> None:
        if self.buf is not self.host:
            self.tensor.copy_(Tensor._make(self.tensor._backend.from_host(self.buf, self.tensor.dtype),
                                           self.tensor._backend))
        self.tensor._version_counter[0] += 1


def _group_rank(group: ProcessGroup, rank: int, op: str, name: str) -> int:
    if rank not in group.ranks:
        raise ValueError(f"{op}: {name} {rank} is not in the group (ranks {group.ranks})")
    return group.ranks.index(rank)


def all_reduce(tensor: Tensor, op: str = ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """tensor <- op over the group of every rank's tensor (in place)."""
    g = _resolve(group, "all_reduce")
    if g is None:
        return None
    s = _Staged(tensor)
    req = g.comm.Iallreduce(_mpi().IN_PLACE, s.buf, _mpi_op(op, tensor.dtype))

    def finish() -> None:
        s.commit()
        if op == ReduceOp.AVG:
            with no_grad():
                tensor.div_(g.size()) if tensor.dtype.is_floating_point else tensor.floor_divide_(g.size())
    return _start([req], "all_reduce", g, async_op, finish)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None):
    """Every rank's tensor <- the tensor of global rank `src` (or group rank `group_src`)."""
    g = _resolve(group, "broadcast")
    if g is None:
        return None
    root = group_src if group_src is not None else _group_rank(g, 0 if src is None else src, "broadcast", "src")
    s = _Staged(tensor)
    return _start([g.comm.Ibcast(s.buf, root=root)], "broadcast", g, async_op, s.commit)


def reduce(tensor: Tensor, dst: int | None = None, op: str = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None):
    """Rank `dst`'s tensor <- op over the group; the others' tensors are unchanged."""
    g = _resolve(group, "reduce")
    if g is None:
        return None
    root = group_dst if group_dst is not None else _group_rank(g, 0 if dst is None else dst, "reduce", "dst")
    s = _Staged(tensor)
    MPI = _mpi()
    if g.rank() == root:
        req = g.comm.Ireduce(MPI.IN_PLACE, s.buf, _mpi_op(op, tensor.dtype), root=root)
    else:
        req = g.comm.Ireduce(s.buf, None, _mpi_op(op, tensor.dtype), root=root)

    def finish() -> None:
        if g.rank() == root:
            s.commit()
            if op == ReduceOp.AVG:
                with no_grad():
                    tensor.div_(g.size())
    return _start([req], "reduce", g, async_op, finish)


def _check_sizes(op: str, tensors: Sequence[Tensor], like: Tensor, count: int) -> None:
    if len(tensors) != count:
        raise ValueError(f"{op}: expected a list of {count} tensors (one per rank), got {len(tensors)}")
    for t in tensors:
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{op}: every tensor must have shape {tuple(like.shape)} and dtype {like.dtype}, "
                             f"got {tuple(t.shape)} {t.dtype}")


def _stacked(like: Tensor, count: int) -> Tensor:
    from ..ops.creation import empty  # function level: ops sit beside this package
    return empty((count, *like.shape), dtype=like.dtype, device=like.device)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """tensor_list[r] <- rank r's tensor, on every rank."""
    g = _resolve(group, "all_gather")
    if g is None:
        return None
    _check_sizes("all_gather", tensor_list, tensor, g.size())
    out = _stacked(tensor, g.size())
    src, dst = _Staged(tensor), _Staged(out)
    req = g.comm.Iallgather(src.buf, dst.buf)

    def finish() -> None:
        dst.commit()
        with no_grad():
            for r, t in enumerate(tensor_list):
                t.copy_(out[r])
    return _start([req], "all_gather", g, async_op, finish)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False):
    """output <- the ranks' inputs concatenated along dim 0 (or stacked, for an output of one more dim)."""
    g = _resolve(group, "all_gather_into_tensor")
    if g is None:
        return None
    if output_tensor.numel() != input_tensor.numel() * g.size():
        raise ValueError(f"all_gather_into_tensor: output of {output_tensor.numel()} elements for {g.size()} inputs "
                         f"of {input_tensor.numel()}: expected {input_tensor.numel() * g.size()}")
    src, dst = _Staged(input_tensor), _Staged(output_tensor)
    return _start([g.comm.Iallgather(src.buf, dst.buf)], "all_gather_into_tensor", g, async_op, dst.commit)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: str = ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False):
    """output on rank r <- chunk r (along dim 0) of op over the ranks' inputs."""
    g = _resolve(group, "reduce_scatter_tensor")
    if g is None:
        return None
    if input.numel() != output.numel() * g.size():
        raise ValueError(f"reduce_scatter_tensor: input of {input.numel()} elements for {g.size()} outputs of "
                         f"{output.numel()}: expected {output.numel() * g.size()}")
    src, dst = _Staged(input), _Staged(output)
    req = g.comm.Ireduce_scatter_block(src.buf, dst.buf, _mpi_op(op, input.dtype))

    def finish() -> None:
        dst.commit()
        if op == ReduceOp.AVG:
            with no_grad():
                output.div_(g.size())
    return _start([req], "reduce_scatter_tensor", g, async_op, finish)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0, group: ProcessGroup | None = None,
           async_op: bool = False):
    """gather_list[r] on rank `dst` <- rank r's tensor."""
    g = _resolve(group, "gather")
    if g is None:
        return None
    root = _group_rank(g, dst, "gather", "dst")
    src = _Staged(tensor)
    if g.rank() != root:
        return _start([g.comm.Igather(src.buf, None, root=root)], "gather", g, async_op)
    _check_sizes("gather", gather_list or [], tensor, g.size())
    out = _stacked(tensor, g.size())
    staged = _Staged(out)

    def finish() -> None:
        staged.commit()
        with no_grad():
            for r, t in enumerate(gather_list):
                t.copy_(out[r])
    return _start([g.comm.Igather(src.buf, staged.buf, root=root)], "gather", g, async_op, finish)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0, group: ProcessGroup | None = None,
            async_op: bool = False):
    """tensor on rank r <- scatter_list[r] of rank `src`."""
    g = _resolve(group, "scatter")
    if g is None:
        return None
    root = _group_rank(g, src, "scatter", "src")
    dst = _Staged(tensor)
    send = None
    if g.rank() == root:
        _check_sizes("scatter", scatter_list or [], tensor, g.size())
        from ..ops.joining import stack  # function level: ops sit beside this package
        send = _Staged(stack([t.detach() for t in scatter_list])).buf
    return _start([g.comm.Iscatter(send, dst.buf, root=root)], "scatter", g, async_op, dst.commit)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None):
    """Wait until every rank of the group has called barrier."""
    g = _resolve(group, "barrier")
    if g is None:
        return None
    return _start([g.comm.Ibarrier()], "barrier", g, async_op)


_TAG_BASE = 1000  # user tags live above the tags MPI might use internally on our duplicated communicator


def isend(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> Work | None:
    """Start sending tensor to global rank `dst`; ``wait()`` on the result."""
    g = _resolve(group, "isend")
    if g is None:
        return None
    s = _Staged(tensor)
    return Work([g.comm.Isend(s.buf, dest=_group_rank(g, dst, "isend", "dst"), tag=_TAG_BASE + tag)], "send", g)


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> Work | None:
    """Start receiving into tensor from global rank `src` (any rank when None); ``wait()`` on the result,
    whose ``result()`` is the sender's global rank."""
    g = _resolve(group, "irecv")
    if g is None:
        return None
    MPI = _mpi()
    s = _Staged(tensor)
    source = MPI.ANY_SOURCE if src is None else _group_rank(g, src, "irecv", "src")
    work = Work([g.comm.Irecv(s.buf, source=source, tag=_TAG_BASE + tag)], "recv", g)

    def finish() -> int:
        s.commit()
        return g.ranks[work.statuses[0].Get_source()]
    work._finish = finish
    return work


def send(tensor: Tensor, dst: int, group: ProcessGroup | None = None, tag: int = 0) -> None:
    """Send `tensor` to rank `dst` and wait until it left (a blocking isend)."""
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0) -> int:
    """Receive into tensor; returns the sender's global rank (-1 outside the group)."""
    work = irecv(tensor, src, group, tag)
    return -1 if work is None else work.result()


def _bytes_of(obj: Any) -> bytearray:
    return bytearray(pickle.dumps(obj))


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """object_list[r] <- rank r's (picklable) object, on every rank."""
    g = _resolve(group, "all_gather_object")
    if g is None:
        return
    if len(object_list) != g.size():
        raise ValueError(f"all_gather_object: object_list must have {g.size()} entries (one per rank), got "
                         f"{len(object_list)}")
    payload = _bytes_of(obj)
    sizes = array.array("q", [0] * g.size())
    _start([g.comm.Iallgather(array.array("q", [len(payload)]), sizes)], "all_gather_object", g, False)
    received = bytearray(sum(sizes))
    counts = list(sizes)
    offsets = [sum(counts[:r]) for r in range(len(counts))]
    _start([g.comm.Iallgatherv(payload, [received, counts, offsets, _mpi().BYTE])], "all_gather_object", g, False)
    for r in range(g.size()):
        object_list[r] = pickle.loads(bytes(received[offsets[r]:offsets[r] + counts[r]]))


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """object_list <- rank src's object_list (same length on every rank), in place."""
    g = _resolve(group, "broadcast_object_list")
    if g is None:
        return
    root = group_src if group_src is not None else _group_rank(g, 0 if src is None else src,
                                                                "broadcast_object_list", "src")
    payload = _bytes_of(list(object_list)) if g.rank() == root else bytearray()
    size = array.array("q", [len(payload)])
    _start([g.comm.Ibcast(size, root=root)], "broadcast_object_list", g, False)
    if g.rank() != root:
        payload = bytearray(size[0])
    _start([g.comm.Ibcast(payload, root=root)], "broadcast_object_list", g, False)
    if g.rank() != root:
        object_list[:] = pickle.loads(bytes(payload))


__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "reduce_scatter_tensor", "gather", "scatter", "barrier", "isend", "irecv", "send", "recv",
           "all_gather_object", "broadcast_object_list"]
