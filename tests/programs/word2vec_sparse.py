"""Skip-gram word embeddings with negative sampling (word2vec's objective) on a small made-up corpus: both
embedding tables are nn.Embedding(sparse=True), so their gradients are sparse COO tensors listing the rows a
batch looked up. The input table trains with SparseAdam, the output table with Adagrad's sparse path, and an
EmbeddingBag(sparse=True) context encoder with SGD and momentum; each table's gradient layout is printed."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=10)
args = parser.parse_args()

vocab, dim, window, negatives = 40, 12, 2, 3
corpus = [(7 * i * i + 3 * i) % vocab for i in range(160)]  # a fixed word sequence with repeats
pairs = [(corpus[i], corpus[j]) for i in range(len(corpus))
         for j in range(max(0, i - window), min(len(corpus), i + window + 1)) if j != i]


class SkipGram(nn.Module):
    def __init__(self):
        super().__init__()
        self.center = nn.Embedding(vocab, dim, sparse=True)
        self.context = nn.Embedding(vocab, dim, sparse=True, padding_idx=0)
        self.bag = nn.EmbeddingBag(vocab, dim, mode="mean", sparse=True)

    def forward(self, center, context, bag_words, bag_offsets):
        c = self.center(center) + self.bag(bag_words, bag_offsets)
        return (c.unsqueeze(1) * self.context(context)).sum(-1)  # (batch, 1 + negatives) scores


model = SkipGram()
fill_parameters(model)
optimizers = [torch.optim.SparseAdam([model.center.weight], lr=0.05),
              torch.optim.Adagrad([model.context.weight], lr=0.2),
              torch.optim.SGD([model.bag.weight], lr=0.5, momentum=0.9)]
batch = 24
target = torch.zeros(batch, 1 + negatives)
target[:, 0] = 1
for step in range(args.steps):
    chosen = [pairs[(step * 37 + 11 * k) % len(pairs)] for k in range(batch)]
    center = torch.tensor([c for c, _ in chosen])
    context = torch.tensor([[o] + [(o * 13 + 5 * n + step) % vocab for n in range(1, 1 + negatives)]
                            for _, o in chosen])
    bag_words = torch.tensor([corpus[(c + k) % len(corpus)] for c, _ in chosen for k in range(3)])
    bag_offsets = torch.arange(0, 3 * batch, 3)
    for opt in optimizers:
        opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(center, context, bag_words, bag_offsets), target)
    loss.backward()
    grads = [p.grad for p in (model.center.weight, model.context.weight, model.bag.weight)]
    for opt in optimizers:
        opt.step()
    print(f"step {step} loss {loss.item():.6f} layouts {[g.layout == torch.sparse_coo for g in grads]} "
          f"nnz {[g._nnz() for g in grads]} coalesced {[g.is_coalesced() for g in grads]} "
          f"grad sum {sum(g.coalesce()._values().abs().sum().item() for g in grads):.6f}")
print("weights", round(model.center.weight.abs().sum().item(), 4), round(model.context.weight.abs().sum().item(), 4),
      round(model.bag.weight.abs().sum().item(), 4))
