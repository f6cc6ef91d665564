"""A received file read and parsed in one go: what a `heavy` worker runs for directive intake.

`read_and_parse` reads a text document (.txt, .md, .docx, a .pdf with text) and raises
`ScannedDocument` for a scan or a photo, so the bot can say how many pages OCR will read
before `ocr_and_parse` reads them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from directives.parser import parse_text
from directives.sources import (
    IMAGE_SUFFIXES,
    UnreadableDocument,
    extract_text,
)

READABLE = frozenset({".txt", ".md", ".docx", ".pdf"} | IMAGE_SUFFIXES)


@contextmanager
def _named(path: str, sent_as: str) -> Iterator[Path]:
    """The file under a name with the extension it was sent with (a channel may store a
    download without one)."""
    file = Path(path)
    suffix = Path(sent_as).suffix.lower()
    if file.suffix.lower() in READABLE or suffix not in READABLE:
        yield file
        return
    with tempfile.TemporaryDirectory() as folder:
        named = Path(folder) / f"document{suffix}"
        try:
            shutil.copyfile(file, named)
        except OSError as error:
            raise UnreadableDocument(str(error)) from error
        yield named


def read_file(path: str, sent_as: str, ocr: bool = True) -> str:
    """The file's text (`sources.extract_text`); a file stored without its extension is read
    under the name it was sent with (`sent_as`)."""
    with _named(path, sent_as) as file:
        return extract_text(file, ocr=ocr)


def _parsed(text: str, received: str | None) -> dict[str, Any]:
    day = date.fromisoformat(received) if received else None
    return dict(parse_text(text, received=day))


def read_and_parse(path: str, sent_as: str, received: str | None = None) -> dict[str, Any]:
    """The parse of a text document's text (see `directives.parse_text`; `received`: ISO day
    the commune received it). A scan or photo raises `ScannedDocument` with its page count."""
    return _parsed(read_file(path, sent_as, ocr=False), received)


def ocr_and_parse(
    path: str, sent_as: str, received: str | None = None, before: str = ""
) -> dict[str, Any]:
    """A scan's or photo's text read by OCR page by page, after `before` (the pages read
    from earlier photos of the same document): {"text": all of it, "parsed": its parse,
    "letters": how many letters and digits OCR found in this file}."""
    page = read_file(path, sent_as)
    text = f"{before.rstrip()}\n\n{page}" if before.strip() else page
    letters = sum(c.isalnum() for c in page)
    return {"text": text, "parsed": _parsed(text, received), "letters": letters}
