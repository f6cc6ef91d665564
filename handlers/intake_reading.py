"""Receiving a directive: pasted text is parsed at once; a file is read by a `heavy` worker
(the person is told) and `intake:read` makes the draft from what it found. A document from
staff with nothing in progress starts intake by itself (`maybe_start`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import directives
from handlers.flow import Context, Turn, ask, done, work
from handlers.intake_common import STAFF_ROLES, cancel_option, finish
from handlers.intake_summary import show_summary
from handlers.types import Attachment, Option
from heavy import HeavyFailed
from locales import _
from storage.directives import create_draft

INTAKE_COMMAND = "napvanban"
# A message this long, from staff with nothing in progress, is read as a pasted directive.
AUTO_MIN_CHARS = 300
# what a worker reading one document may take
READ_SECONDS = 60.0
READ_MEMORY_MB = 768


def _size(attachment: Attachment) -> int:
    """The attachment's size in bytes (0 when it is missing: reading it then says so)."""
    try:
        return Path(attachment.path).stat().st_size
    except OSError:
        return 0


def _looks_like_directive(parsed: dict[str, Any]) -> bool:
    return bool(parsed.get("number") or parsed.get("tasks"))


async def _document(ctx: Context, auto: bool) -> Turn:
    """What the message carries, read: a file is read by a worker (the person is told, and
    `intake:read` goes on from what it found); pasted text is parsed at once."""
    msg = ctx.msg
    if msg.attachments:
        documents = [a for a in msg.attachments if a.kind == "document"]
        attachment = documents[0] if documents else msg.attachments[0]
        if attachment.kind != "document":
            return _refused(ctx, auto, _("directive.bad.photo"))
        limit = ctx.settings.max_file_bytes
        if await asyncio.to_thread(_size, attachment) > limit:
            return _refused(ctx, auto, _("files.rejected.too_big", mb=limit // (1024 * 1024)))
        ctx.data = {"auto": auto, "source": attachment.filename}
        return work(
            "intake:read",
            "directives.reading:read_and_parse",
            str(attachment.path),
            attachment.filename,
            notice=_("directive.reading", name=attachment.filename),
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
    ctx.data = {}
    if auto:
        options = [Option(f"cmd:{INTAKE_COMMAND}", _("directive.menu.intake"))]
        return done(refusal, options=options)
    return ask("intake:receive", _("directive.ask_document"), "text", [cancel_option()], [refusal])


async def intake_read(ctx: Context) -> Turn:
    """Makes a draft of the document the worker read, or says why it could not be read."""
    result, source = ctx.work, str(ctx.data.get("source") or "")
    auto = bool(ctx.data.get("auto"))
    if isinstance(result, HeavyFailed | directives.DocumentTooBig):
        return _refused(ctx, auto, _("directive.bad.too_big", name=source))
    if isinstance(result, BaseException) or not isinstance(result, dict):
        return _refused(ctx, auto, _("directive.bad.unreadable", name=source))
    if not _looks_like_directive(result):
        return _refused(ctx, auto, _("directive.bad.not_directive"))
    return await _new_draft(ctx, result, source)


async def _new_draft(ctx: Context, parsed: dict[str, Any], source: str) -> Turn:
    assert ctx.member is not None and ctx.unit is not None
    received = ctx.local_now.date()
    draft = await create_draft(
        ctx.session, ctx.unit, parsed, ctx.now, source, ctx.member.id, received
    )
    ctx.data = {"directive_id": draft.id}
    return await show_summary(ctx, draft, _("directive.received"))


async def maybe_start(ctx: Context) -> Turn | None:
    """Called by the engine when nothing is in progress: a document from staff, or a long
    text that reads as a directive, starts intake at once; anything else gives None."""
    if ctx.member is None or ctx.unit is None or ctx.member.role not in STAFF_ROLES:
        return None
    msg = ctx.msg
    if msg.attachments:
        if all(a.kind != "document" for a in msg.attachments):
            return None
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
