"""Directives in the product: drafts from a parse, corrections, activation, targets and tasks.

A directive is stored as a `draft` straight from the parser's result (SPEC §4), corrected by
staff, then `active` (its tasks' resolved assignees become `task_targets` rows) and later
`archived`. A task's `deadlines` is a list of deadline dicts in the parser's shape
(`text, due, every, month, day`); a dropped task keeps its row with `dropped = True`.
`Directive.parsed` keeps the parse as received (its `issued_on` follows a correction); the
tasks' rows, not `parsed["tasks"]`, are what is followed. A unit marks one occurrence of a task
done in `task_completions` (`due_on` = that occurrence; UNDATED for a task without deadline).

Assignee texts resolve under the issuing unit (the directive's `unit_id`): a mapping staff made
by hand (`assignee_mappings`) wins; then a sub-unit named in the text; then the collective
phrases documents use ("Trưởng thôn các thôn", "Tổ trưởng các tổ dân phố", "các thôn, tổ dân
phố", "các trường học", "Chủ tịch UBND các xã, phường", "các cơ quan, đơn vị"); its own offices
and civil servants ("Phòng Văn hóa – Xã hội", "Văn phòng HĐND và UBND", "Phòng Kinh tế",
"công chức ...") are the issuing unit's staff.
A task without assignees goes to the directive's recipients.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from directives import deadline_occurrences, is_dated
from directives.holidays import add_working_days
from locales import gettext
from locales.formats import date_label
from storage.access import audit, subtree_ids
from storage.models import (
    HEAD_ROLE,
    AssigneeMapping,
    Directive,
    DirectiveTask,
    Member,
    TaskCompletion,
    TaskTarget,
    Unit,
)

STATUSES = ("draft", "active", "archived")
KINDS = ("cong_van", "chi_thi", "ke_hoach", "huong_dan", "thong_bao", "quyet_dinh", "bao_cao")
# The role a unit of each kind answers a task with.
ROLE_OF_KIND = HEAD_ROLE
DEFAULT_ROLE = "staff"
# Groups a hand mapping may name (target_unit_id None): the role, over every unit of that kind.
GROUP_KIND = {
    "village_head": "village",
    "group_leader": "resident_group",
    "principal": "school",
    "staff": "commune",
}
# A task without deadlines is done once; its completion is stored on this date.
UNDATED = date(1970, 1, 1)
RECURRING_LOOKBACK = timedelta(days=366)
HORIZON = timedelta(days=400)

# villages (thôn, bản, làng, ấp) and residential groups (tổ dân phố, khu phố); "khu dân cư"
# names both, as does "các thôn, tổ dân phố"
_VILLAGES = re.compile(
    r"\b(?:truong|cac|moi) (?:thon|ban|lang|ap|khu dan cu)\b|\bthon, (?:ban|lang)\b"
    r"|\bkhu dan cu\b"
)
_GROUPS = re.compile(
    r"\b(?:to truong|truong|cac|moi) (?:to dan pho|khu pho|khu dan cu)\b"
    r"|\bto dan pho\b|\bkhu pho\b|\bkhu dan cu\b"
)
_SCHOOLS = re.compile(
    r"\bhieu truong\b|\bcac truong\b(?! (?:thon|ban|phong|khu|to|ap|lang|cac))"
    r"|\btruong hoc\b|\bco so giao duc\b|\bcac truong (?:mam non|tieu hoc|trung hoc|thcs|thpt)\b"
)
_COMMUNES = re.compile(
    r"\b(?:cac|moi) (?:xa|phuong|thi tran|dac khu)\b|\bubnd xa, phuong\b"
    r"|\buy ban nhan dan (?:cac )?xa, phuong\b"
)
# The issuing body's own office and civil servants: its staff.
# the commune's own civil servants and offices (after the 2025 reform: Văn phòng HĐND và UBND,
# Phòng Văn hóa – Xã hội, Phòng Kinh tế)
_OWN_STAFF = re.compile(r"\b(?:cong chuc|can bo|van phong|phong van hoa|phong kinh te)\b")
# the hamlets some provinces have in place of thôn (xóm, buôn, khóm, sóc): villages too
_HAMLETS = re.compile(r"\b(?:truong|cac|moi) (?:xom|buon|khom|soc)\b")
_BOARDS = re.compile(r"(?i)\bban\s*,?\s*ng[àa]nh\b")
# agencies, and a commune's own departments and mass organisations ("các ban, ngành, đoàn thể
# xã", "các đoàn thể chính trị - xã hội", "các tổ chức chính trị - xã hội")
_AGENCIES = re.compile(
    r"\b(?:cac|moi) (?:co quan|don vi|phong|ban nganh|phong, ban|so, ban, nganh|so, nganh|"
    r"ban, nganh|doan the|to chuc chinh tri ?- ?xa hoi)\b"
)


_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """As `handlers.text.fold` (storage does not import handlers): lower case, no diacritics,
    đ→d, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.replace("đ", "d")).strip()


