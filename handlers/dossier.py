"""/hoso: the commune's nomination dossier as four .docx files in the chat (tờ trình with the list,
biên bản of the council, báo cáo thành tích, draft quyết định). "/hoso 2025" picks the year; the
default is this year. Only what the council passed is in; written under files_dir/dossiers by
a heavy worker (`bot.exports.dossier_files`), the person told meanwhile it is being prepared."""

from __future__ import annotations

from pathlib import Path

from bot import exports
from handlers.digest import export_failed
from handlers.flow import Context, Flow, Turn, done, work
from handlers.report import parse_integer
from handlers.types import Attachment, Reply
from locales import _

STAFF_ROLES = frozenset({"staff", "admin"})
DOCX_MIME = exports.DOCX_MIME


async def start(ctx: Context) -> Turn:
    """Checks the year asked (or takes this year) and has the worker build the dossier."""
    assert ctx.unit is not None
    year = parse_integer(ctx.msg.args) if ctx.msg.args.strip() else ctx.local_now.year
    if year is None or not 2000 <= year <= ctx.local_now.year + 1:
        return done(_("dossier.bad_year", year=ctx.local_now.year))
    folder = (
        ctx.settings.files_dir
        / "dossiers"
        / f"{ctx.unit.code}-{year}-{ctx.local_now:%Y%m%d-%H%M%S}"
    )
    ctx.data["year"] = year
    return work(
        "dossier:built",
        exports.DOSSIER,
        ctx.unit.id,
        year,
        str(folder),
        notice=_("dossier.preparing", year=year),
        seconds=ctx.settings.export_seconds,
        memory_mb=ctx.settings.export_memory_mb,
    )


async def built(ctx: Context) -> Turn:
    """Sends the four documents, or says there is nothing passed yet, or why they could not
    be made."""
    year = int(ctx.data.get("year") or ctx.local_now.year)
    result = ctx.work
    if not isinstance(result, tuple):
        return done(export_failed(result, _("dossier.too_big"), _("dossier.failed")))
    count, paths = result
    if not count:
        return done(_("dossier.empty", year=year))
    replies = [Reply(_("dossier.intro", year=year, count=count))]
    for name, caption in zip(paths, ("to_trinh", "bien_ban", "bao_cao", "quyet_dinh"), strict=True):
        path = Path(name)
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
    states={"dossier:built": built},
    menu="dossier.menu",
)
