"""Text generation for decoder models: a KV cache, logits processing and sampling, greedy and beam search."""
from .kv_cache import KVCache
from .sampling import SamplingConfig
from .search import generate

__all__ = ["KVCache", "SamplingConfig", "generate"]
