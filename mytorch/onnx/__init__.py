"""mytorch.onnx: export a model's forward as an ONNX model (PyTorch's ``torch.onnx.export``)."""
from . import errors
from ._export import export
from ._registry import symbolic

__all__ = ["errors", "export", "symbolic"]
