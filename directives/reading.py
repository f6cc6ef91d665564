"""A received file read and parsed in one go: what a `heavy` worker runs for directive intake."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from directives.parser import parse_text
from directives.sources import UnreadableDocument, extract_text

READABLE = (".txt", ".md", ".docx", ".pdf")


def read_file(path: str, sent_as: str) -> str:
    """The file's text; a file stored without its extension is read under the name it was
    sent with (`sent_as`)."""
    file = Path(path)
    suffix = Path(sent_as).suffix.lower()
    if file.suffix.lower() in READABLE or suffix not in READABLE:
        return extract_text(file)
    with tempfile.TemporaryDirectory() as folder:
        named = Path(folder) / f"document{suffix}"
        try:
            shutil.copyfile(file, named)
        except OSError as error:
            raise UnreadableDocument(str(error)) from error
        return extract_text(named)


def read_and_parse(path: str, sent_as: str) -> dict[str, Any]:
    """The parse of the file's text (see `directives.parse_text`)."""
    return dict(parse_text(read_file(path, sent_as)))
