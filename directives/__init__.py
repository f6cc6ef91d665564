"""Reading Vietnamese administrative directives into header, tasks, assignees and deadlines.

Pure functions except `extract_text` (directives/sources.py), which reads files.
"""

from directives.dates import deadline_occurrences, is_dated
from directives.parser import empty_result, parse_text
from directives.sources import DocumentTooBig, UnreadableDocument, extract_text

__all__ = [
    "DocumentTooBig",
    "UnreadableDocument",
    "deadline_occurrences",
    "empty_result",
    "extract_text",
    "is_dated",
    "parse_text",
]
