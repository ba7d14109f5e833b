"""A variational autoencoder on synthetic 8x8 images: reparameterisation, a Bernoulli decoder with
binary cross-entropy plus the KL term, Adam. `--fixed-noise` draws the reparameterisation noise from a
formula instead of torch.randn, so that two frameworks see the same samples."""
import argparse

import torch
import torch.nn.functional as F
from torch import nn, optim

from deterministic import fill_parameters, wave


class VAE(nn.Module):
    def __init__(self, pixels=64, hidden=32, latent=4):
        super().__init__()
        self.enc = nn.Linear(pixels, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec1 = nn.Linear(latent, hidden)
        self.dec2 = nn.Linear(hidden, pixels)

    def encode(self, x):
        h = F.relu(self.enc(x))
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        return torch.sigmoid(self.dec2(F.relu(self.dec1(z))))

    def forward(self, x, noise):
        mu, logvar = self.encode(x.view(-1, 64))
        z = mu + noise * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def loss_function(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--fixed-noise", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    data = (wave(32, 8, 8, phase=0.5) + 1) / 2  # pixel intensities in [0, 1]
    model = VAE()
    fill_parameters(model)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    for step in range(args.steps):
        noise = wave(32, 4, phase=step) if args.fixed_noise else torch.randn(32, 4)
        optimizer.zero_grad()
        recon, mu, logvar = model(data, noise)
        loss = loss_function(recon, data, mu, logvar)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item() / len(data):.6f}")
    with torch.no_grad():
        sample = model.decode(torch.zeros(1, 4))
    print("sample mean", round(sample.mean().item(), 4))


if __name__ == "__main__":
    main()
