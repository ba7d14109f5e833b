"""An MNIST-RNN-style classifier: each 12x12 synthetic image is read row by row by a two-layer GRU
(batch_first) whose last output is classified; RMSprop, ExponentialLR, accuracy per epoch."""
import argparse

import torch
import torch.nn as nn

from deterministic import fill_parameters, wave


class RowReader(nn.Module):
    def __init__(self, rows=12, hidden=24, classes=4):
        super().__init__()
        self.rnn = nn.GRU(rows, hidden, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1, :])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    labels = torch.arange(32) % 4
    cols = torch.arange(12, dtype=torch.float32)
    images = torch.cos(cols.view(1, 1, 12) * (labels.view(-1, 1, 1) + 1) * 0.4) + 0.2 * wave(32, 12, 12)
    model = RowReader()
    fill_parameters(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    for epoch in range(args.epochs):
        for step, (x, y) in enumerate(zip(images.split(16), labels.split(16))):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            print(f"step {epoch * 2 + step} loss {loss.item():.6f}")
        scheduler.step()
        with torch.no_grad():
            accuracy = (model(images).argmax(1) == labels).float().mean().item()
        print(f"epoch {epoch} accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
