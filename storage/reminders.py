"""The reminder planner: who still owes what, and which nudge is due now.

Three sources: reporting periods (every reporting unit owes the periods its template's schedule
opens, as `storage.reports` decides what a unit files), active directives (each target unit
of a task owes each occurrence of the task's deadlines) and, yearly, the "Gia đình văn hóa"
list every thôn and tổ dân phố owes by 25 November (Nghị định 86/2023; a meeting needs
notice, so it is first recalled on 1 November: stages `d24`, `d7`, `d1`, `due`, `overdue`,
`escalate`; the list sent, posted or decided, ends it). Each owed item has stages, all at
`reminder_hour:minute` local time: `d7`, `d3`, `d1` (from `settings.reminder_days_before`),
`due` (on the day), `overdue` (the day after), then `escalate` (two days after: the staff of
the nearest unit above with staff are told which units are late; the overdue unit is also in
their digest).

`plan(session, settings, now)` is stateless and idempotent: it finds the latest stage reached
for every item (a stage counts until the next one starts, so after downtime only the latest
stage is sent, never a pile of stale ones), skips who no longer owes (report filed, task
occurrence marked done), and enqueues outbox rows with keys such as
``remind:report:{unit_id}:{period}:{stage}:b{binding_id}`` (``remind:households:{unit_id}:
{year}:{stage}`` for the list); planning twice adds nothing.
A report stage is sent only while the period is open and still owed, so nobody is reminded
of a period they cannot file yet, or no longer.
Paused members are skipped (escalations to staff are never paused); inactive members and chats
that blocked the bot are skipped and counted in `PlanResult.flagged`. Texts are rendered in the
recipient's locale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from locales import gettext
from locales.formats import date_label, month_label
from storage.directives import document_label, owed_occurrences
from storage.models import (
    AREA_HEADS,
    AREA_KINDS,
    HEAD_ROLE,
    ChatBinding,
    Directive,
    DirectiveTask,
    HouseholdList,
    Member,
    OutboxMessage,
    Report,
    ReportTemplate,
    TaskCompletion,
    TaskTarget,
    Unit,
)
from storage.outbox import enqueue
from storage.periods import Schedule
from storage.reports import filing_window, unit_since
from storage.templates import active_template, default_kinds, schedule_of

REPORTER_ROLES = (*HEAD_ROLE.values(), "reporter")
STAFF_ROLES = ("staff", "admin")
# "Gia đình văn hóa": from 1 November (24 days before the 25th), then a week and a day before
HOUSEHOLD_DAYS_BEFORE = (24, 7, 1)
HOUSEHOLD_LIST_SENT = ("posted", "decided")
ESCALATE_AFTER_DAYS = 2
ESCALATE_WINDOW_DAYS = 7
TASK_TEXT_MAX = 160


@dataclass(frozen=True)
class Planned:
    """One outbox row the planner added."""

    key: str
    kind: str
    channel: str
    chat: str
    unit: str
    not_before: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "key": self.key,
            "kind": self.kind,
            "channel": self.channel,
            "chat": self.chat,
            "unit": self.unit,
            "not_before": self.not_before.isoformat(),
        }


@dataclass(frozen=True)
class Flag:
    """Someone who owes something but cannot be reached: "inactive", "blocked" or "no_chat"."""

    member_id: int
    unit: str
    reason: str


@dataclass
class PlanResult:
    added: list[Planned] = field(default_factory=list)
    flagged: list[Flag] = field(default_factory=list)
    paused: int = 0


# Time ------------------------------------------------------------------------------------------


def local_at(day: date, settings: Settings) -> datetime:
    """`day` at the reminder time, local, as an aware datetime."""
    tz = ZoneInfo(settings.timezone)
    return datetime.combine(day, time(settings.reminder_hour, settings.reminder_minute), tz)


def stages(
    due: date, settings: Settings, before: tuple[int, ...] | None = None
) -> list[tuple[str, datetime]]:
    """The stages of an item due on `due`, in order, with when each starts (`before`: the days
    before it that remind, by default the settings')."""
    chosen = settings.reminder_days_before if before is None else before
    days = sorted({d for d in chosen if d > 0}, reverse=True)
    out = [(f"d{d}", local_at(due - timedelta(days=d), settings)) for d in days]
    out.append(("due", local_at(due, settings)))
    out.append(("overdue", local_at(due + timedelta(days=1), settings)))
    out.append(("escalate", local_at(due + timedelta(days=ESCALATE_AFTER_DAYS), settings)))
    return out


def current_stage(
    due: date, now: datetime, settings: Settings, before: tuple[int, ...] | None = None
) -> tuple[str, datetime] | None:
    """The latest stage started at `now` (valid until the next one starts; escalation for a
    week), or None before the first and after the last."""
    found = None
    for name, at in stages(due, settings, before):
        if at <= now:
            found = (name, at)
    if found and found[0] == "escalate" and now >= found[1] + timedelta(days=ESCALATE_WINDOW_DAYS):
        return None
    return found


def send_day(at: datetime, now: datetime, settings: Settings) -> date:
    """The local day the row will go out (a row planned in quiet hours goes the next morning)."""
    local = max(at, now).astimezone(ZoneInfo(settings.timezone))
    start, end = settings.quiet_start_hour, settings.quiet_end_hour
    if start > end and local.hour >= start:
        return local.date() + timedelta(days=1)
    return local.date()


def superseded(
    due: date, name: str, now: datetime, settings: Settings, before: tuple[int, ...] | None = None
) -> bool:
    """True for a reminder stage (`d…`, `due`) whose row would only go out on the day the next
    reminder stage starts (planned in quiet hours after downtime): the next one says it better,
    and sending both would nudge the person twice within minutes."""
    if name in ("overdue", "escalate"):
        return False
    listed = stages(due, settings, before)
    names = [n for n, _at in listed]
    if name not in names:
        return False
    at = listed[names.index(name)][1]
    next_at = listed[names.index(name) + 1][1]
    return send_day(at, now, settings) >= next_at.astimezone(ZoneInfo(settings.timezone)).date()


# Who ------------------------------------------------------------------------------------------


async def reporting_kinds(session: AsyncSession) -> tuple[str, ...]:
    """Unit kinds that report monthly: those with an active template, and those the shipped
    default templates cover (they report with the default until a template is loaded)."""
    kinds = (
        await session.scalars(
            select(ReportTemplate.unit_kind).where(ReportTemplate.active.is_(True)).distinct()
        )
    ).all()
    return tuple(sorted(set(kinds) | set(default_kinds())))


@dataclass
class _People:
    """Members of some units, their chats, and the units (for codes and the tree)."""

    units: dict[int, Unit]
    members: dict[int, list[Member]]
    bindings: dict[int, list[ChatBinding]]

    def of(self, unit_id: int, roles: Iterable[str]) -> list[Member]:
        wanted = set(roles)
        return [m for m in self.members.get(unit_id, []) if m.role in wanted]

    def staff_above(self, unit_id: int) -> tuple[Unit, list[Member]] | None:
        """The nearest unit above `unit_id` that has staff, with them."""
        current = self.units[unit_id].parent_id if unit_id in self.units else None
        for _ in range(16):
            if current is None:
                return None
            staff = self.of(current, STAFF_ROLES)
            if staff:
                return self.units[current], staff
            current = self.units[current].parent_id
        return None


async def _people(session: AsyncSession) -> _People:
    units = {u.id: u for u in (await session.scalars(select(Unit))).all()}
    members: dict[int, list[Member]] = defaultdict(list)
    for member in (await session.scalars(select(Member).order_by(Member.id))).all():
        members[member.unit_id].append(member)
    bindings: dict[int, list[ChatBinding]] = defaultdict(list)
    for binding in (await session.scalars(select(ChatBinding).order_by(ChatBinding.id))).all():
        bindings[binding.member_id].append(binding)
    return _People(units, members, bindings)


# Planning --------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    member: Member
    unit_code: str
    key: str
    kind: str
    payload: dict[str, Any]
    not_before: datetime
    skip_pause: bool = False


class _Planner:
    def __init__(
        self, session: AsyncSession, settings: Settings, now: datetime, people: _People
    ) -> None:
        self.session = session
        self.settings = settings
        self.now = now
        self.people = people
        self.candidates: list[_Candidate] = []
        self.result = PlanResult()

    def add(
        self,
        member: Member,
        key: str,
        kind: str,
        text: str,
        not_before: datetime,
        skip_pause: bool = False,
        notice: dict[str, Any] | None = None,
    ) -> None:
        """A message for `member`; `notice` says what it is about (topic and values) for
        channels that send pushes as registered templates."""
        unit = self.people.units.get(member.unit_id)
        payload: dict[str, Any] = {"text": text, "options": []}
        if notice is not None:
            payload["notice"] = notice
        self.candidates.append(
            _Candidate(
                member, unit.code if unit else "", key, kind, payload, not_before, skip_pause
            )
        )

    async def flush(self) -> PlanResult:
        rows: list[tuple[_Candidate, ChatBinding, str]] = []
        flagged: set[tuple[int, str]] = set()
        for cand in self.candidates:
            member = cand.member
            if not member.active:
                flagged.add((member.id, "inactive"))
                continue
            if (
                not cand.skip_pause
                and member.paused_until is not None
                and member.paused_until > self.now
            ):
                self.result.paused += 1
                continue
            chats = self.people.bindings.get(member.id, [])
            reachable = [b for b in chats if b.blocked_at is None]
            if not reachable:
                flagged.add((member.id, "blocked" if chats else "no_chat"))
                continue
            rows.extend((cand, b, f"{cand.key}:b{b.id}"[:200]) for b in reachable)
        existing = await _existing_keys(self.session, [key for _c, _b, key in rows])
        for cand, binding, key in rows:
            if key in existing:
                continue
            if await enqueue(
                self.session, key, binding.id, cand.kind, cand.payload, cand.not_before, self.now
            ):
                self.result.added.append(
                    Planned(
                        key,
                        cand.kind,
                        binding.channel,
                        binding.chat_id,
                        cand.unit_code,
                        cand.not_before,
                    )
                )
        for member_id, reason in sorted(flagged):
            unit = self.people.units.get(
                next(c.member.unit_id for c in self.candidates if c.member.id == member_id)
            )
            self.result.flagged.append(Flag(member_id, unit.code if unit else "", reason))
        return self.result


async def _existing_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    unique = sorted(set(keys))
    for i in range(0, len(unique), 500):
        chunk = unique[i : i + 500]
        found.update(
            (
                await session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))
            ).all()
        )
    return found


