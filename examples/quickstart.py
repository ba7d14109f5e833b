"""Fit a two-layer network to a noisy spiral with nothing but mytorch tensors and autograd.

Run: python examples/quickstart.py
"""
import math
import time

import mytorch as torch


def spiral(n_per_class: int, classes: int, generator: torch.Generator):
    """Points on `classes` interleaved spiral arms with a little noise: (x, label)."""
    t = torch.linspace(0.0, 1.0, n_per_class)
    xs, ys = [], []
    for c in range(classes):
        angle = t * 4.0 + c * 2 * math.pi / classes + torch.randn(n_per_class, generator=generator) * 0.2
        xs.append(torch.stack([t * angle.sin(), t * angle.cos()], dim=1))
        ys.append(torch.full((n_per_class,), c, dtype=torch.int64))
    return torch.cat(xs), torch.cat(ys)


def main() -> None:
    g = torch.Generator().manual_seed(0)
    x, y = spiral(200, 3, g)
    w1 = (torch.randn(2, 64, generator=g) * 0.5).requires_grad_()
    b1 = torch.zeros(64, requires_grad=True)
    w2 = (torch.randn(64, 3, generator=g) * 0.1).requires_grad_()
    b2 = torch.zeros(3, requires_grad=True)
    params = [w1, b1, w2, b2]
    start = time.perf_counter()
    for step in range(1, 1001):
        logits = (x @ w1 + b1).tanh() @ w2 + b2
        # cross-entropy: -log softmax(logits)[y], written with logsumexp for stability
        loss = (logits.logsumexp(1) - logits.gather(1, y.unsqueeze(1)).squeeze(1)).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad = None
        if step % 100 == 0:
            acc = (logits.argmax(1) == y).float().mean().item()
            bar = "#" * (step // 50)
            print(f"step {step:4d} [{bar:<20}] loss {loss.item():.4f} accuracy {acc:.3f}")
    print(f"trained in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
