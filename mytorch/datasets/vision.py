"""`VisionDataset`: the torchvision-style base of the image data sets (``root=``, ``train=``, transforms).

A data set holds all its images in one uint8 tensor ``data`` [N, H, W] and its labels in one int64
tensor ``targets`` [N], read once at construction. Item i is ``(transform(data[i]), target_transform(label))``
with the label a Python int, as torchvision gives. Without a transform the image is the uint8 tensor
[H, W] itself (PIL is not needed); ``transforms.ToTensor()`` turns it into float [1, H, W] in [0, 1].
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from ..utils.data import Dataset


class VisionDataset(Dataset):
    """Images ``data`` [N, H, W] uint8 and labels ``targets`` [N] int64; subclasses fill both and ``classes``."""

    classes: list[str] = []
    data: Tensor
    targets: Tensor

    def __init__(self, root: Any, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None) -> None:
        self.root = root
        self.train = train
        self.transform = transform
        self.target_transform = target_transform

    def _set(self, data: Tensor, targets: Tensor) -> None:
        self.data, self.targets = data, targets
        self._labels = targets.tolist()  # Python ints: indexing a list is cheaper than a tensor per item

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self.data[index], self._labels[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}", f"    Split: {'Train' if self.train else 'Test'}"]
        for name in ("transform", "target_transform"):
            t = getattr(self, name)
            if t is not None:
                body = repr(t).splitlines()
                lines.append(f"    {name}: {body[0]}")
                lines.extend("    " + line for line in body[1:])
        return "\n".join(lines)
