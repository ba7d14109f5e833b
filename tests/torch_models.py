"""torch.nn twins of mytorch.models (same layer names, so state-dict keys match): the references of
test_models.py and test_training_parity.py."""
import torch


def torch_mlp(in_features=784, hidden=(512, 256), num_classes=10, activation="relu", dropout=0.0):
    nn = torch.nn
    act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    layers, width = [nn.Flatten()], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), act()] + ([nn.Dropout(dropout)] if dropout > 0 else [])
        width = h
    return nn.Sequential(*layers, nn.Linear(width, num_classes))


class TorchMLP(torch.nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.layers = torch_mlp(**kw)

    def forward(self, x):
        return self.layers(x)


class TorchLeNet5(torch.nn.Module):
    def __init__(self, num_classes=10, in_channels=1, activation="relu"):
        super().__init__()
        nn = torch.nn
        act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
        self.features = nn.Sequential(nn.Conv2d(in_channels, 6, 5, padding=2), act(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), act(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), act(), nn.Linear(120, 84), act(),
                                        nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class TorchBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + self.shortcut(x))


class TorchResNet(torch.nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=1, num_classes=10, in_channels=1):
        super().__init__()
        nn = torch.nn
        per_stage = [blocks] * len(widths) if isinstance(blocks, int) else list(blocks)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU())
        stages, width = [], widths[0]
        for i, (w, n) in enumerate(zip(widths, per_stage)):
            stages.append(nn.Sequential(*[TorchBlock(width if j == 0 else w, w, (1 if i == 0 else 2) if j == 0 else 1)
                                          for j in range(n)]))
            width = w
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.fc(self.flatten(self.pool(self.stages(self.stem(x)))))
