"""Staff digests: `/tonghop` (`/digest`) on demand, and the daily and weekly digests pushed
through the outbox (`plan_digests`, run by the scheduler).

The text says who is late first, then the rest; it is split at the channel's limit, never in
the middle of a line. On demand, a completeness chart (PNG) and the .xlsx export follow as
attachments, written under `settings.files_dir / "exports"`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.chart import Bar, completeness_png
from bot.settings import Settings
from handlers.flow import Context, Flow, Turn
from handlers.types import Attachment, Reply
from locales import _, use_locale
from locales.formats import date_label, datetime_label, month_label, number_label
from storage.digest import (
    Digest,
    Missing,
    PeriodFigures,
    Total,
    build_digest,
    digest_changed,
    focus_period,
)
from storage.export import write_xlsx
from storage.models import ChatBinding, Member, OutboxMessage, Unit
from storage.nominations import status_label
from storage.outbox import enqueue
from storage.reminders import Planned

LIMITS = {"telegram": 4096, "zalo": 2000, "console": 4096}
DEFAULT_LIMIT = 2000
STAFF_ROLES = frozenset({"staff", "admin"})
MISSING_SHOWN = 40
ROWS_SHOWN = 40
PNG_MIME = "image/png"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def limit_of(channel: str) -> int:
    return LIMITS.get(channel, DEFAULT_LIMIT)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines; a single line longer than the
    limit (rare) is cut between words, or hard as a last resort."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, line = line[:cut], line[cut:].lstrip(" ")
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()] or [""]


def _period_line(fig: PeriodFigures, key: str) -> str:
    return _(
        key,
        month=month_label(fig.period),
        due=date_label(fig.due),
        submitted=fig.submitted,
        expected=fig.expected,
        percent=fig.percent,
        on_time=fig.on_time,
        late=fig.late,
        missing=len(fig.missing),
    )


def _missing_lines(missing: list[Missing]) -> list[str]:
    """A line for each unit that has not reported (the first MISSING_SHOWN, then how many more)."""
    lines = []
    for item in missing[:MISSING_SHOWN]:
        where = f"{item.name} ({item.parent})" if item.parent else item.name
        lines.append(_("digest.missing_line", unit=where, head=item.head or _("digest.no_head")))
    if len(missing) > MISSING_SHOWN:
        lines.append(_("digest.more", count=len(missing) - MISSING_SHOWN))
    return lines


def nominations_line(digest: Digest) -> str:
    """How many nominations, by current status (each counted once), and how many are new."""
    total = sum(digest.nominations.values())
    if not total:
        return _("digest.nominations_none")
    parts = ", ".join(f"{status_label(s)} {n}" for s, n in digest.nominations.items())
    return _("digest.nominations", total=total, statuses=parts, new=digest.new_nominations)


def total_value(total: Total) -> str:
    """The figure of one indicator as people read it ("1.200", "96,3%")."""
    text = number_label(total.value, total.decimals + (1 if total.how == "mean" else 0))
    return f"{text}%" if total.kind == "percentage" else text


def total_line(total: Total) -> str:
    return _(
        f"digest.total.{total.how}",
        label=total.label,
        value=total_value(total),
        reports=total.reports,
    )


def render_text(digest: Digest, tz: ZoneInfo) -> str:
    """The digest as one text in the current locale (split it with `split_text`)."""
    lines = [
        _("digest.title", unit=digest.unit_name),
        _("digest.generated", at=datetime_label(digest.generated_at, tz)),
        "",
        _period_line(digest.current, "digest.period"),
    ]
    cur = digest.current
    if cur.missing:
        key = "digest.missing_overdue" if cur.overdue else "digest.missing_title"
        lines.append(_(key, count=len(cur.missing)))
        lines += _missing_lines(cur.missing)
    else:
        lines.append(_("digest.all_submitted"))
    if any(row.expected > 1 for row in cur.rows):
        lines += ["", _("digest.by_subunit")]
        for row in cur.rows[:ROWS_SHOWN]:
            lines.append(
                _(
                    "digest.subunit_line",
                    unit=row.name,
                    submitted=row.submitted,
                    expected=row.expected,
                    late=row.late,
                    missing=row.missing,
                )
            )
        if len(cur.rows) > ROWS_SHOWN:
            lines.append(_("digest.more", count=len(cur.rows) - ROWS_SHOWN))
    lines += ["", _period_line(digest.last, "digest.last_period")]
    if digest.last.missing:
        lines.append(_("digest.missing_title", count=len(digest.last.missing)))
    lines += _missing_lines(digest.last.missing)

    lines += ["", nominations_line(digest)]
    for nomination in digest.pending[:10]:
        lines.append(
            _(
                "digest.nomination_line",
                nominee=nomination.nominee,
                award=nomination.award,
                unit=nomination.unit,
            )
        )
    lines += ["", _("digest.upcoming_title")]
    if not digest.upcoming:
        lines.append(_("digest.upcoming_none"))
    for deadline in digest.upcoming:
        if deadline.kind == "report":
            lines.append(
                _(
                    "digest.upcoming_report",
                    due=date_label(deadline.due),
                    month=month_label(deadline.text),
                    done=deadline.done,
                    units=deadline.units,
                )
            )
        else:
            lines.append(
                _(
                    "digest.upcoming_task",
                    due=date_label(deadline.due),
                    task=deadline.text,
                    directive=deadline.directive,
                    done=deadline.done,
                    units=deadline.units,
                )
            )
    if digest.failed_count or digest.blocked_chats:
        lines += [
            "",
            _("digest.failed_title", count=digest.failed_count, blocked=digest.blocked_chats),
        ]
        for failure in digest.failed[:10]:
            lines.append(
                _(
                    "digest.failed_line",
                    member=failure.member,
                    unit=failure.unit,
                    channel=failure.channel,
                )
            )
    if digest.totals:
        lines += ["", _("digest.totals_title", month=month_label(cur.period))]
        lines += [total_line(total) for total in digest.totals]
    if digest.details:
        lines += ["", _("digest.details_title", month=month_label(cur.period))]
        lines += [
            _("digest.detail_line", unit=d.unit, label=d.label, text=d.text)
            for d in digest.details
        ]
    lines += ["", _("digest.footer")]
    return "\n".join(lines)


@dataclass(frozen=True)
class Files:
    png: Path
    xlsx: Path


async def write_files(
    session: AsyncSession, digest: Digest, root: Unit, settings: Settings, stamp: str
) -> Files:
    """Writes the chart and the workbook under files_dir/exports and returns their paths."""
    folder = settings.files_dir / "exports"
    base = f"tonghop-{root.code}-{digest.current.period}-{stamp}"
    bars = [Bar(row.name, row.on_time, row.late, row.expected) for row in digest.current.rows]
    title = _("digest.chart.title", unit=root.name, month=month_label(digest.current.period))
    png = await asyncio.to_thread(
        completeness_png,
        bars,
        folder / f"{base}.png",
        title,
        _("digest.chart.on_time"),
        _("digest.chart.late"),
        _("digest.chart.axis"),
    )
    tz = ZoneInfo(settings.timezone)
    xlsx = await write_xlsx(session, digest, root, folder / f"{base}.xlsx", tz)
    return Files(png, xlsx)


async def digest_start(ctx: Context) -> Turn:
    """Builds the digest of the staff member's unit: text pieces, chart and workbook."""
    assert ctx.unit is not None
    period = await focus_period(ctx.session, ctx.settings, ctx.now)
    digest = await build_digest(ctx.session, ctx.settings, ctx.unit, period, ctx.now)
    text = render_text(digest, ctx.tz)
    replies = [Reply(piece) for piece in split_text(text, limit_of(ctx.msg.channel))]
    files = await write_files(
        ctx.session, digest, ctx.unit, ctx.settings, f"{ctx.local_now:%Y%m%d-%H%M%S}"
    )
    replies.append(
        Reply(
            _("digest.chart_caption"),
            attachment=Attachment("photo", files.png, files.png.name, PNG_MIME),
        )
    )
    replies.append(
        Reply(
            _("digest.xlsx_caption"),
            attachment=Attachment("document", files.xlsx, files.xlsx.name, XLSX_MIME),
        )
    )
    return Turn(replies)


