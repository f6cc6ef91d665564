"""/hoso: the commune's nomination dossier as four .docx files in the chat (tờ trình with the list,
biên bản of the council, báo cáo thành tích, draft quyết định). "/hoso 2025" picks the year; the
default is this year. Only what the council passed is in; written under files_dir/dossiers."""

from __future__ import annotations

import asyncio

from handlers.flow import Context, Flow, Turn, done
from handlers.report import parse_integer
from handlers.types import Attachment, Reply
from locales import _
from storage.dossier import gather, render

STAFF_ROLES = frozenset({"staff", "admin"})
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def start(ctx: Context) -> Turn:
    """Builds the dossier of the staff member's unit for the year asked (or this year)."""
    assert ctx.unit is not None
    year = parse_integer(ctx.msg.args) if ctx.msg.args.strip() else ctx.local_now.year
    if year is None or not 2000 <= year <= ctx.local_now.year + 1:
        return done(_("dossier.bad_year", year=ctx.local_now.year))
    data = await gather(ctx.session, ctx.unit, year)
    if not data.rows:
        return done(_("dossier.empty", year=year))
    folder = (
        ctx.settings.files_dir
        / "dossiers"
        / f"{ctx.unit.code}-{year}-{ctx.local_now:%Y%m%d-%H%M%S}"
    )
    paths = await asyncio.to_thread(render, data, folder)
    replies = [Reply(_("dossier.intro", year=year, count=len(data.rows)))]
    for path, caption in zip(paths, ("to_trinh", "bien_ban", "bao_cao", "quyet_dinh"), strict=True):
        replies.append(
            Reply(
                _(f"dossier.caption.{caption}"),
                attachment=Attachment("document", path, path.name, DOCX_MIME),
            )
        )
    return Turn(replies)


FLOW = Flow(
    name="dossier",
    commands=("hoso", "ho so", "dossier"),
    english="dossier",
    roles=STAFF_ROLES,
    start=start,
    states={},
    menu="dossier.menu",
)
