"""Graph attention network (pytorch/examples' gat, tiny): each node attends over its neighbours with scores
LeakyReLU(a . [W h_i || W h_j]), masked to the adjacency by -inf-like fill, softmax-normalised; several heads
concatenated, then one averaged output head; node classification with NLL on a training mask."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters, wave

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--nodes", type=int, default=12)
parser.add_argument("--heads", type=int, default=2)
args = parser.parse_args()


class GraphAttentionLayer(nn.Module):
    def __init__(self, in_features, out_features, n_heads, concat=True, dropout=0.0, leaky_relu_slope=0.2):
        super().__init__()
        self.n_heads, self.concat, self.dropout = n_heads, concat, dropout
        self.n_hidden = out_features // n_heads if concat else out_features
        self.W = nn.Parameter(torch.empty(size=(in_features, self.n_hidden * n_heads)))
        self.a = nn.Parameter(torch.empty(size=(n_heads, 2 * self.n_hidden, 1)))
        self.leakyrelu = nn.LeakyReLU(leaky_relu_slope)
        self.softmax = nn.Softmax(dim=1)
        nn.init.xavier_normal_(self.W)
        nn.init.xavier_normal_(self.a)

    def _get_attention_scores(self, h_transformed):
        source = torch.matmul(h_transformed, self.a[:, :self.n_hidden, :])
        target = torch.matmul(h_transformed, self.a[:, self.n_hidden:, :])
        e = source + target.mT
        return self.leakyrelu(e)

    def forward(self, h, adj_mat):
        n_nodes = h.shape[0]
        h_transformed = torch.mm(h, self.W)
        h_transformed = F.dropout(h_transformed, self.dropout, training=self.training)
        h_transformed = h_transformed.view(n_nodes, self.n_heads, self.n_hidden).permute(1, 0, 2)
        e = self._get_attention_scores(h_transformed)
        connectivity_mask = -9e16 * torch.ones_like(e)
        e = torch.where(adj_mat > 0, e, connectivity_mask)
        attention = F.softmax(e, dim=-1)
        attention = F.dropout(attention, self.dropout, training=self.training)
        h_prime = torch.matmul(attention, h_transformed)
        if self.concat:
            return h_prime.permute(1, 0, 2).contiguous().view(n_nodes, self.n_heads * self.n_hidden)
        return h_prime.mean(dim=0)


class GAT(nn.Module):
    def __init__(self, in_features, n_hidden, n_heads, num_classes):
        super().__init__()
        self.gat1 = GraphAttentionLayer(in_features, n_hidden, n_heads, concat=True)
        self.gat2 = GraphAttentionLayer(n_hidden, num_classes, 1, concat=False)

    def forward(self, x, adj):
        x = F.elu(self.gat1(x, adj))
        return F.log_softmax(self.gat2(x, adj), dim=1)


n = args.nodes
ring = torch.arange(n)
adj = torch.zeros(n, n)
adj[ring, ring] = 1
adj[ring, (ring + 1) % n] = 1
adj[(ring + 1) % n, ring] = 1
adj[ring, (ring + 3) % n] = 1
features = wave(n, 6, phase=0.5)
labels = (ring * 7 % 3)
train_mask = ring % 4 != 3
model = GAT(6, 8, args.heads, 3)
fill_parameters(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.02, weight_decay=5e-4)
criterion = nn.NLLLoss()
for epoch in range(args.epochs):
    model.train()
    optimizer.zero_grad()
    y_hat = model(features, adj)
    loss = criterion(y_hat[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(features, adj).argmax(1)[~train_mask] == labels[~train_mask]).float().mean()
    print(f"step {epoch} loss {loss.item():.6f} test accuracy {accuracy.item():.4f}")
