"""Staff digests: `/tonghop` (`/digest`) on demand, and the daily and weekly digests pushed
through the outbox (`plan_digests`, run by the scheduler).

The text says who is late first, then the rest; it is split at the channel's limit, never in
the middle of a line. A completeness chart (PNG) and the .xlsx export follow as attachments,
written under `settings.files_dir / "exports"` by a heavy worker (`bot.exports`), never inside
a message's transaction: on demand the person is told it is being prepared and gets the text
and files when they are ready; the weekly push queues its text at once, its files once built.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import exports
from bot.settings import Settings
from handlers.flow import Context, Flow, Turn, done, work
from handlers.types import Attachment, Reply
from heavy import HeavyFailed
from locales import _, current, use_locale
from locales.formats import date_label, datetime_label, month_label, number_label
from storage import outbox
from storage.digest import (
    Digest,
    Failure,
    Missing,
    PeriodFigures,
    Total,
    build_digest,
    digest_changed,
    focus_period,
)
from storage.models import ChatBinding, Member, OutboxMessage, Unit
from storage.nominations import status_label
from storage.outbox import UNREACHABLE, enqueue
from storage.reminders import Planned

log = logging.getLogger(__name__)

LIMITS = {"telegram": 4096, "zalo": 2000, "zalo_oa": 2000, "console": 4096}
DEFAULT_LIMIT = 2000
STAFF_ROLES = frozenset({"staff", "admin"})
MISSING_SHOWN = 40
ROWS_SHOWN = 40
PNG_MIME = exports.PNG_MIME
XLSX_MIME = exports.XLSX_MIME


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
            lines.append(failure_line(failure))
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


def export_failed(result: object, too_big: str, failed: str) -> str:
    """What the person reads when an export could not be built (`result` is what the worker
    gave instead): `too_big` when it ran out of time or memory, `failed` for anything else."""
    if isinstance(result, HeavyFailed) and result.reason in ("time", "memory"):
        return too_big
    log.warning("export failed: %s", type(result).__name__)
    return failed


def channel_label(channel: str) -> str:
    """A channel as people call it ("Zalo OA")."""
    return _(f"channel.label.{channel}") if channel else ""


def failure_line(failure: Failure) -> str:
    """One push that did not go out: a channel that could not reach the person says so, and by
    which other channels it went instead (`storage.outbox.fall_back`)."""
    if not failure.error.startswith(UNREACHABLE + ":"):
        return _(
            "digest.failed_line",
            member=failure.member,
            unit=failure.unit,
            channel=failure.channel,
        )
    via = failure.error.rpartition("; via ")[2].strip()
    others = [channel_label(c) for c in via.split(",") if c and c != "-"]
    fallback = _("digest.via", channels=", ".join(others)) if others else _("digest.via_none")
    return _(
        "digest.unreachable_line",
        member=failure.member,
        unit=failure.unit,
        channel=channel_label(failure.channel),
        fallback=fallback,
    )


def file_replies(built: exports.DigestFiles) -> list[Reply]:
    """The chart and the workbook as replies with their captions."""
    png, xlsx = Path(built.png), Path(built.xlsx)
    return [
        Reply(_("digest.chart_caption"), attachment=Attachment("photo", png, png.name, PNG_MIME)),
        Reply(
            _("digest.xlsx_caption"),
            attachment=Attachment("document", xlsx, xlsx.name, XLSX_MIME),
        ),
    ]


async def digest_start(ctx: Context) -> Turn:
    """Says the digest is being prepared; the heavy worker builds it with its chart and
    workbook (`bot.exports.digest_files`, within the export limits)."""
    assert ctx.unit is not None
    # the period's templates are stored on first use here, in the transaction: the worker
    # only reads
    await focus_period(ctx.session, ctx.settings, ctx.now)
    return work(
        "digest:built",
        exports.DIGEST,
        ctx.unit.id,
        ctx.now.isoformat(),
        current(),
        f"{ctx.local_now:%Y%m%d-%H%M%S}",
        notice=_("digest.preparing"),
        seconds=ctx.settings.export_seconds,
        memory_mb=ctx.settings.export_memory_mb,
    )


async def digest_built(ctx: Context) -> Turn:
    """Sends the digest's text pieces, chart and workbook, or says why they could not be made."""
    built = ctx.work
    if not isinstance(built, exports.DigestFiles):
        return done(export_failed(built, _("digest.too_big"), _("digest.failed")))
    text = render_text(built.digest, ctx.tz)
    replies = [Reply(piece) for piece in split_text(text, limit_of(ctx.msg.channel))]
    return Turn(replies + file_replies(built))


DIGEST = Flow(
    name="digest",
    commands=("tonghop", "digest"),
    english="digest",
    roles=STAFF_ROLES,
    start=digest_start,
    states={"digest:built": digest_built},
    menu="digest.menu",
)


