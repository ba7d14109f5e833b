"""Stands in for PyTorch during `mytorch run` tests: importing it means the torch alias was bypassed."""
raise ImportError("the real `torch` package was imported under `mytorch run`")