DIGEST = Flow(
    name="digest",
    commands=("tonghop", "digest"),
    english="digest",
    roles=STAFF_ROLES,
    start=digest_start,
    states={},
    menu="digest.menu",
)


async def plan_digests(
    session: AsyncSession, settings: Settings, now: datetime, kind: str
) -> list[Planned]:
    """Enqueues the `kind` ("daily" or "weekly") digest for every active staff member with a
    reachable chat. A daily digest is skipped when nothing changed since the last one; the
    weekly one always goes and carries the chart and workbook. Keys carry the local date, so a
    second run the same day adds nothing (nor recomputes: a catch-up run after a restart is
    safe). No daily digest on Mondays: the weekly one goes instead."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    period = await focus_period(session, settings, now)
    if kind == "daily" and local.weekday() == 0:
        return []
    since = now - (timedelta(days=7) if kind == "weekly" else timedelta(days=1))
    staff = (
        (
            await session.execute(
                select(Member, Unit)
                .join(Unit, Unit.id == Member.unit_id)
                .where(Member.role.in_(STAFF_ROLES), Member.active.is_(True))
                .order_by(Member.id)
            )
        )
        .tuples()
        .all()
    )
    added: list[Planned] = []
    for member, unit in staff:
        prefix = f"digest:{kind}:{member.id}:{local:%Y-%m-%d}:"
        if await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.key.startswith(prefix)).limit(1)
        ):
            continue
        bindings = (
            await session.scalars(
                select(ChatBinding)
                .where(ChatBinding.member_id == member.id, ChatBinding.blocked_at.is_(None))
                .order_by(ChatBinding.id)
            )
        ).all()
        if not bindings:
            continue
        with use_locale(member.locale):
            digest = await build_digest(session, settings, unit, period, now, since)
            changed = await digest_changed(session, member.id, kind, digest.fingerprint(), now)
            if not changed and kind == "daily":
                continue
            text = render_text(digest, tz)
            extra: list[dict[str, object]] = []
            if kind == "weekly":
                files = await write_files(session, digest, unit, settings, f"{local:%Y%m%d}")
                extra = [
                    {
                        "text": _("digest.chart_caption"),
                        "options": [],
                        "attachment": {
                            "kind": "photo",
                            "path": str(files.png),
                            "filename": files.png.name,
                            "mime": PNG_MIME,
                        },
                    },
                    {
                        "text": _("digest.xlsx_caption"),
                        "options": [],
                        "attachment": {
                            "kind": "document",
                            "path": str(files.xlsx),
                            "filename": files.xlsx.name,
                            "mime": XLSX_MIME,
                        },
                    },
                ]
        for binding in bindings:
            pieces: list[dict[str, object]] = [
                {"text": piece, "options": []}
                for piece in split_text(text, limit_of(binding.channel))
            ]
            for i, payload in enumerate(pieces + extra, 1):
                key = f"digest:{kind}:{member.id}:{local:%Y-%m-%d}:{i}:b{binding.id}"
                if await enqueue(session, key, binding.id, f"digest_{kind}", payload, now, now):
                    added.append(
                        Planned(
                            key, f"digest_{kind}", binding.channel, binding.chat_id, unit.code, now
                        )
                    )
    return added
