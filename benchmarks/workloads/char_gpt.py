"""A character-level GPT: 4 pre-LN blocks, d_model 128, 4 heads, context 128, batch 16, AdamW.

Each block is x + attention(LN(x)) then x + MLP(LN(x)) with a 4x GELU MLP; attention is
``F.scaled_dot_product_attention`` with the causal mask. Throughput is tokens per second (16 x 128 a step).
"""
from __future__ import annotations

from typing import Callable

from ._base import Workload

VOCAB, CONTEXT, WIDTH, HEADS, LAYERS, BATCH = 65, 128, 128, 4, 4, 16


def build(torch, framework: str, batch: int = BATCH, wrap: Callable = lambda model: model) -> Workload:
    """The training step on `batch` sequences; `wrap` wraps the model before the optimizer sees it
    (``DistributedDataParallel`` in benchmarks/ddp_scaling.py)."""
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
            self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
            self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(), nn.Linear(4 * WIDTH, WIDTH))

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, HEADS, WIDTH // HEADS).permute(2, 0, 3, 1, 4)
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(att.transpose(1, 2).reshape(b, t, WIDTH))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok, self.pos = nn.Embedding(VOCAB, WIDTH), nn.Embedding(CONTEXT, WIDTH)
            self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
            self.ln, self.head = nn.LayerNorm(WIDTH), nn.Linear(WIDTH, VOCAB)

        def forward(self, idx):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
            return self.head(self.ln(self.blocks(x)))

    model = wrap(GPT())
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    tokens = torch.randint(0, VOCAB, (batch, CONTEXT + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]

    def step() -> float:
        opt.zero_grad()
        loss = F.cross_entropy(model(inputs).reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()

    return Workload(step, batch * CONTEXT, "tokens/s")
