"""The figures of a staff digest: for one unit and everything under it.

Reporting completeness and timeliness for a period and the one before, per sub-unit (each
direct child of the unit, counting the reporting units under it) with who is missing and their
head's name; nominations by status (and how many are new since a time); deadlines in the coming
week; failed deliveries; totals of the numeric indicators; the details people gave after a
"Có" (an indicator with `when`, such as what happened in an incident). `Digest.as_json()` is what
`thidua digest --json` prints; `Digest.fingerprint()` tells whether anything changed since the
last daily digest (`DigestState`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.settings import Settings
from storage.directives import document_label, owed_occurrences
from storage.models import (
    ChatBinding,
    DigestState,
    Member,
    Nomination,
    OutboxMessage,
    Report,
    ReportTemplate,
    TaskCompletion,
    Unit,
)
from storage.periods import Schedule, between, period_of, shift
from storage.reminders import (
    REPORTER_ROLES,
    active_tasks,
    person_label,
    reporting_schedules,
    short,
)
from storage.reports import expected_of
from storage.templates import aggregate_of, decimals_of, label

# The order statuses are listed in (the council's path); a status not named here follows them.
STATUS_ORDER = ("pending", "checked", "passed", "decided", "forwarded", "returned", "rejected")
UPCOMING_DAYS = 7
FAILED_LOOKBACK = timedelta(days=7)
LIST_LIMIT = 20


@dataclass
class Missing:
    code: str
    name: str
    parent: str
    head: str


@dataclass
class UnitLine:
    """One sub-unit: how many reporting units under it, and how they reported."""

    code: str
    name: str
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0


@dataclass
class PeriodFigures:
    period: str
    due: date
    overdue: bool
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: list[Missing] = field(default_factory=list)
    rows: list[UnitLine] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 100


@dataclass
class PendingNomination:
    id: int
    nominee: str
    award: str
    unit: str
    created_at: datetime


@dataclass
class Deadline:
    due: date
    kind: str
    text: str
    directive: str
    units: int
    done: int


@dataclass
class Failure:
    at: datetime
    member: str
    unit: str
    channel: str
    kind: str
    error: str


@dataclass
class Total:
    """One indicator over the period's reports: `how` is sum, mean or yes_count (then `value`
    is how many of the `reports` answered yes)."""

    key: str
    label: str
    value: int | float
    reports: int
    how: str
    decimals: int = 0
    kind: str = "integer"


@dataclass
class Detail:
    """What a unit said in a follow-up question (one asked only after "Có")."""

    unit: str
    label: str
    text: str


@dataclass
class Digest:
    unit_code: str
    unit_name: str
    generated_at: datetime
    current: PeriodFigures
    last: PeriodFigures
    nominations: dict[str, int]  # by current status: each nomination in exactly one
    new_nominations: int  # of them, how many were created since the last digest
    pending: list[PendingNomination]
    upcoming: list[Deadline]
    failed: list[Failure]
    failed_count: int
    blocked_chats: int
    totals: list[Total]
    details: list[Detail] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: dates ISO, the current period's figures at the top level."""
        data = _plain(asdict(self))
        assert isinstance(data, dict)
        cur = data["current"]
        for name in ("expected", "submitted", "on_time", "late", "missing"):
            data[name] = cur[name]
        data["period"] = self.current.period
        data["nominations"] = {
            "total": sum(self.nominations.values()),
            "by_status": dict(self.nominations),
            "new": self.new_nominations,
        }
        del data["new_nominations"]
        return data

    def fingerprint(self) -> str:
        """A hash of what the digest says (not when it was made)."""
        data = self.as_json()
        data.pop("generated_at", None)
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def previous_period(period: str) -> str:
    return shift(period, -1)


async def focus_period(session: AsyncSession, settings: Settings, now: datetime) -> str:
    """The period a digest is about by default: the newest one open for filing (on 3 December,
    November: December's report opens on the 15th)."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    kinds = await reporting_schedules(session, settings, now)
    found = [p for p in (k.schedule.latest_open(today) for k in kinds) if p is not None]
    return max(found) if found else period_of(today)


def tree_ids(root_id: int) -> Select[tuple[int]]:
    """A query of the unit's id and every id under it (recursive, both databases)."""
    tree = select(Unit.id).where(Unit.id == root_id).cte("tree", recursive=True)
    child = aliased(Unit)
    tree = tree.union_all(select(child.id).where(child.parent_id == tree.c.id))
    return select(tree.c.id)


