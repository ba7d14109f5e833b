"""A small GPT trained on a repeating token pattern: AdamW with decay / no-decay parameter groups,
gradient clipping, device selection, and a checkpoint of model + optimizer that a second run resumes."""
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters


class CausalSelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block_size, dim=32, heads=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(block_size, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, idx, targets=None):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None if targets is None else F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
        return logits, loss

    def optimizer(self, lr, weight_decay):
        decay = [p for n, p in self.named_parameters() if p.dim() >= 2]
        no_decay = [p for n, p in self.named_parameters() if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.95))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", default="gpt_ckpt.pt")
    args = parser.parse_args()

    if torch.cuda.is_available():
        device = "cuda"
    elif torch.backends.mps.is_available():
        device = "mps"
    else:
        device = "cpu"
    torch.manual_seed(1337)
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True

    vocab, block_size, batch = 11, 16, 8
    stream = torch.tensor([(i * 7 + i // 5) % vocab for i in range(600)])
    starts = torch.arange(0, 600 - block_size - 1, 37)[:batch]
    xb = torch.stack([stream[s:s + block_size] for s in starts]).to(device)
    yb = torch.stack([stream[s + 1:s + block_size + 1] for s in starts]).to(device)

    model = GPT(vocab, block_size).to(device)
    fill_parameters(model)
    optimizer = model.optimizer(lr=3e-3, weight_decay=0.1)
    start = 0
    if args.resume:
        checkpoint = torch.load(args.out, map_location=device)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        start = checkpoint["step"]
    n_params = sum(p.numel() for p in model.parameters())
    print(f"device {device} parameters {n_params}")
    for step in range(start, start + args.steps):
        lr = 3e-3 * 0.5 * (1 + math.cos(math.pi * step / 40))
        for group in optimizer.param_groups:
            group["lr"] = lr
        _, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f} norm {norm.item():.4f}")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": start + args.steps},
               args.out)
    print("saved", os.path.basename(args.out))


if __name__ == "__main__":
    main()
