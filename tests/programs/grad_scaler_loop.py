"""A training loop written for mixed precision: `torch.amp.GradScaler` scales the loss, unscales before
gradient clipping, skips the step whose gradients overflow (one is forced here) and backs the scale off;
the autocast region is switched off (`enabled=False`), as scripts do where no GPU is present."""
import argparse

import torch
import torch.nn as nn

from deterministic import fill_parameters, wave


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--overflow-at", type=int, default=4)
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 1)).to(device)
    fill_parameters(model)
    x = wave(48, 6, phase=1.0)
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = torch.amp.GradScaler(device, init_scale=2.0 ** 12, growth_interval=3)
    for step in range(args.steps):
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=False):
            loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        if step == args.overflow_at:
            model[0].weight.grad[0, 0] = float("inf")
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        scaler.step(optimizer)
        scaler.update()
        print(f"step {step} loss {loss.item():.6f} scale {scaler.get_scale():.1f}")
    print("state", sorted(scaler.state_dict().items()))


if __name__ == "__main__":
    main()
