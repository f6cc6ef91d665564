"""Receiving a directive: pasted text is parsed at once; a file is read by a `heavy` worker
(the person is told) and `intake:read` makes the draft from what it found. A photo, or a file
that turns out to be a scan, is read by OCR in a worker of its own, the person told how many
pages ("Đang đọc văn bản, 3 trang…"). A document or photo from staff with nothing in progress
starts intake by itself (`maybe_start`)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import directives
from directives import ocr
from handlers.flow import Context, Turn, ask, done, stay, work
from handlers.intake_common import STAFF_ROLES, cancel_option, current_draft, finish, gone
from handlers.intake_summary import show_summary
from handlers.types import Attachment, Option
from heavy import HeavyFailed
from locales import _
from storage.directives import create_draft, discard_draft

INTAKE_COMMAND = "napvanban"
# A message this long, from staff with nothing in progress, is read as a pasted directive.
AUTO_MIN_CHARS = 300
# what a worker reading one document may take
READ_SECONDS = 60.0
READ_MEMORY_MB = 768
# and one reading a scan or photo with OCR: a few seconds a page on one core, with room for
# a slow machine; the Vietnamese model and a page's images need more memory
OCR_SECONDS_BASE = 30.0
OCR_SECONDS_PER_PAGE = 20.0
OCR_SECONDS_MAX = 240.0
OCR_MEMORY_MB = 1536
KEPT_PREFIX = "reading-"
# letters and digits OCR must find on a photo for it to count as a page of text
LEGIBLE = 40


def _size(attachment: Attachment) -> int:
    """The attachment's size in bytes (0 when it is missing: reading it then says so)."""
    try:
        return Path(attachment.path).stat().st_size
    except OSError:
        return 0


