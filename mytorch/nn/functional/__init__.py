"""mytorch.nn.functional: thin functions over mytorch.ops, one file per family."""
from ...ops.grid_sample import affine_grid, grid_sample  # noqa: F401
from ...ops.joining import pad  # noqa: F401
from ...ops.distance import cosine_similarity, pairwise_distance, pdist  # noqa: F401
from ...ops.pixel_shuffle import channel_shuffle, native_channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: F401
from ...ops.rms_norm import rms_norm  # noqa: F401
from ...ops.unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: F401
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
from .margin_loss import *  # noqa: F401,F403
from .linear_cross_entropy import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .encoding import *  # noqa: F401,F403

from ...ops.out import FUNCTIONAL_OUT, add_out_argument  # noqa: E402

add_out_argument(globals(), FUNCTIONAL_OUT)
