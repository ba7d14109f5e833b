"""The DataLoader's iterators: batches in the main process, or from worker processes.

Multi-process loading, in order. Task k (the k-th item of the index sampler) goes to
worker k mod num_workers (skipping workers whose stream has ended). Each worker answers
its own tasks in order on its own pipe, so the batch for task k is simply the next
message on its worker's pipe: no reordering buffer. ``prefetch_factor * num_workers``
tasks are in flight; each batch handed out sends one more task.

Failure is never a hang: the main process holds no write end of a worker's result pipe,
so a worker that dies closes it and the wait ends at once with EOF; waits are also cut
into short polls that check the worker is alive, and ``timeout`` bounds the total.
"""
from __future__ import annotations

import itertools
import multiprocessing
import pickle
import signal
import time
from typing import Any

from ._worker import ExceptionWrapper, _IterableDatasetStopIteration, _ResumeIteration, _worker_loop
from .fetch import create_fetcher
from .sampler import random_seed

# Seconds between liveness checks while waiting for a worker's batch.
_STATUS_CHECK_INTERVAL = 0.1
# Seconds the workers get, together, to exit after being told to stop, before they are terminated:
# idle workers exit at once; this is for one finishing a batch. After a failure they get less.
_JOIN_TIMEOUT = 5.0
_JOIN_TIMEOUT_AFTER_FAILURE = 0.5


class _BaseDataLoaderIter:
    def __init__(self, loader: Any) -> None:
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn from the loader's generator: the same seed gives the same worker seeds
        self._base_seed = random_seed(loader.generator)

    def __iter__(self) -> "_BaseDataLoaderIter":
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def _reset(self, loader: Any) -> None:
        self._sampler_iter = iter(self._index_sampler)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._fetcher = create_fetcher(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def __next__(self) -> Any:
        # an exhausted stream raises StopIteration from the fetcher: the end of the epoch
        return self._fetcher.fetch(next(self._sampler_iter))


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped responding"
    if code >= 0:
        return f"exited unexpectedly with exit code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = str(-code)
    return f"was killed by signal {name} (the system kills a process that runs out of memory with SIGKILL)"


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader: Any) -> None:
        super().__init__(loader)
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._shutdown = False
        self._done_event = ctx.Event()
        self._workers, self._index_queues, self._result_conns = [], [], []
        try:
            for worker_id in range(self._num_workers):
                self._start_worker(ctx, loader, worker_id)
        except BaseException:
            self._shutdown_workers()
            raise
        self._reset(loader, first_iter=True)

    def _start_worker(self, ctx: Any, loader: Any, worker_id: int) -> None:
        index_queue = ctx.Queue()
        reader, writer = ctx.Pipe(duplex=False)
        w = ctx.Process(target=_worker_loop, daemon=True,
                        args=(self._dataset, index_queue, writer, self._done_event, self._auto_collation,
                              self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn,
                              worker_id, self._num_workers))
        w.start()
        writer.close()  # the worker holds the only write end: its death reads as EOF here
        self._workers.append(w)
        self._index_queues.append(index_queue)
        self._result_conns.append(reader)

    def _reset(self, loader: Any, first_iter: bool = False) -> None:
        super()._reset(loader)
        self._send_idx = self._rcvd_idx = 0
        self._task_worker: dict[int, int] = {}  # task index -> the worker it went to
        self._active = [True] * self._num_workers  # False once a worker's stream has ended
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:  # persistent workers: drain the last epoch's answers, restart the streams
            for q in self._index_queues:
                q.put(_ResumeIteration())
            for w in range(self._num_workers):
                while self._recv(w)[0] != _ResumeIteration():
                    pass
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        if not any(self._active):
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        w = next(self._worker_cycle)
        while not self._active[w]:
            w = next(self._worker_cycle)
        self._index_queues[w].put((self._send_idx, index))
        self._task_worker[self._send_idx] = w
        self._send_idx += 1

    def __next__(self) -> Any:
        while self._rcvd_idx < self._send_idx:
            w = self._task_worker.pop(self._rcvd_idx)
            idx = self._rcvd_idx
            self._rcvd_idx += 1
            if not self._active[w]:
                continue  # sent before the worker's stream ended: it will never be answered
            key, data = self._recv(w)
            assert key == idx, f"DataLoader worker {w} answered task {key}, expected {idx}"
            if isinstance(data, _IterableDatasetStopIteration):
                self._active[w] = False
                if not self._persistent:
                    self._index_queues[w].put(None)
                continue
            self._try_put_index()
            if isinstance(data, ExceptionWrapper):
                if not self._persistent:  # persistent workers stay up: the next epoch may go on
                    self._shutdown_workers(_JOIN_TIMEOUT_AFTER_FAILURE)
                data.reraise()
            return data
        if not self._persistent:
            self._shutdown_workers()
        raise StopIteration

    def _recv(self, w: int) -> tuple:
        """The next message from worker w; raises if it died, or after `timeout` seconds without one."""
        conn, start = self._result_conns[w], time.monotonic()
        while not conn.poll(_STATUS_CHECK_INTERVAL):
            if self._timeout > 0 and time.monotonic() - start > self._timeout:
                self._shutdown_workers(_JOIN_TIMEOUT_AFTER_FAILURE)
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds waiting for worker {w}")
            if not self._workers[w].is_alive():
                self._worker_died(w)
        try:
            return pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):  # the pipe closed: the worker is gone
            self._worker_died(w)

    def _worker_died(self, w: int) -> None:
        proc = self._workers[w]
        proc.join(timeout=_JOIN_TIMEOUT_AFTER_FAILURE)  # its exit code
        self._shutdown_workers(_JOIN_TIMEOUT_AFTER_FAILURE)
        raise RuntimeError(f"DataLoader worker {w} (pid {proc.pid}) {_describe_exit(proc.exitcode)}")

    def _shutdown_workers(self, grace: float = _JOIN_TIMEOUT) -> None:
        """Stop every worker: tell it, give them `grace` seconds, then terminate; close all channels."""
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for conn in self._result_conns:  # a worker blocked writing a batch gets EPIPE and moves on
            conn.close()
        for q, w in zip(self._index_queues, self._workers):
            if w.is_alive():
                q.put(None)
        deadline = time.monotonic() + grace
        for w in self._workers:
            w.join(timeout=max(0.0, deadline - time.monotonic()))
            if w.is_alive():
                w.terminate()
                w.join()
        for q in self._index_queues:
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:  # at interpreter exit the modules this needs may already be gone
            pass
