"""Digits: scikit-learn's 1,797 handwritten digits, 8x8 pixels (``sklearn.datasets.load_digits``).

The originals count ink in 4x4 blocks (0..16); they are rescaled to 0..255, round(v * 255 / 16), so
that items look like every other image data set here (uint8 [8, 8]; ``ToTensor`` maps them to [0, 1]).
There is no test split: `stratified_split` keeps the first 80% of each digit for training.
"""
from __future__ import annotations

import os
from typing import Callable

from .. import _dtype as D
from ..ops.creation import tensor
from .mnist import MNIST
from .utils import INSTALL_ALL, stratified_split
from .vision import VisionDataset

__all__ = ["Digits"]


class Digits(VisionDataset):
    """1,797 digits from scikit-learn (an optional dependency); items (uint8 [8, 8], int).
    Train: 1,433; test: 364. `root` and `download` are accepted for a uniform signature: the data ship
    inside scikit-learn."""

    classes = MNIST.classes
    install = "pip install scikit-learn"

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise RuntimeError(f"Digits: scikit-learn is not installed; install it with `{self.install}` "
                               f"(or `{INSTALL_ALL}` for every data set)") from None
        bunch = load_digits()
        super().__init__(root, train, transform, target_transform)
        labels = [int(y) for y in bunch.target]
        keep = tensor(stratified_split(labels, train))
        images = (tensor(bunch.images, dtype=D.float64) * (255 / 16)).round_().to(D.uint8)
        self._set(images[keep], tensor(labels)[keep])