@dataclass(slots=True)
class Node:
    """A unit as the digest needs it (plain columns: much cheaper than ORM objects)."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    created_at: datetime


async def nodes(session: AsyncSession, root_id: int) -> dict[int, Node]:
    """The unit and everything under it, by id."""
    rows = await session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.created_at).where(
            Unit.id.in_(tree_ids(root_id))
        )
    )
    return {row[0]: Node(*row) for row in rows.tuples().all()}


async def subtree(session: AsyncSession, root_id: int) -> list[Unit]:
    """The unit and everything under it."""
    return list((await session.scalars(select(Unit).where(Unit.id.in_(tree_ids(root_id))))).all())


def _branch_of(units: dict[int, Node], root_id: int) -> dict[int, int]:
    """unit id → the root's direct child it lies under (the root itself maps to itself)."""
    out: dict[int, int] = {root_id: root_id}

    def resolve(unit_id: int) -> int:
        chain = []
        current = unit_id
        while current not in out:
            chain.append(current)
            parent = units[current].parent_id
            if parent == root_id or parent is None:
                out[current] = current
                chain.pop()
                break
            current = parent
        top = out[current]
        for unit in chain:
            out[unit] = top
        return out[unit_id]

    for unit_id in units:
        resolve(unit_id)
    return out


async def heads(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, str]:
    """The registered reporters of each unit, by name (by role when they gave none)."""
    names: dict[int, list[str]] = defaultdict(list)
    for i in range(0, len(unit_ids), 900):
        rows = await session.execute(
            select(Member.unit_id, Member.name, Member.role)
            .where(
                Member.unit_id.in_(unit_ids[i : i + 900]),
                Member.role.in_(REPORTER_ROLES),
                Member.active.is_(True),
            )
            .order_by(Member.id)
        )
        for unit_id, name, role in rows.tuples():
            names[unit_id].append(person_label(name, role))
    return {unit_id: ", ".join(v) for unit_id, v in names.items()}


def _expected(
    period: str, units: dict[int, Node], schedules: dict[str, Schedule], tz: ZoneInfo
) -> tuple[list[Node], date]:
    """The units that owe `period` (their kind reports that month and they were set up by its
    due day), and the period's due day (the latest among their kinds)."""
    expected = [
        u
        for u in units.values()
        if u.kind in schedules
        and expected_of(schedules[u.kind], u.created_at.astimezone(tz).date(), period)
    ]
    dues = {schedules[u.kind].due(period) for u in expected}
    return expected, max(dues) if dues else Schedule().due(period)


def _figures(
    period: str,
    due: date,
    today: date,
    root: Unit,
    units: dict[int, Node],
    reporting: list[Node],
    branch: dict[int, int],
    statuses: dict[int, str],
) -> PeriodFigures:
    fig = PeriodFigures(period, due, today > due)
    lines: dict[int, UnitLine] = {}
    for unit in reporting:
        top = units[branch[unit.id]]
        line = lines.get(top.id)
        if line is None:
            line = lines[top.id] = UnitLine(top.code, top.name)
        line.expected += 1
        status = statuses.get(unit.id)
        if status is None:
            line.missing += 1
            parent = units.get(unit.parent_id) if unit.parent_id else None
            name = parent.name if parent is not None and parent.id != root.id else ""
            fig.missing.append(Missing(unit.code, unit.name, name, ""))
            continue
        line.submitted += 1
        if status == "late":
            line.late += 1
        else:
            line.on_time += 1
    fig.rows = sorted(lines.values(), key=lambda line: line.name)
    fig.expected = sum(line.expected for line in fig.rows)
    fig.submitted = sum(line.submitted for line in fig.rows)
    fig.on_time = sum(line.on_time for line in fig.rows)
    fig.late = sum(line.late for line in fig.rows)
    fig.missing.sort(key=lambda m: (m.parent, m.name))
    return fig


