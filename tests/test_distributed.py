"""mytorch.distributed over MPI: jobs of 1-3 processes started with mpiexec (tests/distributed/ holds their
scripts), DistributedSampler against PyTorch's, and the autograd hooks DDP stands on."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import mytorch

SCRIPTS = Path(__file__).parent / "distributed"
REPO = Path(__file__).parent.parent


def mpiexec(n: int, script: str, *args: str, backend: str = "numpy", timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "MYTORCH_CPU_BACKEND": backend, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(["mpiexec", "-n", str(n), sys.executable, str(SCRIPTS / script), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_every_collective_matches_numpy(backend, n):
    done = mpiexec(n, "collectives_match_numpy.py", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("every collective matches NumPy") == n


@pytest.mark.parametrize("model", ["mlp", "gpt"])
def test_ddp_on_two_ranks_equals_one_process_on_the_whole_batch(backend, model):
    done = mpiexec(2, "ddp_matches_one_process.py", model, backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("max difference") == 2


@pytest.mark.parametrize("n", [2, 3])
def test_syncbatchnorm_across_ranks_equals_batchnorm_on_the_whole_batch(backend, n):
    done = mpiexec(n, "syncbatchnorm_matches_batchnorm.py", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("SyncBatchNorm equals BatchNorm") == n


def test_ddp_no_sync_and_find_unused_parameters(backend):
    done = mpiexec(2, "ddp_options.py", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("behave") == 2


def test_ddp_comm_stats_count_buckets_and_hidden_time(backend):
    done = mpiexec(2, "ddp_comm_stats.py", backend=backend)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("comm_stats count 18 all-reduces") == 2


@pytest.mark.parametrize("fault, expect", [
    ("raise", "[rank 1] ValueError: rank 1 fails on purpose"),
    ("stall", "all_reduce: timed out after 3 s on rank 0 of 2"),
    ("die", "BAD TERMINATION"),
])
def test_a_failing_rank_ends_the_job(fault, expect):
    done = mpiexec(2, "faults.py", fault, timeout=180)
    ended = time.time()
    assert done.returncode != 0 and "the fault was not noticed" not in done.stdout
    assert expect in done.stdout + done.stderr, done.stdout + done.stderr
    # ended by the abort or the 3 s timeout, not by rank 1's 120 s stall or this test's limit; timed from
    # rank 0's wait, since start-up alone can take tens of seconds on a loaded machine
    waits = re.search(r"rank 0 waits from ([\d.]+)", done.stdout)
    assert waits is None or ended - float(waits.group(1)) < 60, done.stdout


def test_launch_runs_an_unmodified_pytorch_ddp_script(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "import torch, torch.distributed as dist\n"
        "from torch.nn.parallel import DistributedDataParallel as DDP\n"
        "from torch.utils.data import DataLoader, TensorDataset, DistributedSampler\n"
        "dist.init_process_group('gloo')\n"
        "torch.manual_seed(0)\n"
        "ds = TensorDataset(torch.randn(32, 8), torch.randint(0, 3, (32,)))\n"
        "sampler = DistributedSampler(ds)\n"
        "model = DDP(torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)))\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for x, y in DataLoader(ds, batch_size=8, sampler=sampler):\n"
        "    opt.zero_grad(); torch.nn.functional.cross_entropy(model(x), y).backward(); opt.step()\n"
        "w = model.module[0].weight.detach().clone()\n"
        "every = [torch.zeros_like(w) for _ in range(dist.get_world_size())]\n"
        "dist.all_gather(every, w)\n"
        "print('equal replicas', all(torch.equal(a, every[0]) for a in every))\n")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "mytorch", "launch", "-n", "2", str(script)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    # the two ranks' prints share one pipe and may interleave mid-line
    assert done.stdout.count("equal replicas") == 2 and done.stdout.count("True") == 2, done.stdout


@pytest.mark.parametrize("variables, expect", [
    ({"RANK": "0", "WORLD_SIZE": "1"}, "joined as rank 0 of 1"),
    ({"RANK": "1"}, "$RANK is 1, but MPI started this process as rank 0"),
    ({"WORLD_SIZE": "3"}, "$WORLD_SIZE is 3, but MPI started this process as world_size 1"),
])
def test_env_init_method_variables_must_agree_with_mpi(variables, expect):
    """env://'s RANK and WORLD_SIZE are honoured as checks: MPI (here a singleton job) assigns the ranks."""
    script = ("import mytorch.distributed as dist\n"
              "try:\n"
              "    dist.init_process_group('mpi', init_method='env://')\n"
              "    print(f'joined as rank {dist.get_rank()} of {dist.get_world_size()}')\n"
              "except ValueError as e:\n"
              "    print(e)\n")
    env = {**os.environ, **variables, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env = {k: v for k, v in env.items() if k not in {"RANK", "WORLD_SIZE"} - variables.keys()}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and expect in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("n, replicas, shuffle, drop_last", [(10, 3, True, False), (10, 3, False, True),
                                                             (11, 4, True, True), (2, 3, True, False)])
def test_distributed_sampler_matches_pytorch(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        for epoch in (0, 3):
            t = torch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=5,
                                                    drop_last=drop_last)
            m = mytorch.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=5,
                                                      drop_last=drop_last)
            t.set_epoch(epoch)
            m.set_epoch(epoch)
            assert list(m) == list(t) and len(m) == len(t)


def test_errors_without_a_process_group():
    with pytest.raises(RuntimeError, match="Requires distributed package"):
        mytorch.utils.data.DistributedSampler(range(4))
    with pytest.raises(ValueError, match="Invalid rank 3"):
        mytorch.utils.data.DistributedSampler(range(4), num_replicas=2, rank=3)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        mytorch.nn.parallel.DistributedDataParallel(mytorch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        mytorch.distributed.get_rank()
    assert not mytorch.distributed.is_initialized() and mytorch.distributed.is_available()


def test_post_accumulate_grad_hooks_and_final_callbacks_like_pytorch(backend):
    for T in (torch, mytorch):
        w = T.ones(3, requires_grad=True)
        seen = []
        w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.sum().item()))

        def queue(g):
            T.autograd.Variable._execution_engine.queue_callback(lambda: seen.append("end"))
            return g
        w.register_hook(queue)
        (w * 2).sum().backward()
        (w * 3).sum().backward()
        assert seen == [6.0, "end", 15.0, "end"], (T.__name__, seen)
        with pytest.raises(RuntimeError, match="non-leaf"):
            (w * 2).register_post_accumulate_grad_hook(print)
        with pytest.raises(RuntimeError, match="during backward pass"):
            T.autograd.Variable._execution_engine.queue_callback(print)
