"""Text generation for decoder models: a KV cache, logits processing and sampling, greedy and beam search,
and multi-turn chat sessions kept in the cache."""
from .chat import ChatReply, ChatSession
from .kv_cache import KVCache
from .sampling import SamplingConfig
from .search import generate

__all__ = ["KVCache", "SamplingConfig", "generate", "ChatSession", "ChatReply"]
