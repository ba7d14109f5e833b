"""mytorch: a deep learning framework written from scratch with PyTorch's API.

Layers, bottom up: backends (primitive kernels) -> _tensor (the data
structure) -> autograd (Function, engine) -> ops (differentiable ops, which
attach Tensor methods) -> nn/optim/data -> apps.
"""
from __future__ import annotations

import builtins
import sys as _sys

from . import _dtype
from ._device import device
from ._dtype import (bfloat16, cdouble, cfloat, chalf, complex32, complex64, complex128, dtype, finfo, float16, float32,
                     float64, get_default_dtype, iinfo, int8, int16, int32, int64, is_complex, promote_types,
                     result_type as _result_type, set_default_dtype, uint8, uint16, uint32, uint64)
from ._tensor import Size, Tensor, is_tensor
from ._tensor_str import get_printoptions, set_printoptions
from . import autograd, random
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from . import ops as _ops
from .ops.binary import *  # noqa: F401,F403
from .ops.creation import *  # noqa: F401,F403
from .ops.range_deprecated import *  # noqa: F401,F403  (torch.range: shadows the builtin here, as in torch)
from .ops.indexing import *  # noqa: F401,F403
from .ops.linalg import *  # noqa: F401,F403
from .ops.reduction import *  # noqa: F401,F403
from .ops.unary import *  # noqa: F401,F403
from .ops.views import *  # noqa: F401,F403
from .ops.gather_scatter import *  # noqa: F401,F403
from .ops.joining import *  # noqa: F401,F403
from .ops.statistics import *  # noqa: F401,F403
from .ops.sorting import *  # noqa: F401,F403
from .ops.unique import *  # noqa: F401,F403
from .ops.einsum import *  # noqa: F401,F403
from .ops.random import *  # noqa: F401,F403
from .ops.activation import *  # noqa: F401,F403
from .ops.dropout import *  # noqa: F401,F403
from .ops.rrelu import *  # noqa: F401,F403
from .ops.linear import *  # noqa: F401,F403
from .ops.normalization import *  # noqa: F401,F403
from .ops.rms_norm import *  # noqa: F401,F403
from .ops.pointwise import *  # noqa: F401,F403
from .ops.conv import *  # noqa: F401,F403
from .ops.pooling import *  # noqa: F401,F403
from .ops.rnn import *  # noqa: F401,F403
from .ops.blas import *  # noqa: F401,F403
from .ops.diag import *  # noqa: F401,F403
from .ops.cross import *  # noqa: F401,F403
from .ops.distance import *  # noqa: F401,F403
from .ops.piecewise import *  # noqa: F401,F403
from .ops.pixel_shuffle import *  # noqa: F401,F403
from .ops.special import *  # noqa: F401,F403
from .ops.pointwise_composite import *  # noqa: F401,F403
from .ops.numerical import *  # noqa: F401,F403
from .ops.counting import *  # noqa: F401,F403
from .ops.composed import *  # noqa: F401,F403
from . import special  # noqa: E402  (torch.special: names from ops.special)
from .ops.windows import *  # noqa: F401,F403
from .ops.linalg_toplevel import *  # noqa: F401,F403
from .ops.lu import *  # noqa: F401,F403
from .ops.qr import *  # noqa: F401,F403
from .ops.cholesky import *  # noqa: F401,F403
from .ops.matrix_functions import *  # noqa: F401,F403
from .ops.complex import *  # noqa: F401,F403
from .ops.stft import *  # noqa: F401,F403
from .ops.factories import *  # noqa: F401,F403
from .ops.sliding import *  # noqa: F401,F403
from .ops.bits import *  # noqa: F401,F403
from .ops.hash_tensor import *  # noqa: F401,F403
from .ops.covariance import *  # noqa: F401,F403
from .ops.lowrank import *  # noqa: F401,F403
from .ops.segment_reduce import *  # noqa: F401,F403
from .ops.quantile import *  # noqa: F401,F403
from .ops.native_norms import *  # noqa: F401,F403
from .ops.scatter_reduce import *  # noqa: F401,F403
from .ops.sparse import *  # noqa: F401,F403
from .ops.sparse_compressed import *  # noqa: F401,F403
from .ops.grid_sample import affine_grid_generator, grid_sampler, grid_sampler_2d, grid_sampler_3d  # noqa: F401

bool = _dtype.bool_
half, float, double, long, int, short = float16, float32, float64, int64, int32, int16
strided = "strided"
sparse_coo = "sparse_coo"
sparse_csr, sparse_csc, sparse_bsr, sparse_bsc = "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"
contiguous_format = "contiguous_format"
torch = _sys.modules[__name__]  # PyTorch's ``torch.torch`` is the package itself (``torch.torch.ops.aten...``)
__version__ = "0.1.0"


def set_num_threads(n: builtins.int) -> None:
    """Threads the CPU kernels may use: the compiled backend's OpenMP pool (NumPy's BLAS takes its count
    from OMP_NUM_THREADS / OPENBLAS_NUM_THREADS when it loads)."""
    if type(n) is not builtins.int or n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    from . import backends
    backends.set_num_threads(n)


def get_num_threads() -> builtins.int:
    """Threads the kernels of the backend serving cpu may use."""
    from . import backends
    return backends.get_num_threads()


def result_type(tensor1, tensor2) -> dtype:
    """The dtype an op on `tensor1` and `tensor2` computes in, by PyTorch's type promotion."""
    return _result_type(tensor1, tensor2)


def is_floating_point(input: Tensor) -> builtins.bool:
    """True when input's dtype is a floating point type."""
    return input.dtype.is_floating_point


def numel(input: Tensor) -> builtins.int:
    """The number of elements of `input`."""
    return input.numel()

from . import accelerator, amp, cpu, cuda, fft, library, linalg, masked, mps, nn, optim, signal, sparse, utils  # noqa: E402  (framework layer: built on everything above)
from .amp import autocast  # noqa: E402
from .sparse import mm as spmm  # noqa: E402
from .utils.dlpack import from_dlpack  # noqa: E402
from .amp.autocast_mode import (autocast_decrement_nesting, autocast_increment_nesting,  # noqa: E402
                                clear_autocast_cache, get_autocast_cpu_dtype, get_autocast_dtype,
                                is_autocast_cache_enabled, is_autocast_cpu_enabled, is_autocast_enabled,
                                set_autocast_cache_enabled, set_autocast_dtype, set_autocast_enabled)
from .serialization import *  # noqa: E402,F401,F403
from .torch_alias import as_torch  # noqa: E402
from ._compile import compile  # noqa: E402,A001
from ._global_settings import *  # noqa: E402,F401,F403
from .ops.out import TORCH_OUT, add_factory_out_argument, add_out_argument  # noqa: E402

add_out_argument(globals(), TORCH_OUT)
add_factory_out_argument(globals())


def __getattr__(name: str):
    """``mytorch.onnx`` and ``mytorch.hub`` on first use, as PyTorch offers ``torch.onnx`` after ``import torch``:
    onnx needs the optional ``onnx`` package, which plain ``import mytorch`` must not."""
    if name in ("onnx", "hub"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'mytorch' has no attribute '{name}'")
