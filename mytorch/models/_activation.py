"""Activation choice by name, shared by the model constructors."""
from __future__ import annotations

from .. import nn

ACTIVATIONS: dict[str, type[nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU,
                                            "sigmoid": nn.Sigmoid, "silu": nn.SiLU}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for ``name`` (one of ACTIVATIONS)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}") from None
