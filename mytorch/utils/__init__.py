"""mytorch.utils: data loading and helpers."""
from . import data, dlpack
