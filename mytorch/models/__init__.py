"""Model zoo: ready-made architectures built from mytorch.nn, and ``get_model(name, **kw)``."""
from __future__ import annotations

from typing import Any, Callable

from .. import nn
from .bert import BertConfig, BertModel
from .gpt import GPT, GPTConfig
from .lenet import LeNet5
from .llama import LlamaConfig, LlamaForCausalLM, LlamaModel
from .lstm_lm import LSTMLanguageModel, LSTMLMConfig, LSTMState
from .minilm import SentenceEncoder
from .mlp import MLP
from .resnet import BasicBlock, ResNet
from .speech_recognizer import SpeechRecognizer, SpeechRecognizerConfig
from .whisper import Whisper, WhisperConfig

__all__ = ["MLP", "LeNet5", "ResNet", "BasicBlock", "MODELS", "get_model", "BertConfig", "BertModel",
           "SentenceEncoder", "LlamaConfig", "LlamaModel", "LlamaForCausalLM", "GPTConfig", "GPT",
           "LSTMLMConfig", "LSTMLanguageModel", "LSTMState", "SpeechRecognizer", "SpeechRecognizerConfig",
           "Whisper", "WhisperConfig"]

MODELS: dict[str, Callable[..., nn.Module]] = {"mlp": MLP, "lenet": LeNet5, "resnet": ResNet}


def get_model(name: str, **kwargs: Any) -> nn.Module:
    """Build the model registered as ``name`` (a key of MODELS) with constructor keywords ``kwargs``."""
    try:
        factory = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}") from None
    return factory(**kwargs)