def _text(member: Member, key: str, **values: object) -> str:
    body = gettext(key, lang=member.locale, **values)
    return body


@dataclass(frozen=True)
class ReportingKind:
    """A unit kind that reports, with its template's schedule and the periods open for filing
    today (the newest `backlog`, oldest first, before any unit's set-up day is considered)."""

    kind: str
    schedule: Schedule
    periods: tuple[str, ...]

    def owes(self, unit: Unit, period: str, tz: ZoneInfo) -> bool:
        """Whether `unit` of this kind still has `period` to file (ignoring what it filed)."""
        return period in self.periods and self.schedule.due(period) >= unit_since(unit, tz)


async def reporting_schedules(
    session: AsyncSession, settings: Settings, now: datetime
) -> list[ReportingKind]:
    """Every reporting unit kind with what it files at `now` (the rule of `storage.reports`)."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    out = []
    for kind in await reporting_kinds(session):
        template = await active_template(session, kind, now)
        if template is None:
            continue
        schedule = schedule_of(template)
        far = date.min + timedelta(days=1)
        window = filing_window(schedule, far, today, settings.report_backlog_periods)
        out.append(ReportingKind(kind, schedule, tuple(window)))
    return out


async def _plan_reports(planner: _Planner, kinds: list[ReportingKind]) -> None:
    settings, session, people = planner.settings, planner.session, planner.people
    tz = ZoneInfo(settings.timezone)
    escalations: dict[tuple[int, int, str, date], tuple[datetime, list[Unit]]] = {}
    for reporting in kinds:
        units = [u for u in people.units.values() if u.kind == reporting.kind]
        for period in reporting.periods:
            due = reporting.schedule.due(period)
            stage = current_stage(due, planner.now, settings)
            if stage is None or not units:
                continue
            name, at = stage
            if superseded(due, name, planner.now, settings):
                continue
            filed = set(
                (await session.scalars(select(Report.unit_id).where(Report.period == period))).all()
            )
            owing = sorted(
                (u for u in units if u.id not in filed and reporting.owes(u, period, tz)),
                key=lambda u: u.code,
            )
            for unit in owing:
                if name == "escalate":
                    above = people.staff_above(unit.id)
                    if above is None:
                        continue
                    staff_unit, staff = above
                    for member in staff:
                        key4 = (member.id, staff_unit.id, period, due)
                        escalations.setdefault(key4, (at, []))[1].append(unit)
                    continue
                left = (due - send_day(at, planner.now, settings)).days
                for member in people.of(unit.id, REPORTER_ROLES):
                    values: dict[str, object] = {
                        "month": month_label(period),
                        "unit": unit.name,
                        "due": date_label(due),
                        "days": left,
                    }
                    text = _reminder_text(member, "reminders.report", name, left, values)
                    planner.add(
                        member,
                        f"remind:report:{unit.id}:{period}:{name}",
                        "reminder",
                        text,
                        at,
                        notice=_notice("report", member, values),
                    )
    for (member_id, staff_unit_id, period, due), (at, owing_units) in escalations.items():
        member, lines = _escalation_lines(people, member_id, staff_unit_id, owing_units)
        text = _text(
            member,
            "reminders.escalate.report",
            month=month_label(period),
            due=date_label(due),
            count=len(owing_units),
            units="\n".join(lines),
        )
        key = f"escalate:report:{staff_unit_id}:{period}:{due:%Y%m%d}"
        planner.add(member, key, "escalation", text, at, skip_pause=True)


def _reminder_text(
    member: Member, prefix: str, stage: str, left: int, values: dict[str, object]
) -> str:
    """The reminder for the stage (`<prefix>.overdue`, `.today` or `.before` when `left` days
    remain), with the footer."""
    if stage == "overdue":
        text = _text(member, f"{prefix}.overdue", **values)
    elif stage == "due" or left <= 0:
        text = _text(member, f"{prefix}.today", **values)
    else:
        text = _text(member, f"{prefix}.before", **values)
    return text + "\n" + _text(member, "reminders.footer")


def _notice(topic: str, member: Member, values: dict[str, object]) -> dict[str, Any]:
    """What a reminder is about, for a template: the topic, the person's name (or role) and the
    reminder's values as texts ("days" left out: a template says it in its own words)."""
    shown = {name: str(value) for name, value in values.items() if name != "days"}
    shown["name"] = person_label(member.name, member.role, member.locale)
    return {"topic": topic, "values": shown}


