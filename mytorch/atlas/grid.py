"""The atlas's experiment matrix, and how one cell of it trains.

A cell is one (dataset, loss, optimizer, activation) combination: a 2-H-H-C multilayer perceptron
trained full-batch (one step per epoch over the whole training set, the fewest ops per step, because
per-op Python overhead dominates a model this small) for a fixed number of epochs from a seeded
initialisation. Every cell of a dataset starts from the same seed, so the cells of a column begin at
the same weights and differ only by what the row changes.

The axes:
- optimizers: SGD and SGD with momentum 0.9 at the same learning rate (momentum is the only change
  between the two rows), Adam and RMSprop at one learning rate each; nothing is tuned per cell, so the
  grid shows how forgiving each optimizer is of each activation.
- activations: ReLU, GELU (exact, erf-based), Sigmoid, Tanh, between the hidden layers.
- losses: cross-entropy on the logits, and the mean squared error between the logits and the one-hot
  targets (the "square loss for classification" of Hui & Belkin, 2021).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .. import nn, optim
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.binary import where
from ..ops.creation import eye
from ..random import manual_seed
from .data import ToyData

OPTIMIZERS: dict[str, Callable[[Iterable[nn.Parameter]], optim.Optimizer]] = {
    "SGD": lambda params: optim.SGD(params, lr=0.2),
    "SGD+momentum": lambda params: optim.SGD(params, lr=0.2, momentum=0.9),
    "Adam": lambda params: optim.Adam(params, lr=0.01),
    "RMSprop": lambda params: optim.RMSprop(params, lr=0.01),
}
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "ReLU": nn.ReLU, "GELU": nn.GELU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh,
}
LOSSES = ("cross-entropy", "MSE")
HIDDEN = 32
TARGET_ACCURACY = 0.95


@dataclass(frozen=True)
class Cell:
    """One point of the matrix."""
    dataset: str
    loss: str
    optimizer: str
    activation: str


@dataclass
class CellResult:
    """What a trained cell reports: the table's numbers and the decision regions over the data's mesh."""
    cell: Cell
    accuracy: float  # on the held-out test set
    train_accuracy: float
    final_loss: float  # full-batch training loss after the last step
    epochs_to_target: int | None  # the fewest epochs after which training accuracy >= TARGET_ACCURACY
    seconds: float
    margins: list  # [class][row along y][column along x]: class_margins over the data's mesh


def cells(dataset: str) -> Iterator[Cell]:
    """The dataset's cells in figure order: loss, then optimizer (rows), then activation (columns)."""
    for loss in LOSSES:
        for optimizer in OPTIMIZERS:
            for activation in ACTIVATIONS:
                yield Cell(dataset, loss, optimizer, activation)


def mlp(activation: str, n_classes: int, hidden: int = HIDDEN) -> nn.Sequential:
    """The atlas's classifier: 2 -> hidden -> hidden -> n_classes, with the named activation between layers."""
    act = ACTIVATIONS[activation]
    return nn.Sequential(nn.Linear(2, hidden), act(), nn.Linear(hidden, hidden), act(), nn.Linear(hidden, n_classes))


def loss_function(loss: str, y: Tensor, n_classes: int) -> Callable[[Tensor], Tensor]:
    """logits -> scalar loss against the labels `y` (MSE compares the logits with one-hot rows)."""
    if loss == "cross-entropy":
        return lambda logits: F.cross_entropy(logits, y)
    if loss == "MSE":
        one_hot = eye(n_classes)[y]
        return lambda logits: F.mse_loss(logits, one_hot)
    raise ValueError(f"atlas: unknown loss {loss!r}; expected one of {LOSSES}")


def accuracy(logits: Tensor, y: Tensor) -> float:
    """The fraction of rows whose argmax of `logits` equals the label in `y`."""
    return (logits.argmax(1) == y).sum().item() / y.shape[0]


def class_margins(logits: Tensor) -> Tensor:
    """m[:, k] = z_k - max over j != k of z_j: positive exactly where class k wins, so the zero level of
    column k outlines class k's decision region (a smooth field to contour, unlike the argmax)."""
    top = logits.sort(1, descending=True).values
    runner_up = where(logits == top[:, :1], top[:, 1:2], top[:, :1])
    return logits - runner_up


def train_cell(cell: Cell, data: ToyData, epochs: int, seed: int) -> CellResult:
    """Train the cell's MLP full-batch for `epochs` steps and evaluate it on the test set and the mesh."""
    manual_seed(seed)
    model = mlp(cell.activation, data.n_classes)
    opt = OPTIMIZERS[cell.optimizer](model.parameters())
    criterion = loss_function(cell.loss, data.y_train, data.n_classes)
    epochs_to_target = None
    start = time.perf_counter()
    for epoch in range(epochs):
        opt.zero_grad()
        logits = model(data.x_train)
        criterion(logits).backward()
        opt.step()
        # these logits come from the weights after `epoch` steps: the check costs no extra forward pass
        if epochs_to_target is None and accuracy(logits, data.y_train) >= TARGET_ACCURACY:
            epochs_to_target = epoch
    with no_grad():
        logits = model(data.x_train)
        train_accuracy, final_loss = accuracy(logits, data.y_train), criterion(logits).item()
        test_accuracy = accuracy(model(data.x_test), data.y_test)
        seconds = time.perf_counter() - start  # training and evaluation; drawing the regions is not counted
        margins = class_margins(model(data.mesh)).T.reshape(data.n_classes, *data.mesh_shape).tolist()
    if epochs_to_target is None and train_accuracy >= TARGET_ACCURACY:
        epochs_to_target = epochs
    return CellResult(cell, test_accuracy, train_accuracy, final_loss, epochs_to_target, seconds, margins)
