"""mytorch.nn.utils: gradient clipping, parameter/vector conversion, packed sequences, parametrizations
and weight norm."""
from .clip_grad import *  # noqa: F401,F403
from .convert_parameters import *  # noqa: F401,F403
from . import rnn  # noqa: F401
from .init import *  # noqa: F401,F403
from . import parametrizations, parametrize  # noqa: F401
from .weight_norm import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .spectral_norm import *  # noqa: F401,F403
