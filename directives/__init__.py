"""Reading Vietnamese administrative directives into header, tasks, assignees and deadlines.

Pure functions except `extract_text` (directives/sources.py), which reads files, and the OCR
of scans and photos it calls (directives/ocr.py).

The names below are loaded on first use: a process that only computes deadlines (the
scheduler) does not pay for the parser's patterns.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from directives.dates import deadline_occurrences, is_dated
    from directives.parser import empty_result, parse_text
    from directives.sources import (
        DocumentTooBig,
        OcrUnavailable,
        ScannedDocument,
        UnreadableDocument,
        extract_text,
    )

_HOMES = {
    "deadline_occurrences": "directives.dates",
    "is_dated": "directives.dates",
    "empty_result": "directives.parser",
    "parse_text": "directives.parser",
    "DocumentTooBig": "directives.sources",
    "OcrUnavailable": "directives.sources",
    "ScannedDocument": "directives.sources",
    "UnreadableDocument": "directives.sources",
    "extract_text": "directives.sources",
}

__all__ = [
    "DocumentTooBig",
    "OcrUnavailable",
    "ScannedDocument",
    "UnreadableDocument",
    "deadline_occurrences",
    "empty_result",
    "extract_text",
    "is_dated",
    "parse_text",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'directives' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
