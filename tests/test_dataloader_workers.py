"""DataLoader with real worker processes: speed, order, seeding, prefetching, shutdown, and
failures (an exception, a dying worker, a stuck worker) that must surface, never hang.

Every test runs under a SIGALRM deadline: a hang fails the test instead of the suite.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import random
import signal
import time

import numpy as np
import pytest
import torch.utils.data as tdata

import mytorch
import mytorch.utils.data as mdata

DEADLINE_S = 15


@pytest.fixture(autouse=True)
def deadline():
    def expire(signum, frame):
        raise TimeoutError(f"test still running after {DEADLINE_S} s: a DataLoader hang")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(DEADLINE_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


class Slow(mdata.Dataset):
    def __init__(self, n: int, delay: float = 0.01) -> None:
        self.n, self.delay = n, delay

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        time.sleep(self.delay)
        return mytorch.full((3,), float(i)), i


class Failing(mdata.Dataset):
    """Raises `error` at index 5; with exit_code, the worker process exits there instead."""

    def __init__(self, error: Exception | None = None, exit_code: int | None = None, kill: bool = False) -> None:
        self.error, self.exit_code, self.kill = error, exit_code, kill

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> int:
        if i == 5:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            if self.exit_code is not None:
                os._exit(self.exit_code)
            raise self.error
        return i


def batches(loader) -> list:
    return [[t.tolist() if isinstance(t, mytorch.Tensor) else t for t in b] for b in loader]


class Stamped(mdata.Dataset):
    """Each item sleeps 20 ms and returns which process loaded it and when (a system-wide clock)."""

    def __len__(self) -> int:
        return 40

    def __getitem__(self, i: int):
        start = time.monotonic()
        time.sleep(0.02)
        return os.getpid(), start, time.monotonic()


def test_two_workers_load_in_parallel():
    # Timing the whole loop against 0 workers measured process start-up as much as loading on a loaded
    # CI machine; the items' own time stamps show the overlap itself.
    stamps = [s for batch in mdata.DataLoader(Stamped(), batch_size=4, num_workers=2, collate_fn=list) for s in batch]
    assert len(stamps) == 40 and len({pid for pid, _, _ in stamps}) == 2 and os.getpid() not in {p for p, _, _ in stamps}
    busy = sum(end - start for _, start, end in stamps)
    span = max(end for _, _, end in stamps) - min(start for _, start, _ in stamps)
    # one process at a time would give busy/span <= 1; two sleeping side by side give close to 2
    assert busy / span > 1.5, f"items took {busy:.2f} s in total within {span:.2f} s: workers did not overlap"


@pytest.mark.parametrize("workers, bs, drop", [(2, 4, False), (3, 5, True), (2, 1, False), (4, 7, False)])
def test_same_batches_with_and_without_workers(workers, bs, drop):
    ds = mdata.TensorDataset(mytorch.randn(23, 2), mytorch.arange(23))

    def run(n):
        return batches(mdata.DataLoader(ds, batch_size=bs, shuffle=True, drop_last=drop, num_workers=n,
                                        generator=mytorch.Generator().manual_seed(7)))
    assert run(workers) == run(0)


def test_batches_come_in_order_when_one_worker_is_slower():
    class Uneven(mdata.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            time.sleep(0.03 if i < 3 else 0.0)  # worker 0's first batch arrives last
            return i
    assert [b.tolist() for b in mdata.DataLoader(Uneven(), batch_size=3, num_workers=3)] == \
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]


def test_dict_samples_and_no_batching_through_workers():
    ds = [{"x": np.full(2, i, dtype=np.float32), "name": f"n{i}"} for i in range(5)]
    out = list(mdata.DataLoader(ds, batch_size=2, num_workers=2))
    assert [b["name"] for b in out] == [["n0", "n1"], ["n2", "n3"], ["n4"]]
    assert out[2]["x"].dtype is mytorch.float32 and out[2]["x"].tolist() == [[4.0, 4.0]]
    assert [t.tolist() for t in mdata.DataLoader(ds, batch_size=None, num_workers=2, collate_fn=lambda s: s["x"])] \
        == [[float(i)] * 2 for i in range(5)]


class Seeds(mdata.Dataset):
    """Sample i: (worker id, worker seed, num_workers, a mytorch draw, a Python draw, a NumPy draw)."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        info = mdata.get_worker_info()
        assert isinstance(info.dataset, Seeds)  # the worker's copy of the dataset
        return (info.id, info.seed, info.num_workers, mytorch.rand(()).item(), random.random(),
                float(np.random.rand()))


