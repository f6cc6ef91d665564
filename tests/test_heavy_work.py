"""Heavy work runs in a worker with limits, outside the message's transaction: a hostile document
is refused with a clear answer, and other chats are answered while a document is read."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

import heavy
from bot.app import App
from handlers.types import Attachment, Outcome
from tests.factories import World, make_incoming

DOCX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body>"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_of(path: Path, paragraphs: int, text: str = "Nhiệm vụ") -> Path:
    """A .docx with `paragraphs` paragraphs: small on disk, as large unpacked as one likes."""
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        with archive.open("word/document.xml", "w") as out:
            out.write(DOCX_HEAD.encode())
            chunk = (paragraph * 1000).encode()
            for _ in range(paragraphs // 1000):
                out.write(chunk)
            out.write(b"</w:body></w:document>")
    return path


def text_of(outcome: Outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


@pytest.mark.nodb
async def test_a_worker_returns_results_and_reraises_the_functions_own_errors() -> None:
    assert await heavy.run("tests.heavy_samples:add", 2, 3) == 5
    with pytest.raises(ValueError, match="không đọc được"):
        await heavy.run("tests.heavy_samples:refuse", "không đọc được")


@pytest.mark.nodb
async def test_a_worker_past_its_memory_or_time_is_stopped() -> None:
    with pytest.raises(heavy.HeavyFailed) as memory:
        await heavy.run("tests.heavy_samples:hog", 400, limits=heavy.Limits(30, 200))
    assert memory.value.reason == "memory"
    with pytest.raises(heavy.HeavyFailed) as slow:
        await heavy.run("tests.heavy_samples:spin", 30.0, limits=heavy.Limits(1.5, 300))
    assert slow.value.reason == "time"


async def test_a_docx_that_unpacks_to_a_flood_of_xml_is_refused_as_too_big(
    app: App, world: World, tmp_path: Path
) -> None:
    # about 300 KB on disk, 60 MB of XML unpacked
    bomb = docx_of(tmp_path / "ke-hoach.docx", 1_400_000, "x")
    assert bomb.stat().st_size < 1024 * 1024
    attachment = Attachment("document", bomb, "ke-hoach.docx")
    outcome = await app.engine.handle(make_incoming("", "staff", attachments=(attachment,)))
    assert "đang đọc" in outcome.replies[0].text
    assert "quá lớn" in text_of(outcome)
    # nothing is left half-done: the next message is answered as usual
    after = await app.engine.handle(make_incoming("/trogiup", "staff"))
    assert "/napvanban" in text_of(after)


async def test_other_chats_are_answered_while_a_document_is_read(
    app: App, world: World, tmp_path: Path
) -> None:
    # a legitimate but long document: reading it takes a while
    long = docx_of(tmp_path / "bao-cao.docx", 60_000, "Điều 1. Triển khai thực hiện nhiệm vụ")
    attachment = Attachment("document", long, "bao-cao.docx")
    reading = asyncio.create_task(
        app.engine.handle(make_incoming("", "staff", attachments=(attachment,)))
    )
    # the staff member's turn has committed and the worker is reading
    while not heavy_running():
        assert not reading.done(), text_of(reading.result())
        await asyncio.sleep(0.02)
    helped = await app.engine.handle(make_incoming("/trogiup", "head1"))
    assert "/baocao" in text_of(helped)
    assert not reading.done()
    outcome = await reading
    assert outcome.replies[0].text.startswith("Bot đang đọc tệp «bao-cao.docx»")
    assert len(outcome.replies) >= 2


def heavy_running() -> bool:
    """A worker process is running (one of this test process's children)."""
    import os

    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return bool(children.read_text().split()) if children.exists() else False


async def test_a_step_that_fails_after_the_work_leaves_the_chat_free(
    app: App, world: World, tmp_path: Path
) -> None:
    async def broken(ctx: object) -> object:
        raise RuntimeError("a bug after reading")

    app.engine.steps["intake:read"] = broken  # type: ignore[assignment]
    small = docx_of(tmp_path / "ke-hoach.docx", 1000, "Điều 1. Giao nhiệm vụ")
    attachment = Attachment("document", small, "ke-hoach.docx")
    outcome = await app.engine.handle(make_incoming("", "staff", attachments=(attachment,)))
    assert "sự cố" in text_of(outcome)
    after = await app.engine.handle(make_incoming("/trogiup", "staff"))
    assert "/napvanban" in text_of(after)