async def _staff(session: AsyncSession) -> list[tuple[Member, Unit, list[ChatBinding]]]:
    """Active staff members with their unit and their reachable chats (those with any)."""
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
    found: list[tuple[Member, Unit, list[ChatBinding]]] = []
    for member, unit in staff:
        bindings = (
            await session.scalars(
                select(ChatBinding)
                .where(ChatBinding.member_id == member.id, ChatBinding.blocked_at.is_(None))
                .order_by(ChatBinding.id)
            )
        ).all()
        if bindings:
            found.append((member, unit, list(bindings)))
    return found


def _prefix(kind: str, member_id: int, local: datetime) -> str:
    """The start of the keys of one member's `kind` digest of the local day."""
    return f"digest:{kind}:{member_id}:{local:%Y-%m-%d}:"


async def _has_key(session: AsyncSession, prefix: str) -> bool:
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.key.startswith(prefix)).limit(1)
    )
    return found is not None


async def plan_digests(
    session: AsyncSession, settings: Settings, now: datetime, kind: str
) -> list[Planned]:
    """Enqueues the text of the `kind` ("daily" or "weekly") digest for every active staff
    member with a reachable chat. A daily digest is skipped when nothing changed since the
    last one; the weekly one always goes, and its chart and workbook follow once a heavy
    worker built them (`weekly_files_owed`, `queue_weekly_files`). Keys carry the local date,
    so a second run the same day adds nothing (nor recomputes: a catch-up run after a restart
    is safe). No daily digest on Mondays: the weekly one goes instead."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    period = await focus_period(session, settings, now)
    if kind == "daily" and local.weekday() == 0:
        return []
    since = now - (timedelta(days=7) if kind == "weekly" else timedelta(days=1))
    added: list[Planned] = []
    for member, unit, bindings in await _staff(session):
        prefix = _prefix(kind, member.id, local)
        if await _has_key(session, prefix):
            continue
        with use_locale(member.locale):
            digest = await build_digest(session, settings, unit, period, now, since)
            changed = await digest_changed(session, member.id, kind, digest.fingerprint(), now)
            if not changed and kind == "daily":
                continue
            text = render_text(digest, tz)
        for binding in bindings:
            pieces = split_text(text, limit_of(binding.channel))
            for i, piece in enumerate(pieces, 1):
                payload = {"text": piece, "options": []}
                key = f"{prefix}{i}:b{binding.id}"
                if await enqueue(session, key, binding.id, f"digest_{kind}", payload, now, now):
                    added.append(
                        Planned(
                            key, f"digest_{kind}", binding.channel, binding.chat_id, unit.code, now
                        )
                    )
    return added


@dataclass(frozen=True)
class FilesOrder:
    """A weekly digest whose chart and workbook are still to be built and queued: the
    arguments of `bot.exports.digest_files` and the outbox keys' start."""

    member_id: int
    unit_id: int
    locale: str | None
    stamp: str
    since: str
    prefix: str


async def weekly_files_owed(
    session: AsyncSession, settings: Settings, now: datetime
) -> list[FilesOrder]:
    """Today's weekly digests already queued whose chart and workbook are not (yet): built
    after the text by the scheduler, or again after a restart came in between."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    owed: list[FilesOrder] = []
    for member, unit, _bindings in await _staff(session):
        prefix = _prefix("weekly", member.id, local)
        if await _has_key(session, prefix) and not await _has_key(session, f"{prefix}files:"):
            since = (now - timedelta(days=7)).isoformat()
            stamp = f"{local:%Y%m%d}"
            owed.append(FilesOrder(member.id, unit.id, member.locale, stamp, since, prefix))
    return owed


async def queue_weekly_files(
    session: AsyncSession, order: FilesOrder, built: object, now: datetime
) -> list[Planned]:
    """Queues the chart and workbook the worker built for `order` to each of the member's
    reachable chats, or, when they could not be built, a note saying so (once: its key
    counts as the files')."""
    member = await session.get(Member, order.member_id)
    unit = await session.get(Unit, order.unit_id)
    if member is None or unit is None:
        return []
    bindings = await outbox.bindings_of(session, member.id)
    with use_locale(member.locale):
        if isinstance(built, exports.DigestFiles):
            payloads = [reply.to_payload() for reply in file_replies(built)]
        else:
            note = export_failed(built, _("digest.weekly_too_big"), _("digest.weekly_failed"))
            payloads = [{"text": note, "options": []}]
    added: list[Planned] = []
    for binding in bindings:
        for i, payload in enumerate(payloads, 1):
            key = f"{order.prefix}files:{i}:b{binding.id}"
            if await enqueue(session, key, binding.id, "digest_weekly", payload, now, now):
                added.append(
                    Planned(key, "digest_weekly", binding.channel, binding.chat_id, unit.code, now)
                )
    return added
