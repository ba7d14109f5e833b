"""A two-layer graph convolutional network (Kipf & Welling's propagation rule) on a ring-of-cliques graph:
the normalised adjacency D^-1/2 (A + I) D^-1/2 is a sparse COO tensor, each layer multiplies it into the
node features with torch.sparse.mm, and a learnable edge weighting trains through the sparse values."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters, wave

parser = argparse.ArgumentParser()
parser.add_argument("--nodes", type=int, default=24)
parser.add_argument("--steps", type=int, default=12)
args = parser.parse_args()

n, groups = args.nodes, 3
label = torch.arange(n) * groups // n
edges = [(i, j) for i in range(n) for j in range(n) if i != j and (label[i] == label[j] or j == (i + 1) % n)]
src = torch.tensor([e[0] for e in edges] + list(range(n)))  # self loops last: an uncoalesced list
dst = torch.tensor([e[1] for e in edges] + list(range(n)))
degree = torch.zeros(n).index_add_(0, src, torch.ones(len(src)))
norm = degree[src].rsqrt() * degree[dst].rsqrt()
adjacency = torch.sparse_coo_tensor(torch.stack([src, dst]), norm, (n, n))
print("adjacency", adjacency.is_sparse, adjacency.layout == torch.sparse_coo, adjacency._nnz(),
      round(torch.sparse.sum(adjacency).item(), 5))
adjacency = adjacency.coalesce()
features = wave(n, 8)


class GCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.first, self.second = nn.Linear(8, 16), nn.Linear(16, groups)
        self.edge_scale = nn.Parameter(torch.ones(adjacency._nnz()))

    def forward(self, x):
        a = torch.sparse_coo_tensor(adjacency.indices(), adjacency.values() * self.edge_scale, (n, n))
        h = F.relu(torch.sparse.mm(a, self.first(x)))
        return torch.sparse.mm(a, self.second(h))


model = GCN()
fill_parameters(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(args.steps):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(features), label)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} edge grad {model.edge_scale.grad.abs().sum().item():.6f}")
accuracy = (model(features).argmax(1) == label).float().mean().item()
print("accuracy", round(accuracy, 4))
