"""An MNIST-style CNN (conv-conv-pool-dropout-fc) on synthetic 28x28 digits, trained with Adadelta and
StepLR through a DataLoader, then evaluated in eval mode under no_grad."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

from deterministic import fill_parameters, wave


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(16 * 12 * 12, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(self.dropout(x), 1)
        return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


def synthetic_digits(n):
    """Images whose label sets the frequency of a stripe pattern, plus a fixed texture."""
    labels = torch.arange(n) % 10
    rows = torch.arange(28, dtype=torch.float32).view(1, 28, 1)
    images = torch.sin(rows * (labels.view(-1, 1, 1).float() + 1) * 0.3) + 0.3 * wave(n, 28, 28)
    return images.unsqueeze(1), labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    args = parser.parse_args()

    images, labels = synthetic_digits(80)
    loader = DataLoader(TensorDataset(images, labels), batch_size=args.batch_size, shuffle=False)
    model = Net()
    fill_parameters(model)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        model.dropout.p = 0.0  # dropout's random mask is the one stream the frameworks do not share
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.6f}")
            step += 1
        scheduler.step()
        model.eval()
        with torch.no_grad():
            output = model(images)
            test_loss = F.nll_loss(output, labels, reduction="sum").item() / len(labels)
            correct = output.argmax(dim=1).eq(labels).sum().item()
        print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.4f} test loss {test_loss:.6f} accuracy {correct}/{len(labels)}")


if __name__ == "__main__":
    main()
