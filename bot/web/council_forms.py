"""The queue's forms, read and checked, then handed to the council's path (`storage.council`):
the same functions the chat's `/duyet` calls, so the nominator is told through the outbox the
same way and every step is audited there.

Actions on the nominations ticked (``ids``): ``check`` (pending → checked), ``returned`` /
``rejected`` with a ``reason`` (at any open step), ``council`` (checked → passed or rejected by
the vote: ``held_on``, ``members``, ``present``, ``votes_<id>`` in favour for each), ``decide``
(passed → decided, or forwarded for the province's awards: ``number``, ``decided_on``; the
ticked ones must all be of one kind, the chair's own decision or the proposal upward).
Nominations no longer at the step are skipped; a form that cannot be used changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.settings import Settings
from handlers.numbers import whole
from handlers.text import clean
from storage.awards import catalogue
from storage.council import (
    SEND_BACK_FROM,
    StepRefused,
    Vote,
    at_step,
    chair_decision,
    check,
    record_meeting,
    send_back,
)
from storage.models import Member, Nomination, Unit
from storage.nominations import province_of

REASON_MAX = 500
NUMBER_MAX = 64
MAX_MEMBERS = 50
ERRORS = frozenset(
    {
        "none_picked",
        "reason",
        "meeting_date",
        "members",
        "present",
        "votes",
        "number",
        "decision_date",
        "mixed",
        "changed",
        "action",
    }
)


@dataclass(frozen=True)
class Outcome:
    said: str = ""
    count: int = 0
    error: str = ""


def _ids(form: FormData) -> list[int]:
    found = [whole(str(v)) for v in form.getlist("ids")]
    return sorted({i for i in found if i is not None})


def _day(raw: object, today: date) -> date | None:
    try:
        day = date.fromisoformat(str(raw or ""))
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= today else None


async def _open(
    session: AsyncSession, actor: Member, ids: list[int], status: str
) -> list[Nomination]:
    found = [await at_step(session, actor, i, status) for i in ids]
    return [n for n in found if n is not None]


async def apply(
    session: AsyncSession,
    actor: Member,
    unit: Unit,
    form: FormData,
    now: datetime,
    settings: Settings,
) -> Outcome:
    """Does what the form asks in the caller's transaction; an Outcome with `error` means
    nothing may be kept (the caller rolls back)."""
    ids = _ids(form)
    action = str(form.get("action") or "")
    if not ids:
        return Outcome(error="none_picked")
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    if action == "check":
        picked = await _open(session, actor, ids, "pending")
        for nomination in picked:
            await check(session, nomination, actor, now)
        return _done("checked", len(picked))
    if action in ("returned", "rejected"):
        reason = clean(str(form.get("reason") or ""))
        if not 2 <= len(reason) <= REASON_MAX:
            return Outcome(error="reason")
        done = 0
        for i in ids:
            current = await session.get(Nomination, i, with_for_update=True)
            if current is None or current.status not in SEND_BACK_FROM:
                continue
            located = await at_step(session, actor, i, current.status)
            if located is None:
                continue
            await send_back(session, located, actor, action, reason, now)
            done += 1
        return _done(action, done)
    if action == "council":
        return await _council(session, actor, unit, form, ids, now, today)
    if action == "decide":
        return await _decide(session, actor, form, ids, now, today)
    return Outcome(error="action")


def _done(said: str, count: int) -> Outcome:
    return Outcome(said if count else "skipped", count)


async def _council(
    session: AsyncSession,
    actor: Member,
    unit: Unit,
    form: FormData,
    ids: list[int],
    now: datetime,
    today: date,
) -> Outcome:
    held_on = _day(form.get("held_on"), today)
    if held_on is None:
        return Outcome(error="meeting_date")
    members = whole(str(form.get("members") or ""))
    if members is None or not 1 <= members <= MAX_MEMBERS:
        return Outcome(error="members")
    present = whole(str(form.get("present") or ""))
    if present is None or not 1 <= present <= members:
        return Outcome(error="present")
    votes = []
    for i in ids:
        votes_for = whole(str(form.get(f"votes_{i}") or ""))
        if votes_for is None or not 0 <= votes_for <= present:
            return Outcome(error="votes")
        votes.append(Vote(i, votes_for, present - votes_for))
    try:
        await record_meeting(session, unit, actor, now, held_on, members, present, votes)
    except StepRefused:
        return Outcome(error="changed")
    return Outcome("council", len(votes))


async def _decide(
    session: AsyncSession,
    actor: Member,
    form: FormData,
    ids: list[int],
    now: datetime,
    today: date,
) -> Outcome:
    number = clean(str(form.get("number") or ""))
    if not 3 <= len(number) <= NUMBER_MAX or not any(c.isdigit() for c in number):
        return Outcome(error="number")
    on = _day(form.get("decided_on"), today)
    if on is None:
        return Outcome(error="decision_date")
    picked = await _open(session, actor, ids, "passed")
    if not picked:
        return Outcome("skipped", 0)
    kinds = set()
    for nomination in picked:
        province = await province_of(session, nomination.unit_id)
        kinds.add(catalogue(province).upward(nomination.award))
    if len(kinds) > 1:
        return Outcome(error="mixed")
    await chair_decision(session, picked, actor, now, number, on)
    return Outcome("forwarded" if kinds == {True} else "decided", len(picked))
