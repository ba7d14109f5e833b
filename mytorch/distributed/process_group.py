"""The process group: which processes train together, over MPI.

``mpiexec -n N python train.py`` (or ``mytorch launch -n N train.py``) starts N copies of a script;
MPI gives each its rank (0 .. N-1) and a communicator, MPI_COMM_WORLD, over which the collectives
(collectives.py) move tensors. `init_process_group` wraps that communicator; `new_group` makes
sub-communicators of some ranks.

No process hangs: every collective waits with a deadline (the group's `timeout`) and raises an error
naming the collective when it passes; an uncaught exception on any rank prints that rank's traceback and
aborts the whole job (MPI_Abort), so the other ranks do not wait for a partner that is gone. A rank that
dies is noticed by the MPI launcher, which ends the job.
"""
from __future__ import annotations

import datetime
import os
import sys
import traceback
from typing import Any, Sequence

# Backends this package serves: "mpi", and "gloo" (the CPU backend PyTorch scripts name) through MPI too.
_BACKENDS = ("mpi", "gloo")
default_pg_timeout = datetime.timedelta(minutes=30)


class Backend(str):
    """Backend names: ``Backend.MPI``, ``Backend.GLOO`` (served by MPI)."""
    MPI = "mpi"
    GLOO = "gloo"


class ProcessGroup:
    """A set of ranks and the MPI communicator that connects them."""

    def __init__(self, comm: Any, ranks: Sequence[int], timeout: datetime.timedelta, backend: str) -> None:
        self.comm = comm
        self.ranks = list(ranks)  # global ranks, in group-rank order
        self.timeout = timeout
        self.backend = backend

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` (the default group) and ``NON_GROUP_MEMBER`` (what `new_group` returns on a
    rank outside the new group)."""
    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # PyTorch's ``dist.group.WORLD``


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("mytorch.distributed needs mpi4py and an MPI library: pip install 'mytorch[distributed]'") from e
    return MPI


def is_available() -> bool:
    """Whether mpi4py (and so MPI) can be imported."""
    try:
        _mpi()
    except RuntimeError:
        return False
    return True


def is_mpi_available() -> bool:
    """True when MPI (mpi4py) can be loaded: the backend mytorch's process groups run on."""
    return is_available()


def is_gloo_available() -> bool:
    """True when MPI is: the "gloo" backend name is served by MPI here."""
    return is_available()


def is_nccl_available() -> bool:
    """False: there are no GPUs to run NCCL on."""
    return False


def is_initialized() -> bool:
    """True after init_process_group (and before destroy_process_group)."""
    return GroupMember.WORLD is not None


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Join the default process group of this MPI job. Rank and world size come from MPI; values given here
    or in ``RANK`` / ``WORLD_SIZE`` (``env://``) must agree with them."""
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    backend = (backend or "mpi").lower()
    if backend not in _BACKENDS:
        raise ValueError(f"init_process_group: backend {backend!r} is not available in mytorch; valid: "
                         f"{', '.join(_BACKENDS)} (both run over MPI)")
    if init_method not in (None, "env://") and not str(init_method).startswith(("tcp://", "file://")):
        raise ValueError(f"init_process_group: unknown init_method {init_method!r}")
    MPI = _mpi()
    comm = MPI.COMM_WORLD.Dup()  # our own context: user MPI traffic on COMM_WORLD cannot mix with ours
    for name, given, actual in (("rank", rank, comm.Get_rank()), ("world_size", world_size, comm.Get_size())):
        env = os.environ.get(name.upper())
        for source, value in ((f"the {name} argument", given), (f"${name.upper()}", env)):
            if value is not None and int(value) != -1 and int(value) != actual:
                raise ValueError(f"init_process_group: {source} is {value}, but MPI started this process as "
                                 f"{name} {actual}")
    GroupMember.WORLD = ProcessGroup(comm, range(comm.Get_size()), timeout or default_pg_timeout, backend)
    _abort_on_uncaught_exception()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave a group (the default group, and with it every group, when none is given)."""
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        GroupMember.WORLD.comm.Free()
        GroupMember.WORLD = None
        sys.excepthook = sys.__excepthook__
    else:
        group.comm.Free()


def new_group(ranks: Sequence[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, **kwargs: Any) -> ProcessGroup | object:
    """A group of some ranks (all of them when None). Every rank of the default group must call it, in
    the same order, as in PyTorch; ranks outside get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _world("new_group")
    ranks = sorted(range(world.size()) if ranks is None else ranks)
    if any(r < 0 or r >= world.size() for r in ranks):
        raise ValueError(f"new_group: ranks {ranks} must be in [0, {world.size() - 1}]")
    MPI = _mpi()
    me = world.rank()
    comm = world.comm.Split(0 if me in ranks else MPI.UNDEFINED, ranks.index(me) if me in ranks else 0)
    if me not in ranks:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, ranks, timeout or world.timeout, backend or world.backend)


def _world(op: str) -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(f"{op}: Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return GroupMember.WORLD


def _resolve(group: ProcessGroup | None, op: str) -> ProcessGroup | None:
    """The group a call means, or None on a rank that is not a member (the call is then a no-op)."""
    world = _world(op)
    if group is None:
        return world
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    return group


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in `group` (the default group when None); -1 outside the group."""
    g = _resolve(group, "get_rank")
    return -1 if g is None else g.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many processes `group` has (the default group when None); -1 outside the group."""
    g = _resolve(group, "get_world_size")
    return -1 if g is None else g.size()


def get_backend(group: ProcessGroup | None = None) -> str:
    """The backend name of `group` (the default group when None), "" when none was made."""
    g = _resolve(group, "get_backend")
    return g.backend if g is not None else ""


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The rank in the default group of the process with rank `group_rank` in `group`."""
    return group.ranks[group_rank]


def abort_job(code: int = 1) -> None:
    """End every process of the job now (MPI_Abort): what an uncaught exception on one rank does."""
    sys.stdout.flush()
    sys.stderr.flush()
    world = GroupMember.WORLD
    (world.comm if world is not None else _mpi().COMM_WORLD).Abort(code)


def _abort_on_uncaught_exception() -> None:
    """Print an uncaught exception's traceback, prefixed with the rank, then abort the job."""
    rank = GroupMember.WORLD.rank()

    def hook(kind, value, tb) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write("".join(f"[rank {rank}] {line}\n" for line in text.splitlines()))
        abort_job(1)

    sys.excepthook = hook


__all__ = ["Backend", "ProcessGroup", "GroupMember", "group", "is_available", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "is_initialized", "init_process_group",
           "destroy_process_group", "new_group", "get_rank", "get_world_size", "get_backend", "get_global_rank",
           "abort_job", "default_pg_timeout"]
