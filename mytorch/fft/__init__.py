"""torch.fft: discrete Fourier transforms and their helpers.

The transforms (`_transforms.py`) compose the three differentiable kernels of ops/fft.py, which run the
backend's `fft` primitive (our own mixed-radix and Bluestein FFT: csrc/fft/, backends/_np_fft.py).
"""
from ._helpers import *  # noqa: F401,F403
from ._transforms import *  # noqa: F401,F403
from ._helpers import __all__ as _helpers_all
from ..ops.out import FFT_OUT, add_out_argument
from ._transforms import __all__ as _transforms_all

__all__ = _transforms_all + _helpers_all

add_out_argument(globals(), FFT_OUT)
