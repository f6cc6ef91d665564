"""Reporting completeness over several months, for the web page's grid and the API.

What a unit owes and when it is late are the rules of `storage.reports` and `storage.periods`,
read through the same helpers the digest and the reminders use (`reporting_schedules`,
`expected_of`, the template's `Schedule`): a unit owes a period its kind reports, due no earlier
than the day the unit was set up. A cell says, for one reporting unit and one period:

- ``on_time`` (filed by the due day, amendments included) or ``late`` (filed after it);
- ``missing``: owed, not filed, the due day is past;
- ``open``: owed, open for filing, not yet due; ``upcoming``: owed, not open yet;
- ``none``: not owed (a school in summer, a unit set up after the due day).

A row of the grid is a unit under the one looked at: a reporting unit (its cells), or a branch
(a commune under a province: each cell counts its reporting units by state).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from storage.digest import Node, heads, nodes, tree_ids
from storage.models import ChatBinding, Member, OutboxMessage, Report
from storage.periods import Schedule, shift
from storage.reminders import reporting_schedules
from storage.reports import expected_of

STATES = ("on_time", "late", "missing", "open", "upcoming", "none")
MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Cell:
    """One reporting unit's period: its state and the report, when one was filed."""

    state: str
    report_id: int | None = None
    version: int = 0


NONE, MISSING, OPEN, UPCOMING = Cell("none"), Cell("missing"), Cell("open"), Cell("upcoming")


@dataclass
class Tally:
    """Reporting units of a branch (or of the whole tree) by state, for one period."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def expected(self) -> int:
        return sum(n for state, n in self.counts.items() if state != "none")

    @property
    def submitted(self) -> int:
        return self.counts["on_time"] + self.counts["late"]

    def as_json(self) -> dict[str, int]:
        return {
            "expected": self.expected,
            "submitted": self.submitted,
            **{state: self.counts[state] for state in STATES if state != "none"},
        }


@dataclass
class Row:
    """A unit under the one looked at: its own cells when it reports, else tallies."""

    unit: Node
    reports: bool
    head: str = ""
    last_reminder: datetime | None = None
    cells: list[Cell] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)
    units: int = 0


@dataclass
class Grid:
    root: Node
    periods: list[str]
    dues: list[date]
    rows: list[Row]
    totals: list[Tally]


@dataclass
class Statuses:
    """Every reporting unit of a tree with its cell for each period."""

    units: dict[int, Node]
    periods: list[str]
    dues: list[date]
    cells: dict[int, list[Cell]]
    schedules: dict[str, Schedule]


def months_until(last: str, count: int = MONTHS_SHOWN) -> list[str]:
    """`count` periods ending with `last`, oldest first."""
    return [shift(last, -i) for i in range(count - 1, -1, -1)]


def cell_state(
    schedule: Schedule, since: date, period: str, today: date, status: str | None
) -> str:
    """The state of one unit's period (see the module doc)."""
    if not expected_of(schedule, since, period):
        return "none"
    if status is not None:
        return "late" if status == "late" else "on_time"
    if today > schedule.due(period):
        return "missing"
    return "open" if schedule.opens(period) <= today else "upcoming"


