"""Run under mpiexec -n N: every collective against NumPy's computation of its result. Each rank's input
is a known function of its rank, so every rank can compute what every collective must give."""
import datetime

import numpy as np

import mytorch
import mytorch.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=60))
rank, world = dist.get_rank(), dist.get_world_size()


def data(r, dtype=np.float64, shape=(3, 4)):
    return (np.arange(np.prod(shape)).reshape(shape) % 7 + r * 3 - 2).astype(dtype)


everyone = [data(r) for r in range(world)]
expected = {dist.ReduceOp.SUM: sum(everyone), dist.ReduceOp.AVG: sum(everyone) / world,
            dist.ReduceOp.PRODUCT: np.prod(everyone, axis=0), dist.ReduceOp.MIN: np.min(everyone, axis=0),
            dist.ReduceOp.MAX: np.max(everyone, axis=0)}


def check(t, want, what):
    np.testing.assert_allclose(t.numpy(), want, rtol=1e-12, err_msg=f"{what} on rank {rank} of {world}")


for op, want in expected.items():
    t = mytorch.tensor(data(rank))
    dist.all_reduce(t, op=op)
    check(t, want, f"all_reduce {op}")
    strided = mytorch.tensor(data(rank).T.copy()).t()  # a transposed view: staged and copied back
    dist.all_reduce(strided, op=op)
    check(strided, want, f"all_reduce {op} (strided)")
    t = mytorch.tensor(data(rank))
    dist.reduce(t, dst=world - 1, op=op)
    check(t, want if rank == world - 1 else data(rank), f"reduce {op}")
ints = mytorch.tensor(data(rank, np.int64))
dist.all_reduce(ints)
check(ints, sum(data(r, np.int64) for r in range(world)), "all_reduce int64")
flags = mytorch.tensor(data(rank) > 3)
dist.all_reduce(flags)
check(flags, np.any([d > 3 for d in everyone], axis=0), "all_reduce bool (or)")
half = mytorch.tensor(data(rank, np.float32)).to(mytorch.bfloat16)
dist.all_reduce(half, op=dist.ReduceOp.MAX)
check(half.float(), expected[dist.ReduceOp.MAX], "all_reduce bfloat16")
work = dist.all_reduce(t := mytorch.tensor(data(rank)), async_op=True)
work.wait()
check(t, expected[dist.ReduceOp.SUM], "all_reduce async")

for src in range(world):
    t = mytorch.tensor(data(rank))
    dist.broadcast(t, src=src)
    check(t, data(src), f"broadcast from {src}")

out = [mytorch.zeros(3, 4, dtype=mytorch.float64) for _ in range(world)]
dist.all_gather(out, mytorch.tensor(data(rank)))
for r in range(world):
    check(out[r], data(r), "all_gather")
big = mytorch.zeros(world * 3, 4, dtype=mytorch.float64)
dist.all_gather_into_tensor(big, mytorch.tensor(data(rank)))
check(big, np.concatenate(everyone), "all_gather_into_tensor")
chunk = mytorch.zeros(2, 4, dtype=mytorch.float64)
dist.reduce_scatter_tensor(chunk, mytorch.tensor(data(rank, shape=(2 * world, 4))))
check(chunk, sum(data(r, shape=(2 * world, 4)) for r in range(world))[2 * rank:2 * rank + 2], "reduce_scatter_tensor")
gathered = [mytorch.zeros(3, 4, dtype=mytorch.float64) for _ in range(world)] if rank == 0 else None
dist.gather(mytorch.tensor(data(rank)), gathered, dst=0)
if rank == 0:
    for r in range(world):
        check(gathered[r], data(r), "gather")
mine = mytorch.zeros(3, 4, dtype=mytorch.float64)
dist.scatter(mine, [mytorch.tensor(data(10 + r)) for r in range(world)] if rank == 0 else None, src=0)
check(mine, data(10 + rank), "scatter")

if world > 1:  # a ring of sends: each rank sends to the next, receives from the previous (any source)
    right, left = (rank + 1) % world, (rank - 1) % world
    got = mytorch.zeros(3, 4, dtype=mytorch.float64)
    pending = dist.isend(mytorch.tensor(data(rank)), dst=right)
    sender = dist.recv(got)
    pending.wait()
    check(got, data(left), "send/recv")
    assert sender == left, (sender, left)

objects = [None] * world
dist.all_gather_object(objects, {"rank": rank, "word": "x" * rank})
assert objects == [{"rank": r, "word": "x" * r} for r in range(world)], objects
sent = [rank, "from", rank] if rank == world - 1 else [None, None, None]
dist.broadcast_object_list(sent, src=world - 1)
assert sent == [world - 1, "from", world - 1], sent

if world >= 2:  # a subgroup of the first two ranks
    pair = dist.new_group([0, 1])
    t = mytorch.tensor(data(rank))
    dist.all_reduce(t, group=pair)
    if rank < 2:
        check(t, data(0) + data(1), "all_reduce on new_group([0, 1])")
    else:
        check(t, data(rank), "all_reduce outside the group (no-op)")
dist.barrier()
print(f"rank {rank}/{world}: every collective matches NumPy")
dist.destroy_process_group()
