"""Polynomial regression by hand: autograd for the gradient, manual SGD updates under no_grad."""
import argparse

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=40)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()

x = torch.linspace(-1, 1, 64).unsqueeze(1)
features = torch.cat([x, x ** 2, x ** 3], dim=1)
y = 0.5 - 1.5 * x + 2.0 * x ** 3

w = torch.zeros(3, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(args.steps):
    loss = ((features @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= args.lr * w.grad
        b -= args.lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"step {step} loss {loss.item():.6f}")
print("weights", [round(v, 4) for v in w.detach().flatten().tolist()], "bias", round(b.item(), 4))
