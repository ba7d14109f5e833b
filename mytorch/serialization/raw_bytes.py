"""Raw storage bytes as a tensor: PyTorch's checkpoints keep each storage as its elements' bytes in a byte order.

The bytes become an array through the safetensors package's reader (mytorch's code above the backends does not
use NumPy): a one-tensor safetensors header is put in front of them.
"""
from __future__ import annotations

import json
import sys
from typing import Any

# safetensors' names for mytorch's dtypes; its byte reader turns raw bytes into an array without NumPy here
_SAFETENSORS_DTYPES = {"float32": "F32", "float64": "F64", "float16": "F16", "int64": "I64", "int32": "I32",
                       "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL", "uint16": "U16", "uint32": "U32",
                       "uint64": "U64"}


def tensor_from_bytes(raw: bytes, dtype: Any, byteorder: str) -> Any:
    """A 1-D tensor of `dtype` holding the elements in `raw` (stored in `byteorder`)."""
    import safetensors.numpy

    from ..ops.creation import from_numpy
    if dtype.is_complex:  # (real, imag) pairs of the real dtype, each stored in `byteorder`
        from ..ops.complex import view_as_complex
        return view_as_complex(tensor_from_bytes(raw, dtype.to_real(), byteorder).reshape(-1, 2))

    size = dtype.itemsize
    if byteorder != sys.byteorder and size > 1:
        swapped = bytearray(len(raw))
        for i in range(size):
            swapped[i::size] = raw[size - 1 - i::size]
        raw = bytes(swapped)
    code = _SAFETENSORS_DTYPES.get(dtype.name, "F32")
    if dtype.name == "bfloat16":  # a bfloat16 is the upper half of a float32: widen exactly, narrow after
        wide = bytearray(2 * len(raw))
        wide[2::4], wide[3::4] = raw[0::2], raw[1::2]
        raw = bytes(wide)
    header = json.dumps({"t": {"dtype": code, "shape": [len(raw) // (4 if code == "F32" else size)],
                               "data_offsets": [0, len(raw)]}}).encode()
    t = from_numpy(safetensors.numpy.load(len(header).to_bytes(8, "little") + header + raw)["t"])
    return t.to(dtype) if dtype.name == "bfloat16" else t