def _escalation_lines(
    people: _People, member_id: int, staff_unit_id: int, units: list[Unit]
) -> tuple[Member, list[str]]:
    """The staff member to escalate to and a line for each unit behind (with its heads)."""
    member = next(m for m in people.members[staff_unit_id] if m.id == member_id)
    lines = [
        _text(
            member,
            "reminders.escalate.line",
            unit=u.name,
            head=_head(people, u.id, member.locale),
        )
        for u in units
    ]
    return member, lines


def person_label(name: str, role: str, lang: str | None = None) -> str:
    """A registered person as others read them: their name, or their role when they gave none
    ("Trưởng thôn (chưa có tên)")."""
    if name.strip():
        return name.strip()
    return gettext("reminders.unnamed", lang=lang, role=gettext(f"role.{role}", lang=lang))


def _head(people: _People, unit_id: int, lang: str | None = None) -> str:
    heads = [m for m in people.of(unit_id, REPORTER_ROLES) if m.active]
    return ", ".join(person_label(m.name, m.role, lang) for m in heads) or gettext(
        "digest.no_head", lang=lang
    )


def short(text: str, limit: int = TASK_TEXT_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def active_tasks(
    session: AsyncSession,
) -> list[tuple[Directive, DirectiveTask, list[TaskTarget]]]:
    """Active directives' kept tasks with their targets."""
    rows = (
        (
            await session.execute(
                select(Directive, DirectiveTask)
                .join(DirectiveTask, DirectiveTask.directive_id == Directive.id)
                .where(Directive.status == "active", DirectiveTask.dropped.is_(False))
                .order_by(Directive.id, DirectiveTask.id)
            )
        )
        .tuples()
        .all()
    )
    if not rows:
        return []
    targets: dict[int, list[TaskTarget]] = defaultdict(list)
    for target in (
        await session.scalars(
            select(TaskTarget).where(TaskTarget.task_id.in_([t.id for _d, t in rows]))
        )
    ).all():
        targets[target.task_id].append(target)
    return [(d, t, targets.get(t.id, [])) for d, t in rows]


async def _plan_tasks(
    planner: _Planner,
    today: date,
    tasks: list[tuple[Directive, DirectiveTask, list[TaskTarget]]],
) -> None:
    settings, session, people = planner.settings, planner.session, planner.people
    if not tasks:
        return
    lookback = today - timedelta(days=ESCALATE_AFTER_DAYS + ESCALATE_WINDOW_DAYS + 1)
    ahead = today + timedelta(days=max([0, *settings.reminder_days_before]) + 1)
    done = set(
        (
            await session.execute(
                select(TaskCompletion.task_id, TaskCompletion.unit_id, TaskCompletion.due_on).where(
                    TaskCompletion.due_on >= lookback
                )
            )
        ).tuples()
    )
    escalations: dict[tuple[int, int, int, date], tuple[datetime, list[Unit]]] = {}
    tz = ZoneInfo(settings.timezone)
    for directive, task, targets in tasks:
        for due in owed_occurrences(directive, task, lookback, ahead, tz):
            stage = current_stage(due, planner.now, settings)
            if stage is None:
                continue
            name, at = stage
            if superseded(due, name, planner.now, settings):
                continue
            left = (due - send_day(at, planner.now, settings)).days
            for target in targets:
                unit = people.units.get(target.unit_id)
                if unit is None or (task.id, unit.id, due) in done:
                    continue
                if name == "escalate":
                    above = people.staff_above(unit.id)
                    if above is None:
                        continue
                    for member in above[1]:
                        key4 = (member.id, above[0].id, task.id, due)
                        escalations.setdefault(key4, (at, []))[1].append(unit)
                    continue
                for member in people.of(unit.id, (target.role,)):
                    values: dict[str, object] = {
                        "task": short(task.text),
                        "directive": document_label(directive, member.locale),
                        "unit": unit.name,
                        "due": date_label(due),
                        "days": left,
                    }
                    text = _reminder_text(member, "reminders.task", name, left, values)
                    key = f"remind:task:{task.id}:{unit.id}:{due.isoformat()}:{name}"
                    planner.add(
                        member, key, "reminder", text, at, notice=_notice("task", member, values)
                    )
    by_task = {task.id: (directive, task) for directive, task, _t in tasks}
    for (member_id, staff_unit_id, task_id, due), (at, units) in escalations.items():
        member, lines = _escalation_lines(people, member_id, staff_unit_id, units)
        directive, task = by_task[task_id]
        text = _text(
            member,
            "reminders.escalate.task",
            task=short(task.text),
            directive=document_label(directive, member.locale),
            due=date_label(due),
            count=len(units),
            units="\n".join(lines),
        )
        key = f"escalate:task:{task_id}:{staff_unit_id}:{due.isoformat()}"
        planner.add(member, key, "escalation", text, at, skip_pause=True)


def household_deadline(today: date) -> date:
    """The year's deadline of the "Gia đình văn hóa" village meeting (25 November)."""
    from storage.households import meeting_deadline

    return meeting_deadline(today.year)


async def _plan_households(planner: _Planner, today: date) -> None:
    """Reminds the heads of thôn and tổ dân phố that have not sent this year's "Gia đình văn
    hóa" list, and tells staff which are behind two days after the deadline."""
    settings, session, people = planner.settings, planner.session, planner.people
    due = household_deadline(today)
    stage = current_stage(due, planner.now, settings, HOUSEHOLD_DAYS_BEFORE)
    if stage is None:
        return
    name, at = stage
    if superseded(due, name, planner.now, settings, HOUSEHOLD_DAYS_BEFORE):
        return
    tz = ZoneInfo(settings.timezone)
    sent = set(
        (
            await session.scalars(
                select(HouseholdList.unit_id).where(
                    HouseholdList.year == due.year, HouseholdList.status.in_(HOUSEHOLD_LIST_SENT)
                )
            )
        ).all()
    )
    owing = sorted(
        (
            u
            for u in people.units.values()
            if u.kind in AREA_KINDS and u.id not in sent and unit_since(u, tz) <= due
        ),
        key=lambda u: u.code,
    )
    left = (due - send_day(at, planner.now, settings)).days
    escalations: dict[tuple[int, int], list[Unit]] = {}
    for unit in owing:
        if name == "escalate":
            above = people.staff_above(unit.id)
            if above is not None:
                for member in above[1]:
                    escalations.setdefault((member.id, above[0].id), []).append(unit)
            continue
        for member in people.of(unit.id, AREA_HEADS):
            values: dict[str, object] = {
                "year": due.year,
                "unit": unit.name,
                "due": date_label(due),
                "days": left,
            }
            text = _reminder_text(member, "reminders.households", name, left, values)
            key = f"remind:households:{unit.id}:{due.year}:{name}"
            planner.add(member, key, "reminder", text, at)
    for (member_id, staff_unit_id), units in escalations.items():
        member, lines = _escalation_lines(people, member_id, staff_unit_id, units)
        text = _text(
            member,
            "reminders.escalate.households",
            year=due.year,
            due=date_label(due),
            count=len(units),
            units="\n".join(lines),
        )
        key = f"escalate:households:{staff_unit_id}:{due.year}"
        planner.add(member, key, "escalation", text, at, skip_pause=True)


async def no_longer_due(
    session: AsyncSession, rows: Sequence[OutboxMessage], now: datetime
) -> dict[int, str]:
    """Reminder rows (among `rows`) that must not go out any more, with why: the report was
    filed or the task occurrence marked done since planning, or the recipient paused or left.
    (A row can wait between planning and sending: quiet hours, a retry.)"""
    reminders = [r for r in rows if r.kind == "reminder" and r.key.startswith("remind:")]
    if not reminders:
        return {}
    found: dict[int, str] = {}
    people = (
        await session.execute(
            select(ChatBinding.id, Member.active, Member.paused_until)
            .join(Member, Member.id == ChatBinding.member_id)
            .where(ChatBinding.id.in_({r.binding_id for r in reminders}))
        )
    ).tuples()
    for binding_id, active, paused_until in people:
        reason = (
            "member inactive"
            if not active
            else "paused"
            if paused_until is not None and paused_until > now
            else None
        )
        if reason:
            found.update({r.id: reason for r in reminders if r.binding_id == binding_id})
    reports: dict[int, tuple[int, str]] = {}
    tasks: dict[int, tuple[int, int, date]] = {}
    lists: dict[int, tuple[int, int]] = {}
    for row in reminders:
        parts = row.key.split(":")
        try:
            if parts[1] == "report" and len(parts) >= 5:
                reports[row.id] = (int(parts[2]), parts[3])
            elif parts[1] == "task" and len(parts) >= 6:
                tasks[row.id] = (int(parts[2]), int(parts[3]), date.fromisoformat(parts[4]))
            elif parts[1] == "households" and len(parts) >= 5:
                lists[row.id] = (int(parts[2]), int(parts[3]))
        except ValueError:
            continue
    if lists:
        done_lists = set(
            (
                await session.execute(
                    select(HouseholdList.unit_id, HouseholdList.year).where(
                        HouseholdList.unit_id.in_({u for u, _y in lists.values()}),
                        HouseholdList.status.in_(HOUSEHOLD_LIST_SENT),
                    )
                )
            ).tuples()
        )
        for row_id, pair in lists.items():
            if pair in done_lists:
                found.setdefault(row_id, "list sent")
    if reports:
        filed = set(
            (
                await session.execute(
                    select(Report.unit_id, Report.period).where(
                        Report.unit_id.in_({u for u, _p in reports.values()}),
                        Report.period.in_({p for _u, p in reports.values()}),
                    )
                )
            ).tuples()
        )
        for row_id, item in reports.items():
            if item in filed:
                found.setdefault(row_id, "report filed")
    if tasks:
        done = set(
            (
                await session.execute(
                    select(
                        TaskCompletion.task_id, TaskCompletion.unit_id, TaskCompletion.due_on
                    ).where(
                        TaskCompletion.task_id.in_({t for t, _u, _d in tasks.values()}),
                        TaskCompletion.due_on.in_({d for _t, _u, d in tasks.values()}),
                    )
                )
            ).tuples()
        )
        for row_id, occurrence in tasks.items():
            if occurrence in done:
                found.setdefault(row_id, "task done")
    return found


async def plan(session: AsyncSession, settings: Settings, now: datetime) -> PlanResult:
    """Enqueues every reminder and escalation due at `now` that is not planned yet; returns the
    rows added (empty when nothing new), who could not be reached, and how many were paused.
    Runs in the caller's transaction."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    tasks = await active_tasks(session)
    kinds = await reporting_schedules(session, settings, now)
    reports_due = any(
        current_stage(k.schedule.due(p), now, settings) for k in kinds for p in k.periods
    )
    lists_due = current_stage(household_deadline(today), now, settings, HOUSEHOLD_DAYS_BEFORE)
    if not reports_due and not tasks and lists_due is None:
        return PlanResult()  # nothing can be due: spare loading everyone
    planner = _Planner(session, settings, now, await _people(session))
    if reports_due:
        await _plan_reports(planner, kinds)
    await _plan_tasks(planner, today, tasks)
    if lists_due is not None:
        await _plan_households(planner, today)
    return await planner.flush()
