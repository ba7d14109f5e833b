"""Run under mpiexec -n N: DDP training for 20 steps, then every rank compares its weights (float64) with
one process training the same model on the concatenated batch. Argument: "mlp" or "gpt"."""
import copy
import sys

import mytorch
import mytorch.distributed as dist
from mytorch import nn
from mytorch.models import GPT, GPTConfig

mytorch.set_num_threads(1)
mytorch.set_default_dtype(mytorch.float64)
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
kind = sys.argv[1]
per_rank, steps = 4, 20

mytorch.manual_seed(rank)  # different initial weights per rank: DDP's broadcast from rank 0 must fix that
if kind == "mlp":
    model = nn.Sequential(nn.Linear(12, 32), nn.GELU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 5))
else:
    model = GPT(GPTConfig(vocab_size=17, block_size=8, n_layer=2, n_head=2, n_embd=16))
ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.01)  # several buckets
reference = copy.deepcopy(model)  # after the broadcast: rank 0's weights everywhere
opt = mytorch.optim.AdamW(ddp.parameters(), lr=1e-2)
ref_opt = mytorch.optim.AdamW(reference.parameters(), lr=1e-2)


def loss_of(m, lo, hi, batch):
    if kind == "mlp":
        x, y = batch
        return nn.functional.cross_entropy(m(x[lo:hi]), y[lo:hi])
    idx, targets = batch
    logits = m(idx[lo:hi])
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets[lo:hi].reshape(-1))


g = mytorch.Generator().manual_seed(1234)  # the same global batches on every rank
for step in range(steps):
    n = per_rank * world
    if kind == "mlp":
        batch = (mytorch.randn(n, 12, generator=g), mytorch.randint(0, 5, (n,), generator=g))
    else:
        batch = (mytorch.randint(0, 17, (n, 8), generator=g), mytorch.randint(0, 17, (n, 8), generator=g))
    opt.zero_grad()
    loss_of(ddp, rank * per_rank, (rank + 1) * per_rank, batch).backward()
    opt.step()
    ref_opt.zero_grad()
    loss_of(reference, 0, n, batch).backward()
    ref_opt.step()

worst = max((a - b).abs().max().item() for a, b in zip(ddp.module.parameters(), reference.parameters()))
assert list(ddp.state_dict())[0].startswith("module."), list(ddp.state_dict())[0]
assert worst <= 1e-10, f"rank {rank}: weights differ from one process by {worst}"
print(f"rank {rank}/{world} {kind}: max difference {worst:.1e}")
dist.destroy_process_group()
