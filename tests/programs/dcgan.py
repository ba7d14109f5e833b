"""A DCGAN on 16x16 synthetic images: transposed-convolution generator, strided-convolution
discriminator, batch norm, BCELoss with real/fake labels, Adam(betas=(0.5, 0.999)), and the
alternating updates (D on real + detached fake, then G through D). `--fixed-noise` as in vae.py."""
import argparse

import torch
import torch.nn as nn
import torch.optim as optim

from deterministic import fill_parameters, wave

NZ, NGF, NDF = 8, 8, 8


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, NGF * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(NGF * 2), nn.ReLU(True),
            nn.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), nn.BatchNorm2d(NGF), nn.ReLU(True),
            nn.ConvTranspose2d(NGF, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, NDF, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(NDF * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(NDF * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--fixed-noise", action="store_true")
    args = parser.parse_args()
    netG, netD = Generator(), Discriminator()
    fill_parameters(netG)
    fill_parameters(netD)
    criterion = nn.BCELoss()
    optimizerD = optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    batch = 8
    real = wave(batch, 1, 16, 16, phase=0.3).tanh()
    for step in range(args.steps):
        noise = wave(batch, NZ, 1, 1, phase=step) if args.fixed_noise else torch.randn(batch, NZ, 1, 1)
        netD.zero_grad()
        label = torch.full((batch,), 1.0)
        errD_real = criterion(netD(real), label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(0.0)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(1.0)
        errG = criterion(netD(fake), label)
        errG.backward()
        optimizerG.step()
        print(f"step {step} loss_D {(errD_real + errD_fake).item():.6f} loss_G {errG.item():.6f}")


if __name__ == "__main__":
    main()
