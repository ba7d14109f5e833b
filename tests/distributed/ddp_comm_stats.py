"""Run under mpiexec -n 2: DDP's comm_stats count one all-reduce per bucket per synced backward (none under
no_sync), their in-flight and wait times are consistent, and the hidden fraction lies in [0, 1]."""
import math

import mytorch
import mytorch.distributed as dist
from mytorch import nn

dist.init_process_group("mpi")
rank = dist.get_rank()
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2))
# a cap of 0 MB puts every parameter in a bucket of its own: 6 buckets
ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0)
stats = ddp.comm_stats
assert (stats.steps, stats.all_reduces, stats.in_flight_s, stats.wait_s) == (0, 0, 0.0, 0.0)
assert math.isnan(stats.hidden_fraction), "a hidden fraction before any all-reduce"
for _ in range(3):
    ddp(mytorch.randn(4, 8) + rank).sum().backward()
with ddp.no_sync():
    ddp(mytorch.randn(4, 8)).sum().backward()
assert (stats.steps, stats.all_reduces) == (3, 3 * 6), (stats.steps, stats.all_reduces)
assert 0 <= stats.wait_s <= stats.in_flight_s, (stats.wait_s, stats.in_flight_s)
assert 0 <= stats.hidden_fraction <= 1, stats.hidden_fraction

# one bucket (the default 25 MB cap): one all-reduce per step
single = nn.parallel.DistributedDataParallel(nn.Linear(8, 2))
single(mytorch.randn(4, 8)).sum().backward()
assert (single.comm_stats.steps, single.comm_stats.all_reduces) == (1, 1)
stats.reset()
assert (stats.steps, stats.all_reduces, stats.in_flight_s, stats.wait_s) == (0, 0, 0.0, 0.0)
print(f"rank {rank}: comm_stats count {3 * 6} all-reduces over 3 steps")
dist.destroy_process_group()