async def statuses(
    session: AsyncSession, settings: Settings, root_id: int, periods: Sequence[str], now: datetime
) -> Statuses:
    """The cells of every reporting unit under (and at) `root_id` for `periods`."""
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    units = await nodes(session, root_id)
    schedules = {k.kind: k.schedule for k in await reporting_schedules(session, settings, now)}
    filed: dict[tuple[int, str], tuple[str, int, int]] = {}
    # plain rows through the connection: a province's year is some 25,000 of them, and the
    # ORM's per-row bookkeeping would cost more than the query
    connection = await session.connection()
    rows = await connection.execute(
        select(Report.unit_id, Report.period, Report.status, Report.id, Report.version).where(
            Report.period.in_(list(periods)), Report.unit_id.in_(tree_ids(root_id))
        )
    )
    for unit_id, period, status, report_id, version in rows.tuples().all():
        filed[(unit_id, period)] = (status, report_id, version)
    # what each kind owes in each period, worked out once: (reported, opens, due)
    plan = {
        kind: [(s.reported(p), s.opens(p), s.due(p)) for p in periods]
        for kind, s in schedules.items()
    }
    cells: dict[int, list[Cell]] = {}
    for unit in units.values():
        kind_plan = plan.get(unit.kind)
        if kind_plan is None:
            continue
        since = unit.created_at.astimezone(tz).date()
        line = []
        for period, (reported, opens, due) in zip(periods, kind_plan, strict=True):
            # the rule of `cell_state`, with the schedule's answers computed once per kind
            if not reported or due < since:
                line.append(NONE)
                continue
            filed_one = filed.get((unit.id, period))
            if filed_one is not None:
                state = "late" if filed_one[0] == "late" else "on_time"
                line.append(Cell(state, filed_one[1], filed_one[2]))
            elif today > due:
                line.append(MISSING)
            else:
                line.append(OPEN if opens <= today else UPCOMING)
        cells[unit.id] = line
    dues = [
        max((s.due(p) for s in schedules.values() if s.reported(p)), default=Schedule().due(p))
        for p in periods
    ]
    return Statuses(units, list(periods), dues, cells, schedules)


def _branches(units: dict[int, Node], root_id: int) -> dict[int, int]:
    """Unit id → the root's direct child it lies under (the root maps to itself)."""
    out: dict[int, int] = {root_id: root_id}
    for start in units:
        chain: list[int] = []
        current = start
        while current not in out:
            chain.append(current)
            parent = units[current].parent_id
            if parent == root_id or parent is None or parent not in units:
                out[current] = current
                chain.pop()
                break
            current = parent
        for unit_id in chain:
            out[unit_id] = out[current]
    return out


async def last_reminders(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, datetime]:
    """When a reminder last went out to someone of each unit."""
    found: dict[int, datetime] = {}
    for i in range(0, len(unit_ids), 900):
        rows = await session.execute(
            select(Member.unit_id, func.max(OutboxMessage.sent_at))
            .join(ChatBinding, ChatBinding.id == OutboxMessage.binding_id)
            .join(Member, Member.id == ChatBinding.member_id)
            .where(
                OutboxMessage.kind == "reminder",
                OutboxMessage.sent_at.isnot(None),
                Member.unit_id.in_(unit_ids[i : i + 900]),
            )
            .group_by(Member.unit_id)
        )
        found.update({unit_id: at for unit_id, at in rows.tuples() if at is not None})
    return found


async def grid(
    session: AsyncSession, settings: Settings, root_id: int, periods: Sequence[str], now: datetime
) -> Grid:
    """The grid of the units right under `root_id` (and the root itself when it reports)."""
    found = await statuses(session, settings, root_id, periods, now)
    branch = _branches(found.units, root_id)
    rows: dict[int, Row] = {}
    for unit_id, cells in found.cells.items():
        top = branch[unit_id]
        if top == unit_id:
            rows[unit_id] = Row(found.units[unit_id], True, cells=cells, units=1)
            continue
        row = rows.get(top)
        if row is None:
            tallies = [Tally() for _ in periods]
            row = rows[top] = Row(found.units[top], False, tallies=tallies)
        row.units += 1
        for tally, cell in zip(row.tallies, cells, strict=True):
            tally.counts[cell.state] += 1
    own = sorted(unit_id for unit_id, row in rows.items() if row.reports)
    names = await heads(session, own)
    reminded = await last_reminders(session, own)
    totals = [Tally() for _ in periods]
    for row in rows.values():
        row.head = names.get(row.unit.id, "")
        row.last_reminder = reminded.get(row.unit.id)
        for i, tally in enumerate(totals):
            if row.reports:
                tally.counts[row.cells[i].state] += 1
            else:
                tally.counts.update(row.tallies[i].counts)
    ordered = sorted(rows.values(), key=lambda r: (r.unit.id != root_id, r.unit.name, r.unit.code))
    return Grid(found.units[root_id], found.periods, found.dues, ordered, totals)
