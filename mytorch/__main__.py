"""``python -m mytorch ...`` is the ``mytorch`` command."""
import sys

from .cli import main

if __name__ == "__main__":  # importing the module (as the API reference's inspection does) runs nothing
    sys.exit(main())
