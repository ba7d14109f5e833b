"""What the run configurations (image, language-model and speech training) share: reading one back from a
checkpoint's plain dict."""
from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["RunConfig"]

C = TypeVar("C", bound="RunConfig")


class RunConfig:
    """A mixin for a run's dataclass of settings."""

    @classmethod
    def from_dict(cls: type[C], d: dict[str, Any]) -> C:
        """The config of the settings in `d` that are its fields; others (a setting an older or newer
        mytorch wrote) are ignored, missing ones take their defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
