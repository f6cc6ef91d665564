"""The file store: photos and documents people send, kept once by content hash.

Bytes go under ``settings.files_dir/<first two hex>/<sha256><ext>``; the `files` row keeps the
reference. The type is decided by the bytes (magic numbers), never by the name the sender gave:
JPEG, PNG, WebP, PDF, DOCX and XLSX only; anything larger than ``settings.max_file_bytes`` is
refused before it is read.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import secrets
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StoredFile

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    DOCX: ".docx",
    XLSX: ".xlsx",
}


class FileRejected(Exception):
    """A file not stored; `reason` is "missing", "too_big", "empty", "bad_type", "not_image"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str | None:
    """The MIME type of the accepted kinds by their leading bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
    return None


def is_image(mime: str) -> bool:
    return mime.startswith("image/")


def _read(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileRejected("missing") from error
    if size > limit:
        raise FileRejected("too_big")
    if size == 0:
        raise FileRejected("empty")
    data = path.read_bytes()
    if len(data) > limit:
        raise FileRejected("too_big")
    return data


def _write(target: Path, data: bytes) -> None:
    if target.exists() and target.stat().st_size == len(data):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    temporary.replace(target)


async def store_file(
    session: AsyncSession,
    files_dir: Path,
    source: Path,
    filename: str,
    now: datetime,
    max_bytes: int,
    images_only: bool = False,
) -> StoredFile:
    """Copies the received file into the store and returns its row (the existing row when the
    same bytes were stored before). Raises FileRejected; nothing is written then."""
    data = await asyncio.to_thread(_read, source, max_bytes)
    mime = sniff(data)
    if mime is None:
        raise FileRejected("bad_type")
    if images_only and not is_image(mime):
        raise FileRejected("not_image")
    digest = hashlib.sha256(data).hexdigest()
    target = files_dir / digest[:2] / f"{digest}{EXTENSIONS[mime]}"
    await asyncio.to_thread(_write, target, data)
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(StoredFile)
        .values(
            sha256=digest,
            size=len(data),
            mime=mime,
            filename=(Path(filename).name or f"{digest[:12]}{EXTENSIONS[mime]}")[:255],
            path=str(target),
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    row = await session.scalar(select(StoredFile).where(StoredFile.sha256 == digest))
    assert row is not None
    return row


async def files_by_ids(session: AsyncSession, ids: list[int]) -> list[StoredFile]:
    """The rows of these ids, in the given order (unknown ids are left out)."""
    if not ids:
        return []
    rows = {
        f.id: f for f in await session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows]
