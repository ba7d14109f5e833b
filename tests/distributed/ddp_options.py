"""Run under mpiexec -n 2: DDP's no_sync (local accumulation, averaged by the next synced backward),
find_unused_parameters (a branch the forward skips), and buffers: rank 0's at construction, and again before
each training forward unless broadcast_buffers=False."""
import mytorch
import mytorch.distributed as dist
from mytorch import nn

mytorch.set_default_dtype(mytorch.float64)
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()


class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.skipped = nn.Linear(4, 3), nn.Linear(4, 3)

    def forward(self, x):
        return self.used(x)


def gathered(t):
    every = [mytorch.zeros_like(t) for _ in range(world)]
    dist.all_gather(every, t.detach().contiguous())
    return every


# no_sync: backward inside the block keeps local gradients; the next backward averages their sums
model = nn.Linear(4, 3)
ddp = nn.parallel.DistributedDataParallel(model)
x1, x2 = mytorch.randn(5, 4) + rank, mytorch.randn(5, 4) - rank
with ddp.no_sync():
    ddp(x1).pow(2).sum().backward()
local = model.weight.grad.clone()
assert not mytorch.equal(*gathered(local)), "no_sync averaged the gradients"
ddp(x2).pow(2).sum().backward()
# what each rank accumulated locally in both passes, averaged over the ranks
reference = nn.Linear(4, 3)
reference.load_state_dict(model.state_dict())
reference(x1).pow(2).sum().backward()
reference(x2).pow(2).sum().backward()
expected = sum(gathered(reference.weight.grad)) / world
assert (model.weight.grad - expected).abs().max().item() < 1e-12, "synced backward after no_sync is wrong"

# a parameter the forward does not use: an error without find_unused_parameters, averaged zeros with it
strict = nn.parallel.DistributedDataParallel(TwoBranches())
try:
    strict(mytorch.randn(2, 4)).sum().backward()
    raise AssertionError("an unused parameter went unnoticed")
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "skipped.weight" in str(e), str(e)
lenient = nn.parallel.DistributedDataParallel(TwoBranches(), find_unused_parameters=True)
for _ in range(2):
    lenient.zero_grad()
    lenient(mytorch.randn(2, 4) + rank).sum().backward()
    a, b = gathered(lenient.module.used.weight.grad)
    assert mytorch.equal(a, b), "the used branch's gradients differ between ranks"
    assert lenient.module.skipped.weight.grad.abs().max().item() == 0

# buffers (BatchNorm's running statistics) that differ per rank: rank 0's after construction
def norm_with_rank_buffers():
    bn = nn.BatchNorm1d(3)
    bn.running_mean.fill_(float(rank + 1))
    return bn


synced = nn.parallel.DistributedDataParallel(norm_with_rank_buffers())
assert synced.module.running_mean.tolist() == [1.0] * 3, "buffers were not broadcast from rank 0"
same = mytorch.randn(6, 3, generator=mytorch.Generator().manual_seed(5))  # one batch on every rank
for broadcast_buffers in (True, False):
    ddp = nn.parallel.DistributedDataParallel(norm_with_rank_buffers(), broadcast_buffers=broadcast_buffers)
    ddp.module.running_mean.add_(float(rank))  # drift after construction, as per-rank batches would cause
    ddp(same)
    a, b = gathered(ddp.module.running_mean)
    assert mytorch.equal(a, b) == broadcast_buffers, f"broadcast_buffers={broadcast_buffers}: {a} vs {b}"
print(f"rank {rank}: no_sync, find_unused_parameters and buffers behave")
dist.destroy_process_group()
