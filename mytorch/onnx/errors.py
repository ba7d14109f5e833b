"""The exceptions of `mytorch.onnx`, named as PyTorch names them (``torch.onnx.errors``)."""


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op the traced forward ran has no ONNX translation."""

    def __init__(self, op: str, scope: str, module_type: str) -> None:
        where = f"module '{scope}' ({module_type})" if scope else f"the model's own forward ({module_type})"
        super().__init__(f"Exporting the operator '{op}' to ONNX is not supported: it was called in {where}. "
                         f"Add a translation with mytorch.onnx's @symbolic('{op}') in a symbolic_*.py file.")
