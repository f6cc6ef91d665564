"""Who has done what of the active directives, for the web page and the API.

For each active directive issued in a unit's subtree or giving it tasks: its tasks (dropped ones
aside) with their assignee texts and deadlines, and for each target unit in the subtree the
next occurrence it still owes (the rule `/nhiemvu` and the reminders follow:
`storage.directives.next_due`) and the occurrences it marked done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digest import tree_ids
from storage.directives import UNDATED, effective_assignees, next_due
from storage.models import Directive, DirectiveTask, Member, TaskCompletion, TaskTarget, Unit


@dataclass
class TargetState:
    """One unit a task goes to: what it owes next (`due` None when nothing is left, UNDATED
    for a task without a date) and what it marked done, newest first."""

    unit: Unit
    role: str
    due: date | None
    deadline_text: str
    # "done" (every occurrence in sight marked done), "not_owed" (its deadlines all fell before
    # the directive was activated, so nothing was ever owed), "no_date" (owed, no deadline),
    # "overdue" or "open"
    state: str
    done: list[tuple[date, datetime, str]] = field(default_factory=list)


@dataclass
class TaskProgress:
    task: DirectiveTask
    assignees: list[str]
    targets: list[TargetState]


@dataclass
class DirectiveProgress:
    directive: Directive
    tasks: list[TaskProgress]

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for task in self.tasks:
            for target in task.targets:
                found[target.state] += 1
        return dict(found)


def _state(due: date | None, today: date, marked: bool) -> str:
    if due is None:
        return "done" if marked else "not_owed"
    if due == UNDATED:
        return "no_date"
    return "overdue" if due < today else "open"


async def active_directives(session: AsyncSession, root_id: int) -> list[Directive]:
    """Active directives issued in the subtree or with a task for a unit in it, newest first."""
    tree = tree_ids(root_id)
    targeted = (
        select(DirectiveTask.directive_id)
        .join(TaskTarget, TaskTarget.task_id == DirectiveTask.id)
        .where(TaskTarget.unit_id.in_(tree))
    )
    rows = await session.scalars(
        select(Directive)
        .where(
            Directive.status == "active",
            or_(Directive.unit_id.in_(tree), Directive.id.in_(targeted)),
        )
        .order_by(Directive.activated_at.desc(), Directive.id.desc())
    )
    return list(rows.all())


async def progress(
    session: AsyncSession,
    directives: Sequence[Directive],
    root_id: int,
    today: date,
    tz: ZoneInfo,
) -> list[DirectiveProgress]:
    """Each directive's tasks with their targets within the subtree and how far they are."""
    if not directives:
        return []
    ids = [d.id for d in directives]
    tasks = (
        await session.scalars(
            select(DirectiveTask)
            .where(DirectiveTask.directive_id.in_(ids), DirectiveTask.dropped.is_(False))
            .order_by(DirectiveTask.directive_id, DirectiveTask.id)
        )
    ).all()
    task_ids = [t.id for t in tasks]
    targets = (
        await session.execute(
            select(TaskTarget, Unit)
            .join(Unit, Unit.id == TaskTarget.unit_id)
            .where(TaskTarget.task_id.in_(task_ids), TaskTarget.unit_id.in_(tree_ids(root_id)))
            .order_by(Unit.name, Unit.code)
        )
    ).all()
    completions = (
        await session.execute(
            select(TaskCompletion, Member.name)
            .outerjoin(Member, Member.id == TaskCompletion.member_id)
            .where(TaskCompletion.task_id.in_(task_ids))
            .order_by(TaskCompletion.due_on.desc())
        )
    ).all()
    done: dict[tuple[int, int], list[tuple[date, datetime, str]]] = defaultdict(list)
    for completion, name in completions:
        done[(completion.task_id, completion.unit_id)].append(
            (completion.due_on, completion.at, name or "")
        )
    by_task: dict[int, list[tuple[TaskTarget, Unit]]] = defaultdict(list)
    for target, unit in targets:
        by_task[target.task_id].append((target, unit))
    by_id = {d.id: d for d in directives}
    out = {d.id: DirectiveProgress(d, []) for d in directives}
    for task in tasks:
        directive = by_id[task.directive_id]
        states: list[TargetState] = []
        # units that marked the same occurrences owe the same next one: worked out once
        owed: dict[frozenset[date], tuple[date, str] | None] = {}
        for target, unit in by_task.get(task.id, []):
            marked = done.get((task.id, unit.id), [])
            key = frozenset(d for d, _a, _n in marked)
            if key not in owed:
                owed[key] = next_due(task, directive, today, set(key), tz)
            upcoming = owed[key]
            due, text = upcoming if upcoming else (None, "")
            state = _state(due, today, bool(marked))
            states.append(TargetState(unit, target.role, due, text, state, marked))
        out[directive.id].tasks.append(
            TaskProgress(task, effective_assignees(directive, task), states)
        )
    return [out[d.id] for d in directives]
