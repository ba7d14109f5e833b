"""The atlas's datasets: seeded toy sets, standardised, split, with a mesh to draw decision regions on."""
from __future__ import annotations

from dataclasses import dataclass

from .._tensor import Tensor
from ..datasets.toy import toy_dataset
from ..ops.creation import linspace
from ..ops.joining import meshgrid, stack

N_TRAIN = 300
N_TEST = 300
MESH = 100  # points per side of the mesh the decision regions are drawn from
MARGIN = 0.5  # how far (in standard deviations) the mesh reaches past the data


@dataclass
class ToyData:
    name: str
    n_classes: int
    x_train: Tensor  # (N_TRAIN, 2), standardised with the training set's mean and std
    y_train: Tensor  # (N_TRAIN,) int64 class indices
    x_test: Tensor
    y_test: Tensor
    xs: list[float]  # the mesh's coordinates along each axis
    ys: list[float]
    mesh: Tensor  # (len(ys) * len(xs), 2): every (x, y) pair, x varying fastest

    @property
    def mesh_shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)


def load(name: str, seed: int, n_train: int = N_TRAIN, n_test: int = N_TEST, mesh: int = MESH) -> ToyData:
    """`name`'s training and test points (one seeded draw, split), standardised, and the mesh around them."""
    x, y = toy_dataset(name, n_train + n_test, random_state=seed).tensors  # shuffled: the split is fair
    x_train, x_test = x[:n_train], x[n_train:]
    mean, std = x_train.mean(0), x_train.std(0)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    lo, hi = x_train.amin(0) - MARGIN, x_train.amax(0) + MARGIN
    xs, ys = (linspace(lo[i].item(), hi[i].item(), mesh) for i in range(2))
    grid_y, grid_x = meshgrid(ys, xs, indexing="ij")
    points = stack([grid_x.reshape(-1), grid_y.reshape(-1)], 1)
    return ToyData(name, int(y.max().item()) + 1, x_train, y[:n_train], x_test, y[n_train:],
                   xs.tolist(), ys.tolist(), points)

