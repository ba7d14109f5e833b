"""``python -m benchmarks``: the side-by-side benchmark table (see benchmarks/bench.py)."""
import sys

from .bench import main

sys.exit(main())
