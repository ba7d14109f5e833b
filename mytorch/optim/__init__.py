"""mytorch.optim: optimizers (in-place updates on parameters' storage) and lr schedulers."""
from . import lr_scheduler
from .adadelta import *  # noqa: F401,F403
from .adagrad import *  # noqa: F401,F403
from .adam import *  # noqa: F401,F403
from .adamw import *  # noqa: F401,F403
from .optimizer import *  # noqa: F401,F403
from .rmsprop import *  # noqa: F401,F403
from .sgd import *  # noqa: F401,F403