def test_worker_info_and_seeding_follow_the_generator():
    def run(seed):
        loader = mdata.DataLoader(Seeds(), batch_size=2, num_workers=2, generator=mytorch.Generator().manual_seed(seed))
        return [tuple(x.tolist() if isinstance(x, mytorch.Tensor) else x for x in b) for b in loader]
    a = run(3)
    ids = [b[0] for b in a]
    assert ids == [[0, 0], [1, 1], [0, 0], [1, 1]], "batches alternate between the two workers"
    seeds = {b[0][0]: b[1][0] for b in a}
    assert seeds[1] == seeds[0] + 1, "worker seed = base_seed + worker_id"
    assert all(b[2] == [2, 2] for b in a)
    assert run(3) == a, "the same generator seed gives the same worker seeds and random draws"
    assert run(4)[0][1] != a[0][1]
    for column in (3, 4, 5):  # each worker's RNGs are seeded differently
        assert a[0][column] != a[1][column]


def test_worker_info_is_read_only():
    info = mdata.WorkerInfo(id=0, num_workers=1, seed=1, dataset=None)
    with pytest.raises(RuntimeError, match="Cannot assign"):
        info.id = 3


def test_worker_init_fn_runs_in_each_worker():
    class WhoInit(mdata.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return os.environ.get("INIT_ID", "none")

    def init(worker_id):
        os.environ["INIT_ID"] = f"w{worker_id}"
    out = list(mdata.DataLoader(WhoInit(), batch_size=2, num_workers=3, worker_init_fn=init))
    assert out == [["w0", "w0"], ["w1", "w1"], ["w2", "w2"]]
    assert "INIT_ID" not in os.environ


class Stream(mdata.IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = mdata.get_worker_info()
        return iter(range(self.n) if info is None else range(info.id, self.n, info.num_workers))


class TorchStream(tdata.IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = tdata.get_worker_info()
        return iter(range(self.n) if info is None else range(info.id, self.n, info.num_workers))


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
@pytest.mark.parametrize("n, workers, bs, drop", [(13, 2, 3, False), (13, 3, 2, True), (4, 3, 3, False)])
def test_sharded_iterable_dataset_matches_torch(n, workers, bs, drop):
    ours = batches([[b] for b in mdata.DataLoader(Stream(n), batch_size=bs, drop_last=drop, num_workers=workers)])
    theirs = [[b.tolist()] for b in tdata.DataLoader(TorchStream(n), batch_size=bs, drop_last=drop,
                                                     num_workers=workers)]
    assert ours == theirs


def test_prefetch_keeps_prefetch_factor_batches_per_worker_in_flight():
    fetched = multiprocessing.get_context().Value("i", 0)

    class Counting(mdata.Dataset):
        def __len__(self):
            return 100

        def __getitem__(self, i):
            with fetched.get_lock():
                fetched.value += 1
            return i
    it = iter(mdata.DataLoader(Counting(), batch_size=2, num_workers=2, prefetch_factor=3))
    next(it)
    expected = (3 * 2 + 1) * 2  # 3 x 2 batches sent at the start, one more for the batch handed out
    give_up = time.monotonic() + 5
    while fetched.value < expected and time.monotonic() < give_up:
        time.sleep(0.01)
    time.sleep(0.2)  # time to fetch more, if the loader wrongly asked for more
    assert fetched.value == expected
    del it


def test_workers_stop_when_exhausted_or_deleted():
    loader = mdata.DataLoader(Slow(12, 0.0), batch_size=2, num_workers=2)
    it = iter(loader)
    procs = list(it._workers)
    assert all(p.is_alive() for p in procs)
    assert len(list(it)) == 6
    assert not any(p.is_alive() for p in procs), "exhausted: workers joined"
    it = iter(loader)
    next(it)
    procs = list(it._workers)
    del it
    gc.collect()
    assert not any(p.is_alive() for p in procs), "deleted mid-epoch: workers joined"


def test_persistent_workers_reuse_processes():
    loader = mdata.DataLoader(Slow(10, 0.0), batch_size=3, num_workers=2, persistent_workers=True)
    first = batches(loader)
    pids = [p.pid for p in loader._iterator._workers]
    it = iter(loader)
    next(it)  # an epoch abandoned half way: its in-flight batches are drained at the next epoch
    assert batches(loader) == first == batches(mdata.DataLoader(Slow(10, 0.0), batch_size=3))
    assert [p.pid for p in loader._iterator._workers] == pids
    stream = mdata.DataLoader(Stream(7), batch_size=2, num_workers=2, persistent_workers=True)
    assert batches([[b] for b in stream]) == batches([[b] for b in stream]) == [[[0, 2]], [[1, 3]], [[4, 6]], [[5]]]


def test_spawn_context_works():
    ds = mdata.TensorDataset(mytorch.arange(12.).reshape(6, 2), mytorch.arange(6))
    out = batches(mdata.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn"))
    assert out == batches(mdata.DataLoader(ds, batch_size=4))


# ---- failures -------------------------------------------------------------------------------------------------

def test_worker_exception_is_reraised_with_traceback():
    loader = mdata.DataLoader(Failing(ValueError("bad sample 5")), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    msg = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0" in msg
    assert "Traceback (most recent call last)" in msg and "raise self.error" in msg and "bad sample 5" in msg


def test_worker_key_error_message_is_readable():
    with pytest.raises(KeyError) as info:
        list(mdata.DataLoader(Failing(KeyError("k")), batch_size=4, num_workers=2))
    assert str(info.value).startswith("Caught KeyError in DataLoader worker process 1.\nOriginal Traceback")


def test_worker_exception_of_a_local_class_still_surfaces():
    class LocalError(Exception):
        pass
    with pytest.raises(RuntimeError, match="Caught LocalError in DataLoader worker process"):
        list(mdata.DataLoader(Failing(LocalError("x")), batch_size=2, num_workers=2))


def test_worker_init_fn_exception_surfaces():
    def init(worker_id):
        raise OSError(f"cannot open shard {worker_id}")
    with pytest.raises(OSError, match="cannot open shard 0"):
        list(mdata.DataLoader(range(4), num_workers=2, worker_init_fn=init))


def test_unpicklable_batch_surfaces():
    with pytest.raises(Exception, match="pickle"):
        list(mdata.DataLoader(range(4), batch_size=2, num_workers=2, collate_fn=lambda b: (lambda: b)))


@pytest.mark.parametrize("exit_code", [3, 0])
def test_dying_worker_is_reported(exit_code):
    loader = mdata.DataLoader(Failing(exit_code=exit_code), batch_size=2, num_workers=2)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=rf"DataLoader worker 0 \(pid \d+\) exited unexpectedly with exit code "
                                           rf"{exit_code}"):
        list(loader)
    assert time.perf_counter() - start < 3


def test_killed_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) was killed by signal SIGKILL"):
        list(mdata.DataLoader(Failing(kill=True), batch_size=2, num_workers=2))


def test_stuck_worker_times_out():
    loader = mdata.DataLoader(Slow(4, delay=5.0), batch_size=2, num_workers=2, timeout=0.3)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        next(iter(loader))
    assert time.perf_counter() - start < 2.5