def _keep(attachment: Attachment, folder: Path) -> str:
    """A copy of the attachment for the worker (a channel deletes its download once the
    message is handled; the work may run after that, or again after a restart). It lies with
    the downloads, so one a crash leaves behind is swept with them."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(attachment.filename).suffix.lower()[:8]
    kept = folder / f"{KEPT_PREFIX}{uuid.uuid4().hex}{suffix}"
    try:
        shutil.copyfile(attachment.path, kept)
    except OSError:
        return str(attachment.path)  # missing: reading it says so
    return str(kept)


def _drop_kept(ctx: Context) -> None:
    kept = ctx.data.get("file")
    if not isinstance(kept, str):
        return
    path = Path(kept)
    if path.parent == _reading_folder(ctx) and path.name.startswith(KEPT_PREFIX):
        path.unlink(missing_ok=True)


def _reading_folder(ctx: Context) -> Path:
    return Path(ctx.settings.files_dir) / "incoming"


def _looks_like_directive(parsed: dict[str, Any]) -> bool:
    return bool(parsed.get("number") or parsed.get("tasks"))


def _ocr_seconds(pages: int) -> float:
    return min(OCR_SECONDS_MAX, OCR_SECONDS_BASE + OCR_SECONDS_PER_PAGE * pages)


def _read_scan(ctx: Context, pages: int, before: str = "") -> Turn:
    """Reads the kept scan or photo with OCR in a worker, the person told how many pages;
    `before`: the text of the pages read from earlier photos of the same document."""
    ctx.data["ocr"] = True
    notice = (
        _("directive.reading_page", page=int(ctx.data.get("pages") or 0) + 1)
        if before
        else _("directive.reading_scan", pages=pages)
    )
    return work(
        "intake:read",
        "directives.reading:ocr_and_parse",
        ctx.data["file"],
        str(ctx.data.get("source") or ""),
        ctx.local_now.date().isoformat(),
        before,
        notice=notice,
        seconds=_ocr_seconds(pages),
        memory_mb=OCR_MEMORY_MB,
    )


async def add_page(ctx: Context) -> Turn:
    """A photo sent while the summary of a photographed directive stands is its next page:
    read by OCR and joined to the pages before it, the draft made again from them all."""
    attachment = ctx.msg.attachments[0]
    pages = int(ctx.data.get("pages") or 1)
    if not ocr.available():
        return stay(_("directive.bad.no_ocr"))
    if pages >= ocr.MAX_PAGES:
        return stay(_("directive.bad.scan_pages", pages=pages + 1, most=ocr.MAX_PAGES))
    limit = ctx.settings.max_file_bytes
    if await asyncio.to_thread(_size, attachment) > limit:
        return stay(_("files.rejected.too_big", mb=limit // (1024 * 1024)))
    kept = await asyncio.to_thread(_keep, attachment, _reading_folder(ctx))
    ctx.data.update({"file": kept, "source": attachment.filename, "adding": True})
    return _read_scan(ctx, 1, str(ctx.data.get("scan_text") or ""))


async def _page_refused(ctx: Context, note: str) -> Turn:
    """The added page could not be read: the draft stands as it was, with why."""
    _drop_kept(ctx)
    for key in ("adding", "file"):
        ctx.data.pop(key, None)
    draft = await current_draft(ctx)
    if draft is None:
        return gone(ctx)
    return await show_summary(ctx, draft, note)


async def _document(ctx: Context, auto: bool) -> Turn:
    """What the message carries, read: a file by a worker (the person is told, and
    `intake:read` goes on from what it found), a photo by OCR; pasted text at once."""
    msg = ctx.msg
    if msg.attachments:
        documents = [a for a in msg.attachments if a.kind == "document"]
        attachment = documents[0] if documents else msg.attachments[0]
        picture = attachment.kind == "photo" or ocr.is_image(attachment.filename)
        if picture and not ocr.available():
            return _refused(ctx, auto, _("directive.bad.no_ocr"))
        limit = ctx.settings.max_file_bytes
        if await asyncio.to_thread(_size, attachment) > limit:
            return _refused(ctx, auto, _("files.rejected.too_big", mb=limit // (1024 * 1024)))
        kept = await asyncio.to_thread(_keep, attachment, _reading_folder(ctx))
        name = attachment.filename
        ctx.data = {"auto": auto, "source": name, "file": kept}
        if picture:
            return _read_scan(ctx, 1)
        return work(
            "intake:read",
            "directives.reading:read_and_parse",
            kept,
            name,
            ctx.local_now.date().isoformat(),
            notice=_("directive.reading", name=name),
            seconds=READ_SECONDS,
            memory_mb=READ_MEMORY_MB,
        )
    text = msg.text.strip()
    if not text:
        return _refused(ctx, auto, _("directive.ask_document"))
    parsed = dict(directives.parse_text(text, received=ctx.local_now.date()))
    if not _looks_like_directive(parsed):
        return _refused(ctx, auto, _("directive.bad.not_directive"))
    return await _new_draft(ctx, parsed, "")


def _refused(ctx: Context, auto: bool, refusal: str) -> Turn:
    """The document could not be taken: outside intake, a pointer to it; inside, the
    question again."""
    _drop_kept(ctx)
    ctx.data = {}
    if auto:
        options = [Option(f"cmd:{INTAKE_COMMAND}", _("directive.menu.intake"))]
        return done(refusal, options=options)
    return ask("intake:receive", _("directive.ask_document"), "text", [cancel_option()], [refusal])


async def intake_read(ctx: Context) -> Turn:
    """Makes a draft of the document the worker read; a scan found goes to OCR (the person
    told how many pages); a page added to a photographed draft makes it again from all its
    pages; otherwise says why it could not be read."""
    result, source = ctx.work, str(ctx.data.get("source") or "")
    auto, adding = bool(ctx.data.get("auto")), bool(ctx.data.get("adding"))
    if isinstance(result, directives.ScannedDocument) and "ocr" not in ctx.data:
        if not ocr.available():
            return _refused(ctx, auto, _("directive.bad.no_ocr"))
        if result.pages > ocr.MAX_PAGES:
            too_long = _("directive.bad.scan_pages", pages=result.pages, most=ocr.MAX_PAGES)
            return _refused(ctx, auto, too_long)
        return _read_scan(ctx, result.pages)
    refusal: str | None = None
    if isinstance(result, directives.OcrUnavailable):
        refusal = _("directive.bad.no_ocr")
    elif isinstance(result, HeavyFailed | directives.DocumentTooBig):
        refusal = _("directive.bad.too_big", name=source)
    elif isinstance(result, BaseException) or not isinstance(result, dict):
        refusal = _("directive.bad.unreadable", name=source)
    if refusal is not None:
        return await _page_refused(ctx, refusal) if adding else _refused(ctx, auto, refusal)
    assert isinstance(result, dict)
    scan_text = result.get("text") if "parsed" in result else None
    parsed = result.get("parsed", result)
    legible = int(result.get("letters", LEGIBLE)) >= LEGIBLE
    if not _looks_like_directive(parsed) or not legible:
        if adding:
            return await _page_refused(ctx, _("directive.bad.blurred"))
        key = "directive.bad.blurred" if "ocr" in ctx.data else "directive.bad.not_directive"
        return _refused(ctx, auto, _(key))
    _drop_kept(ctx)
    pages = int(ctx.data.get("pages") or 0) + 1 if adding else 1
    if adding:
        earlier = await current_draft(ctx)
        if earlier is not None:
            source = earlier.source_name
            await discard_draft(ctx.session, earlier)
    before = [_("directive.page_added", pages=pages)] if adding else []
    keep = {"scan_text": scan_text, "pages": pages} if isinstance(scan_text, str) else {}
    return await _new_draft(ctx, parsed, source, *before, keep=keep)


async def _new_draft(
    ctx: Context,
    parsed: dict[str, Any],
    source: str,
    *before: str,
    keep: dict[str, Any] | None = None,
) -> Turn:
    """Stores the parse as a draft and shows its summary; `keep`: more for the flow's data
    (the text of the pages read so far, for a photographed document)."""
    assert ctx.member is not None and ctx.unit is not None
    received = ctx.local_now.date()
    draft = await create_draft(
        ctx.session, ctx.unit, parsed, ctx.now, source, ctx.member.id, received
    )
    ctx.data = {"directive_id": draft.id, **(keep or {})}
    return await show_summary(ctx, draft, *before, _("directive.received"))


async def maybe_start(ctx: Context) -> Turn | None:
    """Called by the engine when nothing is in progress: a document from staff, or a long
    text that reads as a directive, starts intake at once; anything else gives None."""
    if ctx.member is None or ctx.unit is None or ctx.member.role not in STAFF_ROLES:
        return None
    msg = ctx.msg
    if msg.attachments:
        pass
    elif len(msg.text.strip()) < AUTO_MIN_CHARS:
        return None
    if not msg.attachments:
        parsed = dict(directives.parse_text(msg.text.strip(), received=ctx.local_now.date()))
        if not _looks_like_directive(parsed):
            return None
        return await _new_draft(ctx, parsed, "")
    return await _document(ctx, auto=True)


async def intake_start(ctx: Context) -> Turn:
    """Asks for the directive: pasted text or a file."""
    ctx.data = {}
    return ask("intake:receive", _("directive.ask_document"), "text", [cancel_option()])


async def intake_receive(ctx: Context) -> Turn:
    """Reads the pasted text or file into a draft and shows its summary."""
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("directive.cancelled"))
    return await _document(ctx, auto=False)
