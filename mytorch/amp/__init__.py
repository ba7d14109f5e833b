"""``torch.amp``: automatic mixed precision (`autocast`) and loss scaling (`GradScaler`)."""
from .autocast_mode import (autocast, autocast_decrement_nesting, autocast_increment_nesting, clear_autocast_cache,
                            get_autocast_cpu_dtype, get_autocast_dtype, is_autocast_available, is_autocast_cache_enabled,
                            is_autocast_cpu_enabled, is_autocast_enabled, set_autocast_cache_enabled,
                            set_autocast_dtype, set_autocast_enabled)
from .grad_scaler import GradScaler

__all__ = ["autocast", "is_autocast_available", "GradScaler"]
