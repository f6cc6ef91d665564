"""Reading a directive's text out of the file people have: .txt, .md, .docx, a .pdf, or a scan
or photo of it (read by OCR, `directives.ocr`).

With `directives.ocr`, the one module of `directives` that does I/O.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path


class UnreadableDocument(Exception):
    """The file is missing, of an unknown kind, corrupt, or (a PDF) has no text layer."""


class DocumentTooBig(UnreadableDocument):
    """The file holds more than a directive could: `limit` is "size" (unpacked), "pages" or
    "characters"."""

    def __init__(self, limit: str, detail: str) -> None:
        super().__init__(detail)
        self.limit = limit


class ScannedDocument(UnreadableDocument):
    """A scan or photo (an image, or a PDF without a text layer) read without OCR: its text
    must be read by OCR; `pages` pages."""

    def __init__(self, pages: int) -> None:
        super().__init__(pages)
        self.pages = pages

    def __str__(self) -> str:
        return f"a scan or photo of {self.pages} page(s): its text must be read by OCR"


class OcrUnavailable(UnreadableDocument):
    """A scan or photo, and Tesseract or its Vietnamese model is not installed here."""


# A real directive is a few pages; these are far above any, and far below what would take
# a reader minutes or gigabytes (a .docx packs 200 MB of XML into under 1 MB).
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_PAGES = 300
MAX_CHARACTERS = 400_000


TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif"})
# A PDF page with fewer characters in its text layer than this is a scan.
SCAN_CHARACTERS = 40


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1258 writes tones as combining marks; recompose them.
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _read_docx(path: Path) -> str:
    try:
        import docx
        from docx.document import Document as DocumentObject
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise UnreadableDocument(f"python-docx is not installed: {exc}") from exc
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableDocument(f"not a readable .docx file: {path.name}") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentTooBig("size", f"{path.name} unpacks to {unpacked} bytes")
    try:
        document: DocumentObject = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableDocument(f"not a readable .docx file: {path.name}") from exc
    except Exception as exc:
        raise UnreadableDocument(f"not a readable .docx file: {path.name}") from exc

    lines: list[str] = []

    def walk_table(table: Table) -> None:
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # merged cells repeat
                    continue
                seen.add(id(cell._tc))
                for block in cell.iter_inner_content():
                    if isinstance(block, Paragraph):
                        lines.append(block.text)
                    else:
                        walk_table(block)

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            walk_table(block)
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - dependency is declared
        raise UnreadableDocument(f"pypdf is not installed: {exc}") from exc
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            reader.decrypt("")
        if len(reader.pages) > MAX_PAGES:
            raise DocumentTooBig("pages", f"{path.name} has {len(reader.pages)} pages")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentTooBig:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise UnreadableDocument(f"not a readable .pdf file: {path.name}") from exc
    text = "\n".join(pages)
    # a scan: no text, or hardly more than page numbers and a stamp on each page
    if len("".join(text.split())) < SCAN_CHARACTERS * len(pages):
        raise ScannedDocument(len(pages))
    return text


def extract_text(path: Path, ocr: bool = True) -> str:
    """The document's text.

    .txt/.md: UTF-8 (with or without BOM, or UTF-16 with BOM), else Windows-1258, else Latin-1.
    .docx: paragraphs and table cells in document order, one per line.
    .pdf: the text layer, page after page; a scan (no text layer) is read by OCR.
    An image (.jpg, .png, …): read by OCR (`directives.ocr`).
    With `ocr` False a scan or image raises ScannedDocument (its page count) instead.
    Raises UnreadableDocument for a missing file, an unknown extension, a corrupt file;
    OcrUnavailable for a scan when OCR is not installed; DocumentTooBig (one of them) past
    MAX_UNPACKED_BYTES, MAX_PAGES or MAX_CHARACTERS, or OCR's own page and pixel limits. Run
    it in a `heavy` worker: a hostile file may still cost time and memory up to those limits.
    """
    path = Path(path)
    try:
        text = _extract(path)
    except ScannedDocument:
        if not ocr:
            raise
        from directives.ocr import ocr_text

        text = ocr_text(path)
    if len(text) > MAX_CHARACTERS:
        raise DocumentTooBig("characters", f"{len(text)} characters")
    return text


def _extract(path: Path) -> str:
    if not path.is_file():
        raise UnreadableDocument(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        try:
            return _decode(path.read_bytes())
        except OSError as exc:
            raise UnreadableDocument(f"cannot read {path.name}: {exc}") from exc
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix in IMAGE_SUFFIXES:
        from directives.ocr import page_count

        raise ScannedDocument(page_count(path))
    raise UnreadableDocument(f"unsupported file type {suffix or '(none)'}: {path.name}")