async def build_digest(
    session: AsyncSession,
    settings: Settings,
    root: Unit,
    period: str,
    now: datetime,
    since: datetime | None = None,
) -> Digest:
    """The digest of `root` and its subtree for `period` (and the period before); nominations
    created after `since` (default: a day before `now`) count as new."""
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    since = since or now - timedelta(days=1)
    units = await nodes(session, root.id)
    schedules = {k.kind: k.schedule for k in await reporting_schedules(session, settings, now)}
    branch = _branch_of(units, root.id)
    last = previous_period(period)

    in_tree = Report.unit_id.in_(tree_ids(root.id))
    statuses: dict[str, dict[int, str]] = {period: {}, last: {}}
    current_reports: list[tuple[dict[str, Any], int]] = []
    reporters: list[int] = []
    current_rows = await session.execute(
        select(Report.unit_id, Report.status, Report.answers, Report.template_id).where(
            Report.period == period, in_tree
        )
    )
    for unit_id, status, answers, template_id in current_rows.tuples().all():
        statuses[period][unit_id] = status
        current_reports.append((answers or {}, template_id))
        reporters.append(unit_id)
    last_rows = await session.execute(
        select(Report.unit_id, Report.status).where(Report.period == last, in_tree)
    )
    statuses[last] = dict(last_rows.tuples().all())

    figures = []
    for shown in (period, last):
        expected, due = _expected(shown, units, schedules, tz)
        figures.append(
            _figures(shown, due, today, root, units, expected, branch, statuses[shown])
        )
    cur, prev = figures
    code_to_id = {u.code: u.id for u in units.values()}
    named = await heads(session, sorted({code_to_id[m.code] for m in cur.missing + prev.missing}))
    for missing in cur.missing + prev.missing:
        missing.head = named.get(code_to_id[missing.code], "")

    def within(column: Any) -> Any:
        return column.in_(tree_ids(root.id))

    counted = await session.execute(
        select(
            Nomination.status,
            func.count(Nomination.id),
            func.sum(case((Nomination.created_at > since, 1), else_=0)),
        )
        .where(within(Nomination.unit_id))
        .group_by(Nomination.status)
    )
    counts: dict[str, int] = {}
    new = 0
    for status, n, fresh in counted.tuples().all():
        counts[status] = int(n)
        new += int(fresh or 0)
    order = {status: n for n, status in enumerate(STATUS_ORDER)}
    nominations = dict(sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
    pending_rows = await session.execute(
        select(
            Nomination.id,
            Nomination.nominee,
            Nomination.award,
            Nomination.unit_id,
            Nomination.created_at,
        )
        .where(within(Nomination.unit_id), Nomination.status == "pending")
        .order_by(Nomination.created_at, Nomination.id)
        .limit(LIST_LIMIT)
    )
    from storage.nominations import award_label

    pending = [
        PendingNomination(nid, nominee, award_label(award), units[unit_id].name, created_at)
        for nid, nominee, award, unit_id, created_at in pending_rows.tuples().all()
    ]

    upcoming = await _upcoming(session, today, [cur, prev], units, schedules, tz)
    failed, failed_count, blocked = await _failures(session, root.id, units, now)
    templates = await _templates_of(session, current_reports)
    totals = _totals(templates, current_reports)
    details = _details(templates, current_reports, [units[u].name for u in reporters])
    return Digest(
        root.code,
        root.name,
        now,
        cur,
        prev,
        nominations,
        new,
        pending,
        upcoming,
        failed,
        failed_count,
        blocked,
        totals,
        details,
    )


async def _upcoming(
    session: AsyncSession,
    today: date,
    known: list[PeriodFigures],
    units: dict[int, Node],
    schedules: dict[str, Schedule],
    tz: ZoneInfo,
) -> list[Deadline]:
    end = today + timedelta(days=UPCOMING_DAYS)
    out: list[Deadline] = []
    figures = {fig.period: fig for fig in known}
    for period in between(shift(period_of(today), -2), period_of(end)):
        fig = figures.get(period)
        if fig is None:
            expected, due = _expected(period, units, schedules, tz)
            fig = PeriodFigures(period, due, False, len(expected))
        if today <= fig.due <= end and fig.expected:
            out.append(Deadline(fig.due, "report", period, "", fig.expected, fig.submitted))
    tasks = await active_tasks(session)
    if tasks:
        done = set(
            (
                await session.execute(
                    select(
                        TaskCompletion.task_id, TaskCompletion.unit_id, TaskCompletion.due_on
                    ).where(TaskCompletion.due_on >= today, TaskCompletion.due_on <= end)
                )
            ).tuples()
        )
        for directive, task, targets in tasks:
            mine = [t for t in targets if t.unit_id in units]
            if not mine:
                continue
            for due in owed_occurrences(directive, task, today, end, tz):
                finished = sum(1 for t in mine if (task.id, t.unit_id, due) in done)
                out.append(
                    Deadline(
                        due,
                        "task",
                        short(task.text, 120),
                        document_label(directive, brief=True),
                        len(mine),
                        finished,
                    )
                )
    out.sort(key=lambda d: (d.due, d.kind, d.text))
    return out


async def _failures(
    session: AsyncSession, root_id: int, units: dict[int, Node], now: datetime
) -> tuple[list[Failure], int, int]:
    ids = tree_ids(root_id)
    rows = (
        (
            await session.execute(
                select(OutboxMessage, ChatBinding.channel, Member.name, Member.unit_id)
                .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
                .join(Member, Member.id == ChatBinding.member_id)
                .where(OutboxMessage.failed_at > now - FAILED_LOOKBACK, Member.unit_id.in_(ids))
                .order_by(OutboxMessage.failed_at.desc(), OutboxMessage.id.desc())
            )
        )
        .tuples()
        .all()
    )
    failed = [
        Failure(
            row.failed_at or now,
            name,
            units[unit_id].name,
            channel,
            row.kind,
            (row.last_error or "")[:120],
        )
        for row, channel, name, unit_id in rows[:LIST_LIMIT]
    ]
    blocked = await session.scalar(
        select(func.count(ChatBinding.id))
        .join(Member, Member.id == ChatBinding.member_id)
        .where(ChatBinding.blocked_at.isnot(None), Member.unit_id.in_(ids))
    )
    return failed, len(rows), int(blocked or 0)


async def _templates_of(
    session: AsyncSession, reports: list[tuple[dict[str, Any], int]]
) -> dict[int, ReportTemplate]:
    if not reports:
        return {}
    rows = await session.scalars(
        select(ReportTemplate).where(
            ReportTemplate.id.in_({template_id for _a, template_id in reports})
        )
    )
    return {t.id: t for t in rows.all()}


def _details(
    templates: dict[int, ReportTemplate],
    reports: list[tuple[dict[str, Any], int]],
    names: list[str],
) -> list[Detail]:
    """The text answers of follow-up questions (asked only after a "Có"), by unit name."""
    found = []
    for (answers, template_id), name in zip(reports, names, strict=True):
        template = templates.get(template_id)
        for item in template.indicators if template else []:
            value = answers.get(str(item.get("key")))
            if item.get("when") and item.get("type") == "text" and isinstance(value, str) and value:
                found.append(Detail(name, label(item), value))
    return sorted(found, key=lambda d: (d.unit, d.label))[:LIST_LIMIT]


def _totals(
    templates: dict[int, ReportTemplate], reports: list[tuple[dict[str, Any], int]]
) -> list[Total]:
    """Each indicator that aggregates (its template's `aggregate`) over the answers given: a sum,
    a mean, or how many said yes; skipped answers, questions not asked and other types are
    left out."""
    if not reports:
        return []
    found: dict[str, Total] = {}
    values: dict[str, list[int | float]] = defaultdict(list)
    keys: dict[int, list[str]] = defaultdict(list)
    for template in sorted(templates.values(), key=lambda t: (t.unit_kind, t.version)):
        for item in template.indicators:
            how = aggregate_of(item)
            key = str(item.get("key") or "")
            if how == "none" or not key or found.get(key, Total(key, "", 0, 0, how)).how != how:
                continue
            keys[template.id].append(key)
            found.setdefault(
                key, Total(key, label(item), 0, 0, how, decimals_of(item), str(item["type"]))
            )
    for answers, template_id in reports:
        for key in keys.get(template_id, []):
            value = answers.get(key)
            if found[key].how == "yes_count":
                if isinstance(value, bool):
                    values[key].append(1 if value else 0)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                values[key].append(value)
    out = []
    for key, total in found.items():
        got = values.get(key)
        if not got:
            continue
        total.reports = len(got)
        if total.how == "mean":
            total.value = round(sum(got) / len(got), total.decimals + 1)
        else:
            total.value = round(sum(got), total.decimals) if total.decimals else int(sum(got))
        out.append(total)
    return out


async def digest_changed(
    session: AsyncSession, member_id: int, kind: str, fingerprint: str, now: datetime
) -> bool:
    """Stores the fingerprint of the digest about to be sent; False when it equals the last
    one of this kind (nothing changed, nothing to send)."""
    state = await session.scalar(
        select(DigestState).where(DigestState.member_id == member_id, DigestState.kind == kind)
    )
    if state is None:
        session.add(
            DigestState(member_id=member_id, kind=kind, fingerprint=fingerprint, updated_at=now)
        )
        return True
    if state.fingerprint == fingerprint:
        return False
    state.fingerprint, state.updated_at = fingerprint, now
    return True
