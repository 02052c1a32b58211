"""Helpers shared by the ``#``-separated card fields (names, addresses)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def clean_part(text: str) -> str:
    """Trim and collapse runs of whitespace to one space (cards pad and double-space)."""
    return _SPACES.sub(" ", text).strip()