def clean(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class Target:
    """One unit and the role there that a task goes to."""

    unit_id: int
    role: str


@dataclass(frozen=True)
class Resolution:
    """What one assignee text resolved to; `manual` when a remembered mapping decided it,
    `ignored` when staff chose not to follow it (then `targets` is empty)."""

    text: str
    targets: tuple[Target, ...]
    manual: bool = False
    ignored: bool = False

    @property
    def resolved(self) -> bool:
        return bool(self.targets) or self.ignored


@dataclass(frozen=True)
class TaskResolution:
    """Who one task goes to: its `targets`, and how that was decided: by hand (`picked`), or
    from its assignee texts (`found`, one Resolution each; the directive's recipients when
    the task names nobody)."""

    targets: tuple[Target, ...]
    found: tuple[Resolution, ...] = ()
    picked: bool = False

    @property
    def unresolved(self) -> list[str]:
        """The assignee texts that resolved to nobody (nobody is reminded for them)."""
        return [] if self.picked else [f.text for f in self.found if not f.resolved]

    @property
    def ignored(self) -> bool:
        """Staff chose that nobody follows the task."""
        if self.picked:
            return not self.targets
        return bool(self.found) and all(f.ignored for f in self.found)

    @property
    def unassigned(self) -> bool:
        """Nobody will be reminded of the task and staff did not choose so."""
        return not self.targets and not self.ignored


@dataclass(frozen=True)
class OpenTask:
    """A task a unit still owes: the next undone occurrence (`due` UNDATED when it has none)."""

    task: DirectiveTask
    directive: Directive
    due: date
    deadline_text: str

    @property
    def dated(self) -> bool:
        return self.due != UNDATED


def text_key(text: str) -> str:
    """How an assignee text is remembered: folded, without trailing punctuation."""
    return fold(text).strip(" .;,:-")[:255]


def role_for(unit: Unit) -> str:
    return ROLE_OF_KIND.get(unit.kind, DEFAULT_ROLE)


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(value: object, limit: int) -> str | None:
    return clean(value)[:limit] or None if isinstance(value, str) else None


def _span_from(deadline: object, start: str) -> dict[str, Any] | None:
    """The deadline's span (`after`: {"days", "working", "from"}) when it counts from
    `start` ("issue" or "receipt")."""
    if not isinstance(deadline, dict):
        return None
    after = deadline.get("after")
    if not isinstance(after, dict) or after.get("from") != start:
        return None
    return after if isinstance(after.get("days"), int) else None


def counted_from(deadline: dict[str, Any], start: str, day: date) -> dict[str, Any]:
    """`deadline` with its `due` counted from `day` when its span starts at `start`
    ("issue": the signing date, "receipt": the day the commune received it); else as it is."""
    after = _span_from(deadline, start)
    if after is None:
        return deadline
    days = int(after["days"])
    due = add_working_days(day, days) if after.get("working") else day + timedelta(days=days)
    return {**deadline, "due": due.isoformat()}


# Drafts ---------------------------------------------------------------------------------------


async def create_draft(
    session: AsyncSession,
    unit: Unit,
    parsed: dict[str, Any],
    now: datetime,
    source_name: str = "",
    created_by: int | None = None,
    received: date | None = None,
) -> Directive:
    """Stores a parse result (SPEC §4 JSON) as a draft of `unit` with one row per task (and
    per reporting duty no task carries, see `followed_tasks`). `received`: the day the
    commune received the document; deadlines counted from receipt fall from it."""
    kind = parsed.get("kind")
    directive = Directive(
        unit_id=unit.id,
        status="draft",
        kind=kind if kind in KINDS else "other",
        number=_text(parsed.get("number"), 100),
        issuer=_text(parsed.get("issuer"), 255),
        issued_on=_iso_date(parsed.get("issued_on")),
        subject=_text(parsed.get("subject"), 10_000),
        parsed=parsed,
        source_name=source_name[:255],
        created_by=created_by,
        created_at=now,
    )
    session.add(directive)
    await session.flush()
    for n, task in enumerate(followed_tasks(parsed), 1):
        assignees = [clean(a) for a in map(assignee_name, lead_assignees(task)) if a]
        deadlines = [d for d in task.get("deadlines") or [] if isinstance(d, dict)]
        if received is not None:
            deadlines = [counted_from(d, "receipt", received) for d in deadlines]
        session.add(
            DirectiveTask(
                directive_id=directive.id,
                ref=str(task.get("ref") or n)[:16],
                text=clean(str(task.get("text") or "")),
                assignees=[a for a in assignees if a],
                deadlines=deadlines,
                dropped=False,
            )
        )
    await session.flush()
    await audit(
        session, now, created_by, "directive.draft", "directive", directive.id, {"unit": unit.id}
    )
    return directive


async def get_directive(session: AsyncSession, directive_id: int) -> Directive | None:
    return await session.get(Directive, directive_id)


async def tasks_of(
    session: AsyncSession, directive_id: int, include_dropped: bool = False
) -> list[DirectiveTask]:
    """The directive's tasks in document order (dropped ones only when asked)."""
    query = select(DirectiveTask).where(DirectiveTask.directive_id == directive_id)
    if not include_dropped:
        query = query.where(DirectiveTask.dropped.is_(False))
    return list((await session.scalars(query.order_by(DirectiveTask.id))).all())


async def get_task(session: AsyncSession, directive_id: int, task_id: int) -> DirectiveTask | None:
    """The task when it belongs to that directive and is not dropped."""
    task = await session.get(DirectiveTask, task_id)
    if task is None or task.directive_id != directive_id or task.dropped:
        return None
    return task


async def set_issued_on(
    session: AsyncSession, directive: Directive, day: date, now: datetime, actor: int | None
) -> None:
    """Corrects the issue date; deadlines counted from signing ("trong vòng 10 ngày kể từ
    ngày ký") move with it."""
    directive.issued_on = day
    directive.parsed = {**directive.parsed, "issued_on": day.isoformat()}
    for task in await tasks_of(session, directive.id, include_dropped=True):
        if any(_span_from(d, "issue") for d in task.deadlines or []):
            task.deadlines = [counted_from(d, "issue", day) for d in task.deadlines]
    await audit(
        session, now, actor, "directive.date", "directive", directive.id, {"to": day.isoformat()}
    )


async def set_deadlines(
    session: AsyncSession,
    task: DirectiveTask,
    deadlines: list[dict[str, Any]],
    now: datetime,
    actor: int | None,
) -> None:
    """Replaces the task's deadlines (an empty list: no deadline)."""
    task.deadlines = deadlines
    await audit(session, now, actor, "directive.deadline", "task", task.id, {"to": deadlines})


async def set_picked(
    session: AsyncSession,
    task: DirectiveTask,
    picks: list[dict[str, Any]] | None,
    now: datetime,
    actor: int | None,
) -> None:
    """Gives the task by hand to `picks` ([{"unit": id or None, "role"}]; [] nobody), or back
    to its assignee texts (None)."""
    task.picked = picks
    await audit(session, now, actor, "directive.pick", "task", task.id, {"to": picks})


async def drop_task(
    session: AsyncSession, task: DirectiveTask, now: datetime, actor: int | None
) -> None:
    task.dropped = True
    await audit(session, now, actor, "directive.drop_task", "task", task.id, {"ref": task.ref})


async def discard_draft(session: AsyncSession, directive: Directive) -> None:
    """Deletes a draft and its tasks (nothing else refers to a draft)."""
    task_ids = select(DirectiveTask.id).where(DirectiveTask.directive_id == directive.id)
    await session.execute(delete(TaskTarget).where(TaskTarget.task_id.in_(task_ids)))
    await session.execute(delete(DirectiveTask).where(DirectiveTask.directive_id == directive.id))
    await session.delete(directive)
    await session.flush()


async def activate(
    session: AsyncSession, directive: Directive, now: datetime, actor: int | None
) -> list[str]:
    """Makes a draft active and writes its task targets; returns the assignee texts that
    resolved to nobody (those tasks have no target for them)."""
    issuer = await session.get_one(Unit, directive.unit_id)
    tasks = await tasks_of(session, directive.id)
    resolver = await Resolver.load(session, issuer)
    unresolved: list[str] = []
    await session.execute(
        delete(TaskTarget).where(
            TaskTarget.task_id.in_(
                select(DirectiveTask.id).where(DirectiveTask.directive_id == directive.id)
            )
        )
    )
    for task in tasks:
        found = resolver.resolve_task(directive, task)
        unresolved.extend(t for t in found.unresolved if t not in unresolved)
        for target in sorted(set(found.targets), key=lambda t: (t.unit_id, t.role)):
            session.add(TaskTarget(task_id=task.id, unit_id=target.unit_id, role=target.role))
    directive.status, directive.activated_at = "active", now
    await session.flush()
    await audit(
        session, now, actor, "directive.activate", "directive", directive.id, {"tasks": len(tasks)}
    )
    return unresolved


async def unreachable(session: AsyncSession, targets: Iterable[Target]) -> list[Unit]:
    """The target units where nobody of the target's role uses the bot (no active member):
    nobody there is reminded."""
    wanted = set(targets)
    if not wanted:
        return []
    rows = await session.execute(
        select(Member.unit_id, Member.role).where(
            Member.unit_id.in_({t.unit_id for t in wanted}), Member.active.is_(True)
        )
    )
    present = {(unit_id, role) for unit_id, role in rows.tuples()}
    missing = sorted({t.unit_id for t in wanted if (t.unit_id, t.role) not in present})
    if not missing:
        return []
    units = await session.scalars(select(Unit).where(Unit.id.in_(missing)))
    return sorted(units.all(), key=lambda u: (u.kind, fold(u.name)))


async def archive(
    session: AsyncSession, directive: Directive, now: datetime, actor: int | None
) -> None:
    directive.status = "archived"
    await audit(session, now, actor, "directive.archive", "directive", directive.id)


async def directives_of(
    session: AsyncSession, unit_id: int, statuses: Iterable[str] = ("active",)
) -> list[Directive]:
    """The unit's directives with these statuses, newest first."""
    rows = await session.scalars(
        select(Directive)
        .where(Directive.unit_id == unit_id, Directive.status.in_(list(statuses)))
        .order_by(Directive.created_at.desc(), Directive.id.desc())
    )
    return list(rows.all())


async def count_tasks(session: AsyncSession, directive_id: int) -> int:
    return len(await tasks_of(session, directive_id))


_ISSUER_PREFIX = re.compile(r"^(?:ubnd|uy ban nhan dan|hoi dong nhan dan|hdnd)\s+")


async def issuer_unit(session: AsyncSession, issuer: str) -> Unit | None:
    """The one unit whose name is the issuer's ("UBND xã Lam Sơn" → "Xã Lam Sơn"), or None
    when no unit or several match."""
    key = _ISSUER_PREFIX.sub("", fold(issuer))
    if len(key.split()) < 2:
        return None
    units = await session.scalars(select(Unit))
    found = [u for u in units if fold(u.name) == key]
    return found[0] if len(found) == 1 else None


# Assignees ------------------------------------------------------------------------------------


def _deadline_key(d: dict[str, Any]) -> tuple[object, ...]:
    return (d.get("due"), d.get("every"), d.get("month"), d.get("day"))


def _owners(entry: dict[str, Any]) -> frozenset[str]:
    return frozenset(text_key(name) for name in map(assignee_name, lead_assignees(entry)) if name)


def followed_tasks(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """The parse's tasks, then its reporting duties (SPEC §4 `reporting`) as tasks of their
    own ("BC1", "BC2"…) so they are reminded alike, to the units that owe the report. A
    duty's deadline that a task already carries for the same owners is not repeated; one
    owed by others (a yearly report the communes owe, in a task given to an office) is."""
    tasks = [t for t in parsed.get("tasks") or [] if isinstance(t, dict)]
    carried = {
        (_deadline_key(d), _owners(t))
        for t in tasks
        for d in t.get("deadlines") or []
        if isinstance(d, dict)
    }
    duties = [r for r in parsed.get("reporting") or [] if isinstance(r, dict)]
    for n, duty in enumerate(duties, 1):
        owners = _owners(duty)
        deadlines = [d for d in duty.get("deadlines") or [] if isinstance(d, dict)]
        fresh = [
            d
            for d in deadlines
            if not any(
                key == _deadline_key(d) and (not owners or owners <= held) for key, held in carried
            )
        ]
        if not fresh:
            continue
        carried.update((_deadline_key(d), owners) for d in fresh)
        tasks.append({**duty, "ref": f"BC{n}", "deadlines": fresh})
    return tasks


def lead_assignees(task: dict[str, Any]) -> list[object]:
    """Who owes the task: its `assignees` but those helping (role `phoi_hop`; the parser lists
    them apart, in `partners`). Where nobody leads, those whose own part is to help owe it
    ("Trạm Y tế xã phối hợp bảo đảm y tế" is the Trạm's task)."""
    assignees = list(task.get("assignees") or [])
    leads = [a for a in assignees if not (isinstance(a, dict) and a.get("role") == "phoi_hop")]
    return leads or assignees


def assignee_name(entry: object) -> str | None:
    """An assignee's name: the parser gives {"name", "role"}, older drafts a plain string."""
    if isinstance(entry, dict):
        entry = entry.get("name")
    return entry if isinstance(entry, str) else None


def effective_assignees(directive: Directive, task: DirectiveTask) -> list[str]:
    """The task's assignee texts, or the directive's recipients when the task names none."""
    if task.assignees:
        return list(task.assignees)
    recipients = directive.parsed.get("recipients") or []
    return [clean(r) for r in recipients if isinstance(r, str) and clean(r)]


class Resolver:
    """Resolves assignee texts under one issuing unit (the units under it loaded once)."""

    def __init__(
        self, issuer: Unit, units: Sequence[Unit], mappings: dict[str, AssigneeMapping]
    ) -> None:
        self.issuer = issuer
        self.units = [u for u in units if u.id != issuer.id]
        self.mappings = mappings
        self._names = sorted(
            ((fold(u.name), u) for u in self.units if len(fold(u.name)) >= 4),
            key=lambda pair: -len(pair[0]),
        )

    @classmethod
    async def load(cls, session: AsyncSession, issuer: Unit) -> Resolver:
        ids = await subtree_ids(session, issuer.id)
        units = (await session.scalars(select(Unit).where(Unit.id.in_(ids)))).all()
        mappings = (
            await session.scalars(
                select(AssigneeMapping).where(AssigneeMapping.unit_id == issuer.id)
            )
        ).all()
        return cls(issuer, units, {m.text_key: m for m in mappings})

    def of_kind(self, kind: str) -> list[Unit]:
        return sorted((u for u in self.units if u.kind == kind), key=lambda u: fold(u.name))

    def unit(self, unit_id: int) -> Unit | None:
        if unit_id == self.issuer.id:
            return self.issuer
        return next((u for u in self.units if u.id == unit_id), None)

    def find_by_name(self, text: str) -> list[Unit]:
        """Units under the issuer whose name appears in `text` (diacritics-insensitive); the
        longest names first, a name inside an already matched one is not counted twice."""
        folded = fold(text)
        found: list[Unit] = []
        taken: list[tuple[int, int]] = []
        for name, unit in self._names:
            for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
                span = match.span()
                if any(a <= span[0] and span[1] <= b for a, b in taken):
                    continue
                taken.append(span)
                found.append(unit)
                break
        return found

    def picks(self, picks: Iterable[object]) -> tuple[Target, ...]:
        """The targets of hand picks ({"unit": id, "role"}, or a whole group with "unit"
        None); a unit no longer under the issuer is left out."""
        targets: list[Target] = []
        for pick in picks:
            if not isinstance(pick, dict) or not isinstance(pick.get("role"), str):
                continue
            unit_id, role = pick.get("unit"), str(pick["role"])
            if unit_id is None:
                targets += self._group(role)
            elif isinstance(unit_id, int) and self.unit(unit_id) is not None:
                targets.append(Target(unit_id, role))
        return tuple(dict.fromkeys(targets))

    def resolve_task(self, directive: Directive, task: DirectiveTask) -> TaskResolution:
        """Who the task goes to: the hand picks when staff made some, else its assignee texts
        (or the directive's recipients) resolved."""
        if task.picked is not None:
            return TaskResolution(self.picks(task.picked), picked=True)
        found = tuple(self.resolve(text) for text in effective_assignees(directive, task))
        targets = tuple(dict.fromkeys(t for f in found for t in f.targets))
        return TaskResolution(targets, found)

    def _group(self, role: str) -> list[Target]:
        kind = GROUP_KIND.get(role)
        return [Target(u.id, role) for u in self.of_kind(kind)] if kind else []

    def resolve(self, text: str) -> Resolution:
        """Mapping, then named units, then collective phrases; unresolved gives no targets."""
        mapping = self.mappings.get(text_key(text))
        if mapping is not None:
            if mapping.target_unit_id is not None:
                target = Target(mapping.target_unit_id, mapping.role or DEFAULT_ROLE)
                return Resolution(text, (target,), manual=True)
            if mapping.role:
                return Resolution(text, tuple(self._group(mapping.role)), manual=True)
            return Resolution(text, (), manual=True, ignored=True)
        named = self.find_by_name(text)
        targets = [Target(u.id, role_for(u)) for u in named]
        named_kinds = {u.kind for u in named}
        folded = fold(text)
        # "các ban, ngành" are departments, not "các bản" (villages) once folded
        hamlets = fold(_BOARDS.sub(" ", text))
        if (_VILLAGES.search(hamlets) or _HAMLETS.search(hamlets)) and "village" not in named_kinds:
            targets += self._group("village_head")
        if _GROUPS.search(folded) and "resident_group" not in named_kinds:
            targets += self._group("group_leader")
        if _SCHOOLS.search(folded) and "school" not in named_kinds:
            targets += self._group("principal")
        if _COMMUNES.search(folded) and "commune" not in named_kinds:
            targets += self._group("staff")
        if _AGENCIES.search(folded) and "agency" not in named_kinds:
            targets += [Target(u.id, DEFAULT_ROLE) for u in self.of_kind("agency")]
        if not targets and _OWN_STAFF.search(folded):
            targets.append(Target(self.issuer.id, DEFAULT_ROLE))
        unique = tuple(dict.fromkeys(targets))
        return Resolution(text, unique)


async def remember_mapping(
    session: AsyncSession,
    issuer: Unit,
    text: str,
    target_unit_id: int | None,
    role: str | None,
    now: datetime,
    actor: int | None = None,
) -> None:
    """Remembers how `text` maps under `issuer` (replacing an earlier mapping): one unit and
    its role, a group (`target_unit_id` None, `role` from GROUP_KIND), or nobody (both None)."""
    key = text_key(text)
    mapping = await session.scalar(
        select(AssigneeMapping).where(
            AssigneeMapping.unit_id == issuer.id, AssigneeMapping.text_key == key
        )
    )
    if mapping is None:
        mapping = AssigneeMapping(unit_id=issuer.id, text_key=key, created_at=now)
        session.add(mapping)
    mapping.target_unit_id, mapping.role = target_unit_id, role
    await session.flush()
    await audit(
        session,
        now,
        actor,
        "directive.map_assignee",
        "unit",
        issuer.id,
        {"text": key, "target": target_unit_id, "role": role},
    )


# Deadlines and words ---------------------------------------------------------------------------

SUBJECT_SHOWN = 90


def document_label(directive: Directive, lang: str | None = None, brief: bool = False) -> str:
    """The document as people name it: "Kế hoạch số 45/KH-UBND về …", or for a document without
    a number "văn bản không số ngày 12/11/2026 về …" (never an internal id). `brief` leaves
    the subject out when there is a number (for lists where every line has one)."""
    subject = "" if brief and directive.number else clean(directive.subject or "")
    if len(subject) > SUBJECT_SHOWN:
        subject = subject[: SUBJECT_SHOWN - 1].rstrip(" ,;") + "…"
    about = gettext("directive.doc.about", lang=lang, subject=subject) if subject else ""
    if directive.number:
        kind = gettext(f"directive.kind.{directive.kind}", lang=lang)
        return gettext(
            "directive.doc.numbered", lang=lang, kind=kind, number=directive.number, about=about
        )
    if directive.issued_on:
        day = date_label(directive.issued_on)
        return gettext("directive.doc.unnumbered_dated", lang=lang, date=day, about=about)
    return gettext("directive.doc.unnumbered", lang=lang, about=about)


def activated_on(directive: Directive, tz: ZoneInfo) -> date | None:
    """The local day the directive became active (None for a draft)."""
    return directive.activated_at.astimezone(tz).date() if directive.activated_at else None


def owed_occurrences(
    directive: Directive, task: DirectiveTask, start: date, end: date, tz: ZoneInfo
) -> list[date]:
    """The due dates in [start, end] that the task's targets owe: a recurring deadline from its
    first occurrence after the day of activation, a one-off date from that day on (a date
    already past at activation was shown to staff as past and is never chased)."""
    first = activated_on(directive, tz)
    found: set[date] = set()
    for deadline in task.deadlines or []:
        if not isinstance(deadline, dict):
            continue
        since = start
        if first is not None:
            since = max(start, first + timedelta(days=1) if deadline.get("every") else first)
        found.update(deadline_occurrences(deadline, since, end))
    return sorted(found)


def past_at(deadline: dict[str, Any], today: date) -> date | None:
    """The one-off date of `deadline` when it is before `today` (None for a recurring deadline
    or a date still to come)."""
    if deadline.get("every"):
        return None
    due = _iso_date(deadline.get("due"))
    return due if due is not None and due < today else None


# Tasks of a unit ------------------------------------------------------------------------------


def next_due(
    task: DirectiveTask, directive: Directive, today: date, done: set[date], tz: ZoneInfo
) -> tuple[date, str] | None:
    """The earliest occurrence owed and not done yet (overdue ones included), with its deadline
    text; None when every occurrence in sight is done. What is owed follows `owed_occurrences`:
    nothing due before the directive was activated."""
    # A task whose deadlines give no day ("hằng năm" alone) is followed like one without.
    if not any(isinstance(d, dict) and is_dated(d) for d in task.deadlines or []):
        return None if UNDATED in done else (UNDATED, "")
    first = activated_on(directive, tz) or today
    start_recurring = max(first + timedelta(days=1), today - RECURRING_LOOKBACK)
    best: tuple[date, str] | None = None
    for deadline in task.deadlines:
        if deadline.get("every"):
            days = deadline_occurrences(deadline, start_recurring, today + HORIZON)
        else:
            days = deadline_occurrences(deadline, first, date.max)
        pending = [d for d in days if d not in done]
        if pending and (best is None or pending[0] < best[0]):
            best = (pending[0], str(deadline.get("text") or ""))
    return best


async def open_tasks(
    session: AsyncSession, unit_id: int, today: date, tz: ZoneInfo
) -> list[OpenTask]:
    """Tasks of active directives targeted at the unit, each at its next undone occurrence;
    nearest first (overdue ones first), tasks without a deadline last."""
    rows = (
        await session.execute(
            select(DirectiveTask, Directive)
            .join(Directive, Directive.id == DirectiveTask.directive_id)
            .where(
                DirectiveTask.id.in_(
                    select(TaskTarget.task_id).where(TaskTarget.unit_id == unit_id)
                ),
                Directive.status == "active",
                DirectiveTask.dropped.is_(False),
            )
        )
    ).all()
    if not rows:
        return []
    completions = (
        await session.scalars(
            select(TaskCompletion).where(
                TaskCompletion.unit_id == unit_id,
                TaskCompletion.task_id.in_([task.id for task, _directive in rows]),
            )
        )
    ).all()
    done: dict[int, set[date]] = {}
    for completion in completions:
        done.setdefault(completion.task_id, set()).add(completion.due_on)
    found: list[OpenTask] = []
    for task, directive in rows:
        upcoming = next_due(task, directive, today, done.get(task.id, set()), tz)
        if upcoming is not None:
            found.append(OpenTask(task, directive, upcoming[0], upcoming[1]))
    found.sort(key=lambda o: (not o.dated, o.due, o.directive.id, o.task.id))
    return found


async def is_target(session: AsyncSession, task_id: int, unit_id: int) -> bool:
    row = await session.scalar(
        select(TaskTarget.id).where(TaskTarget.task_id == task_id, TaskTarget.unit_id == unit_id)
    )
    return row is not None


async def mark_done(
    session: AsyncSession,
    task_id: int,
    unit_id: int,
    due_on: date,
    member_id: int | None,
    now: datetime,
) -> bool:
    """Records that the unit did the task's occurrence due `due_on`; False when it was
    recorded already (nothing is added)."""
    exists = await session.scalar(
        select(TaskCompletion.id).where(
            TaskCompletion.task_id == task_id,
            TaskCompletion.unit_id == unit_id,
            TaskCompletion.due_on == due_on,
        )
    )
    if exists is not None:
        return False
    session.add(
        TaskCompletion(task_id=task_id, unit_id=unit_id, due_on=due_on, member_id=member_id, at=now)
    )
    await session.flush()
    await audit(
        session, now, member_id, "task.done", "task", task_id, {"unit": unit_id, "due": str(due_on)}
    )
    return True
