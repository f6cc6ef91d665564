"""Pausing reminders: `/tamdung N` (`/pause N`) for 1–30 days; `/tamdung 0` or `/batnhac`
(`/resume`) turns them back on (so does `/tieptuc` when there is no draft to continue).

A pause of N days lasts through the end of the N-th local day after today, so `/tamdung 1` at
noon skips tomorrow morning's reminders. Escalations and digests for staff are never paused.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from handlers.flow import Context, Flow, Turn, ask, done, stay
from handlers.numbers import whole
from handlers.text import fold
from locales import _

MAX_DAYS = 30
RESUME_COMMANDS = ("batnhac", "resume")


def _days(text: str) -> int | None:
    days = whole(text)
    return days if days is not None and 0 <= days <= MAX_DAYS else None


def resume_reminders(ctx: Context) -> Turn:
    """Turns the member's reminders back on (says so when they were not paused)."""
    return _apply(ctx, 0)


def _apply(ctx: Context, days: int) -> Turn:
    assert ctx.member is not None
    if days == 0:
        if ctx.member.paused_until is None or ctx.member.paused_until <= ctx.now:
            ctx.member.paused_until = None
            return done(_("pause.not_paused"))
        ctx.member.paused_until = None
        return done(_("pause.resumed"))
    last = ctx.local_now.date() + timedelta(days=days)
    until = datetime.combine(last + timedelta(days=1), time(0, 0), ctx.tz)
    ctx.member.paused_until = until
    label = f"{last.day:02d}/{last.month:02d}/{last.year}"
    key = "pause.done_staff" if ctx.member.role in ("staff", "admin") else "pause.done"
    return done(_(key, until=label))


async def pause_start(ctx: Context) -> Turn:
    """Resumes for /batnhac, pauses at once when the days are given, else asks how many."""
    command = fold(ctx.msg.command or "").replace(" ", "")
    if command in RESUME_COMMANDS:
        return _apply(ctx, 0)
    if ctx.msg.args.strip():
        days = _days(ctx.msg.args)
        if days is None:
            return ask("pause:ask_days", _("pause.invalid"), "number")
        return _apply(ctx, days)
    return ask("pause:ask_days", _("pause.ask"), "number")


async def pause_ask_days(ctx: Context) -> Turn:
    """Takes the number of days (0 resumes) and pauses."""
    days = _days(ctx.answer)
    if days is None:
        return stay(_("pause.invalid"))
    return _apply(ctx, days)


PAUSE = Flow(
    name="pause",
    commands=("tamdung", "pause", "batnhac", "bat nhac", "resume"),
    english="pause",
    roles=frozenset(),
    start=pause_start,
    states={"pause:ask_days": pause_ask_days},
    menu="pause.menu",
)
