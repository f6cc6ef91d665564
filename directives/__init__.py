"""Reading Vietnamese administrative directives into header, tasks, assignees and deadlines.

Pure functions except `extract_text` (directives/sources.py), which reads files, and the OCR
of scans and photos it calls (directives/ocr.py).
"""

from directives.dates import deadline_occurrences, is_dated
from directives.parser import empty_result, parse_text
from directives.sources import (
    DocumentTooBig,
    OcrUnavailable,
    ScannedDocument,
    UnreadableDocument,
    extract_text,
)

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
