"""Folding Vietnamese text for matching: what people type without diacritics still matches."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, no diacritics, đ→d, single spaces: "Báo  cáo" → "bao cao"."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.replace("đ", "d")).strip()


def clean(text: str) -> str:
    """NFC, trimmed, inner runs of spaces folded; keeps diacritics and case."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
