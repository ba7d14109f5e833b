"""`mytorch.device`: where a tensor lives ("cpu" now, "cuda" with a later backend)."""
from __future__ import annotations

# The device types a device object may name (PyTorch's common ones); tensors exist on those a backend serves.
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta")


class device:
    """A device type with an optional index, as in ``device("cuda:0")``."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        elif ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: "
                               f"{type}")
        self.type = type
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index == other.index or None in (self.index, other.index) and self.type == "cpu")

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")

# The device factory functions create on when given none (`mytorch.set_default_device`); None is the CPU.
# It lives here, below the ops that read it on every call.
default_device: list = [None]
