"""The DataLoader worker process: its loop, its identity (`get_worker_info`) and its messages.

Protocol. The main process sends each worker ``(task_idx, index)`` on the worker's
index queue; the worker answers every task, in order, on its own result pipe with
``(task_idx, batch | ExceptionWrapper | _IterableDatasetStopIteration)``. ``None`` on the
index queue means stop; `_ResumeIteration` (persistent workers) restarts an epoch
and is answered with ``(_ResumeIteration, None)`` once the older tasks are answered.

A worker pickles each answer itself, so an unpicklable batch becomes an error in the
main process instead of a message silently lost, and hands the bytes to a sender
thread, so it keeps fetching the next batch while the main process is busy.
"""
from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

from ...ops.random import manual_seed
from .dataset import IterableDataset
from .fetch import create_fetcher

# How often a waiting worker checks that the main process still exists (seconds).
_PARENT_CHECK_INTERVAL = 0.5


class WorkerInfo:
    """Who this worker is: ``id`` in 0 .. num_workers-1, the ``seed`` its RNGs were given, and its
    copy of the ``dataset``. Read-only."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:
        for name, value in zip(self.__slots__, (id, num_workers, seed, dataset)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"{type(self).__name__}({fields})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """This worker's `WorkerInfo` inside a DataLoader worker process; None in the main process.

    An IterableDataset uses it to yield only its share of the stream, e.g. every
    ``num_workers``-th sample starting at ``id``.
    """
    return _worker_info


class KeyErrorMessage(str):
    """A KeyError's message that prints as written (KeyError quotes its argument)."""

    def __repr__(self) -> str:
        return str(self)


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process with its traceback text."""

    def __init__(self, exc_info: tuple | None = None, where: str = "in background") -> None:
        exc_type, exc, tb = exc_info or sys.exc_info()
        self.exc_name = exc_type.__name__
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where
        try:  # a class the main process can't import (defined in a function) comes back as RuntimeError
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:
            self.exc_type = RuntimeError

    def reraise(self) -> None:
        """Raise the same exception type in this process, the worker's traceback in its message."""
        msg = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # a constructor that doesn't take one message
            raise RuntimeError(msg) from None
        raise exception


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's answer when its copy of an IterableDataset is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new epoch with persistent workers."""


class _Sender:
    """Pickles answers in the worker's main thread; a daemon thread writes them to the pipe."""

    def __init__(self, conn: Any, where: str) -> None:
        self._conn, self._where = conn, where
        self._pending: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._write, daemon=True).start()

    def _write(self) -> None:
        while True:
            try:
                self._conn.send_bytes(self._pending.get())
            except OSError:  # the main process closed the pipe: it is shutting down
                return

    def send(self, key: Any, payload: Any) -> None:
        try:
            buf = pickle.dumps((key, payload), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            buf = pickle.dumps((key, ExceptionWrapper(where=self._where)), protocol=pickle.HIGHEST_PROTOCOL)
        self._pending.put(buf)


def _seed_worker(seed: int) -> None:
    """Seed every RNG a dataset may use: Python's, mytorch's and, if the program loaded it, NumPy's
    global one (without this, forked workers would share one NumPy stream and repeat augmentations)."""
    random.seed(seed)
    manual_seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % 2 ** 32)


def _worker_loop(dataset: Any, index_queue: Any, result_conn: Any, done_event: Any, auto_collation: bool,
                 collate_fn: Callable, drop_last: bool, base_seed: int, init_fn: Callable | None,
                 worker_id: int, num_workers: int) -> None:
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    seed = base_seed + worker_id
    _seed_worker(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    sender = _Sender(result_conn, where)
    parent = os.getppid()
    init_error = fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
    except Exception:
        init_error = ExceptionWrapper(where=where)  # the answer to every task: the loader raises it
    iteration_end, iterable = False, isinstance(dataset, IterableDataset)
    try:
        while True:
            try:
                task = index_queue.get(timeout=_PARENT_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # orphaned: the main process died without stopping us
                    return
                continue
            if task is None:
                return
            if isinstance(task, _ResumeIteration):
                if init_error is None:
                    fetcher = create_fetcher(dataset, auto_collation, collate_fn, drop_last)
                iteration_end = False
                sender.send(task, None)
                continue
            if done_event.is_set() or iteration_end:
                continue  # shutting down, or the stream ended: the main process skips these tasks
            idx, index = task
            if init_error is not None:
                sender.send(idx, init_error)
                continue
            try:
                sender.send(idx, fetcher.fetch(index))
            except Exception as e:
                iteration_end = iterable and isinstance(e, StopIteration)
                sender.send(idx, _IterableDatasetStopIteration(worker_id) if iteration_end
                            else ExceptionWrapper(where=where))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the main process reports it
        return
