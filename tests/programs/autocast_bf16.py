"""Mixed-precision training on the CPU as PyTorch documents it: the forward pass and the loss under
``torch.autocast("cpu", dtype=torch.bfloat16)`` (convolutions and linear layers run in bfloat16, the loss in
float32), the backward pass outside it, a `torch.amp.GradScaler` around the optimizer step (on the CPU it
scales, unscales and grows the scale as on a GPU), parameters and their gradients kept in float32."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters, wave


class SmallCNN(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc1 = nn.Linear(4 * 4 * 4, 16)
        self.fc2 = nn.Linear(16, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    labels = torch.arange(24) % 3
    grid = torch.arange(8, dtype=torch.float32)
    images = torch.cos(grid.view(1, 1, 8, 1) * (labels.view(-1, 1, 1, 1) + 1) * 0.5 + grid.view(1, 1, 1, 8) * 0.3)
    images = images + 0.1 * wave(24, 1, 8, 8)
    model = SmallCNN()
    fill_parameters(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=4)
    for step in range(args.steps):
        x, y = images[step % 3 * 8:step % 3 * 8 + 8], labels[step % 3 * 8:step % 3 * 8 + 8]
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            logits = model(x)
            loss = F.cross_entropy(logits, y)
        if step == 0:
            print("dtypes", str(logits.dtype).split(".")[-1], str(loss.dtype).split(".")[-1],
                  str(model.fc1.weight.dtype).split(".")[-1])
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        print(f"step {step} loss {loss.item():.6f} scale {scaler.get_scale():.1f}")
    with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        accuracy = (model(images).argmax(1) == labels).float().mean()
    print(f"accuracy {accuracy.item():.4f}")


if __name__ == "__main__":
    main()
