"""Sub-pixel super-resolution (pytorch/examples' super_resolution, tiny): convolutions on a low-resolution
image, then PixelShuffle rearranges r*r channels into an r-times larger image. Orthogonal initialisation with
the ReLU gain, as the example, then weights by formula so both frameworks start alike; Adam on the MSE, PSNR
printed as the example does."""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.init as init
import torch.nn.functional as F

from deterministic import fill_parameters, wave

parser = argparse.ArgumentParser()
parser.add_argument("--upscale", type=int, default=2)
parser.add_argument("--steps", type=int, default=8)
parser.add_argument("--size", type=int, default=6, help="low-resolution side")
args = parser.parse_args()


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


high = (wave(4, 1, args.size * args.upscale, args.size * args.upscale, phase=0.4) + 1) / 2
low = F.avg_pool2d(high, args.upscale)
model = Net(args.upscale)
w = model.conv4.weight.detach().flatten(1)
print("orthogonal init", torch.allclose(w @ w.t(), torch.eye(w.shape[0]), atol=1e-5))
fill_parameters(model)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(args.steps):
    optimizer.zero_grad()
    loss = criterion(model(low), high)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} psnr {10 * math.log10(1 / loss.item()):.4f}")
with torch.no_grad():
    out = model(low[:1]).clamp(0, 1)
print("output", tuple(out.shape), f"{out.mean().item():.5f}")
