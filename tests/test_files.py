"""The file store: type by magic bytes, size limit, one copy per content hash."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from storage.files import DOCX, XLSX, FileRejected, files_by_ids, sniff, store_file
from storage.models import StoredFile

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"\x00" * 40


def office(kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml", "<x/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buf.getvalue()


def test_types_are_told_by_their_bytes() -> None:
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PNG) == "image/png"
    assert sniff(WEBP) == "image/webp"
    assert sniff(PDF) == "application/pdf"
    assert sniff(office("word")) == DOCX
    assert sniff(office("xl")) == XLSX
    for bad in (
        b"",
        b"MZ\x90\x00",
        b"GIF89a....",
        plain_zip(),
        b"PK\x03\x04broken",
        b"RIFFxxxxWAVE",
    ):
        assert sniff(bad) is None, bad[:8]


def read(path: Path) -> bytes:
    return path.read_bytes()


async def store(app: App, path: Path, max_bytes: int | None = None) -> StoredFile:
    async with app.sessions() as session, session.begin():
        return await store_file(
            session,
            app.settings.files_dir,
            path,
            path.name,
            app.clock.now(),
            max_bytes or app.settings.max_file_bytes,
        )


async def test_same_bytes_are_stored_once_under_their_hash(app: App, tmp_path: Path) -> None:
    first = tmp_path / "a.jpg"
    first.write_bytes(JPEG)
    second = tmp_path / "copy-named.pdf"
    second.write_bytes(JPEG)
    one = await store(app, first)
    two = await store(app, second)
    assert one.id == two.id and one.mime == "image/jpeg" and one.size == len(JPEG)
    assert read(Path(one.path)) == JPEG
    assert Path(one.path).is_relative_to(app.settings.files_dir)
    assert Path(one.path).name == f"{one.sha256}.jpg"
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(StoredFile.id))) == 1
        assert [f.id for f in await files_by_ids(session, [one.id, 999])] == [one.id]


async def test_documents_keep_their_name_and_get_the_right_type(app: App, tmp_path: Path) -> None:
    path = tmp_path / "Danh sách đề nghị.docx"
    path.write_bytes(office("word"))
    stored = await store(app, path)
    assert stored.mime == DOCX and stored.filename == "Danh sách đề nghị.docx"
    assert stored.path.endswith(".docx")


@pytest.mark.parametrize(
    ("data", "limit", "reason"),
    [
        (b"x" * 200, 100, "too_big"),
        (b"", None, "empty"),
        (b"MZ\x90\x00 not an image", None, "bad_type"),
    ],
)
async def test_refused_files_leave_nothing_behind(
    app: App, tmp_path: Path, data: bytes, limit: int | None, reason: str
) -> None:
    path = tmp_path / "in.jpg"
    path.write_bytes(data)
    with pytest.raises(FileRejected) as refused:
        await store(app, path, limit)
    assert refused.value.reason == reason
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(StoredFile.id))) == 0
    assert not app.settings.files_dir.exists() or not any(app.settings.files_dir.rglob("*.*"))


async def test_a_missing_file_is_refused(app: App, tmp_path: Path) -> None:
    with pytest.raises(FileRejected) as refused:
        await store(app, tmp_path / "gone.jpg")
    assert refused.value.reason == "missing"


async def test_the_20_mb_limit_comes_from_settings(app: App) -> None:
    assert app.settings.max_file_bytes == 20 * 1024 * 1024


async def test_images_only_refuses_documents_before_writing(app: App, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(PDF)
    async with app.sessions() as session, session.begin():
        with pytest.raises(FileRejected) as refused:
            await store_file(
                session, app.settings.files_dir, path, "a.pdf", app.clock.now(), 10**6, True
            )
    assert refused.value.reason == "not_image"
    async with app.sessions() as session:
        assert await session.scalar(select(func.count(StoredFile.id))) == 0
