"""``python -m mytorch ...`` is the ``mytorch`` command."""
import sys

from .cli import main

sys.exit(main())
