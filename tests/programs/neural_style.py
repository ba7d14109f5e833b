"""Fast neural style (pytorch/examples' fast_neural_style, tiny): a transformer network of reflection-padded
convolutions, instance norms and a residual block, upsampling by nearest neighbour; trained so its output keeps
the content image's features and takes the style image's Gram matrices (from a small fixed feature network)."""
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

from deterministic import fill_parameters, wave

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=6)
parser.add_argument("--size", type=int, default=12)
parser.add_argument("--style-weight", type=float, default=5.0)
args = parser.parse_args()


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3, 1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3, 1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.in1(self.conv1(x)))
        return self.in2(self.conv2(out)) + x


class UpsampleConvLayer(nn.Module):
    def __init__(self, cin, cout, kernel, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel // 2)
        self.conv2d = nn.Conv2d(cin, cout, kernel, stride)

    def forward(self, x):
        if self.upsample:
            x = F.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = ConvLayer(3, 8, 5, 1)
        self.in1 = nn.InstanceNorm2d(8, affine=True)
        self.conv2 = ConvLayer(8, 16, 3, 2)
        self.in2 = nn.InstanceNorm2d(16, affine=True)
        self.res1 = ResidualBlock(16)
        self.deconv1 = UpsampleConvLayer(16, 8, 3, 1, upsample=2)
        self.in3 = nn.InstanceNorm2d(8, affine=True)
        self.deconv2 = UpsampleConvLayer(8, 3, 5, 1)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res1(y)
        y = self.relu(self.in3(self.deconv1(y)))
        return self.deconv2(y)


def gram_matrix(y):
    b, ch, h, w = y.size()
    features = y.view(b, ch, w * h)
    return features.bmm(features.transpose(1, 2)) / (ch * h * w)


features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
transformer = TransformerNet()
fill_parameters(transformer)
fill_parameters(features)
for p in features.parameters():
    p.requires_grad_(False)
content = wave(2, 3, args.size, args.size, phase=0.2)
style = wave(1, 3, args.size, args.size, phase=1.3, scale=2.0)
gram_style = gram_matrix(features(style))
# a large eps: the conv biases before instance norms get gradients of rounding noise only, which plain Adam
# would blow up to full steps of either sign
optimizer = torch.optim.Adam(transformer.parameters(), lr=1e-2, eps=1e-4)
mse_loss = torch.nn.MSELoss()
for step in range(args.steps):
    optimizer.zero_grad()
    y = transformer(content)
    features_y, features_x = features(y), features(content)
    content_loss = mse_loss(features_y, features_x)
    style_loss = args.style_weight * mse_loss(gram_matrix(features_y), gram_style.expand(2, -1, -1))
    loss = content_loss + style_loss
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f} content {content_loss.item():.6f} style {style_loss.item():.6f}")
