"""Run under mpiexec -n N: SyncBatchNorm on each rank's slice of a batch equals BatchNorm on the whole batch
(float64): outputs, input gradients, summed weight and bias gradients, running statistics, over 3 steps."""
import mytorch
import mytorch.distributed as dist
from mytorch import nn

mytorch.set_num_threads(1)
mytorch.set_default_dtype(mytorch.float64)
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()

g = mytorch.Generator().manual_seed(7)  # the same global batches on every rank
reference = nn.BatchNorm2d(3, momentum=0.3)
with mytorch.no_grad():
    reference.weight.copy_(mytorch.randn(3, generator=g))
    reference.bias.copy_(mytorch.randn(3, generator=g))
model = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(reference.__class__(3, momentum=0.3)))
model[0].load_state_dict(reference.state_dict())
assert isinstance(model[0], nn.SyncBatchNorm)

worst = 0.0
per_rank = 2 + rank  # unequal slices: the statistics must weight each rank by its count
sizes = [2 + r for r in range(world)]
lo = sum(sizes[:rank])
for step in range(3):
    x = mytorch.randn(sum(sizes), 3, 4, 5, generator=g)
    up = mytorch.randn(sum(sizes), 3, 4, 5, generator=g)
    xr = x[lo:lo + per_rank].clone().requires_grad_()
    y = model(xr)
    (y * up[lo:lo + per_rank]).sum().backward()
    xf = x.clone().requires_grad_()
    yf = reference(xf)
    (yf * up).sum().backward()
    grads = [model[0].weight.grad.clone(), model[0].bias.grad.clone()]
    for t in grads:
        dist.all_reduce(t)
    pairs = [(y, yf[lo:lo + per_rank]), (xr.grad, xf.grad[lo:lo + per_rank]), (grads[0], reference.weight.grad),
             (grads[1], reference.bias.grad), (model[0].running_mean, reference.running_mean),
             (model[0].running_var, reference.running_var)]
    worst = max(worst, *(float((a - b).abs().max()) for a, b in pairs))
    model.zero_grad()
    reference.zero_grad()
assert int(model[0].num_batches_tracked) == 3
assert worst < 1e-12, worst
model.eval()
assert float((model(x[:2]) - reference.eval()(x[:2])).abs().max()) < 1e-12  # eval: the running statistics
print(f"rank {rank}: SyncBatchNorm equals BatchNorm on the whole batch, max difference {worst:.1e}")
