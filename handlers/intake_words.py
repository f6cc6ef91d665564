"""How a directive, its deadlines and the people a task goes to read for staff: short labels
used by the intake summary, its questions and `/nhiemvu`."""

from __future__ import annotations

from datetime import date
from typing import Any

from directives import is_dated
from handlers import core
from handlers.text import clean
from locales import _
from locales.formats import date_label
from storage.directives import (
    Resolution,
    Resolver,
    Target,
    TaskResolution,
    document_label,
    past_at,
)
from storage.models import Directive, DirectiveTask

LABEL = 40

day_label = date_label


def short(text: str, limit: int = LABEL) -> str:
    """`text` on one line, cut to `limit` characters with "…"."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"


def directive_label(directive: Directive) -> str:
    """ "Kế hoạch 215/KH-UBND"; a document without a number by its date and subject."""
    if not directive.number:
        return document_label(directive)
    kind = _(f"directive.kind.{directive.kind}")
    return _("directive.label", kind=kind, number=directive.number)


def deadline_label(deadline: dict[str, Any]) -> str:
    """A deadline as staff read it: a date, or its recurrence."""
    every, day, month = deadline.get("every"), deadline.get("day"), deadline.get("month")
    if not every:
        due = deadline.get("due")
        try:
            return day_label(date.fromisoformat(str(due)[:10]))
        except ValueError:
            return str(deadline.get("text") or "")
    if every == "month":
        return _("directive.every.month_day", day=day) if day else _("directive.every.month")
    if every == "year" and day and month:
        return _("directive.every.year_day", day=f"{day:02d}/{month:02d}")
    if every in ("quarter", "half_year", "year"):
        return _(f"directive.every.{every}")
    return str(deadline.get("text") or "")


def deadlines_label(task: DirectiveTask, today: date | None = None) -> str:
    """The task's deadlines; a one-off date before `today` (when given) reads "hạn … đã qua";
    a task with no deadline, or none with a day a reminder can fall on ("hằng năm" alone, a
    span from a date not known), is flagged ⚠."""
    if not task.deadlines:
        return _("directive.flag.no_deadline")
    shown = "; ".join(_deadline_shown(d, today) for d in task.deadlines)
    if not any(is_dated(d) for d in task.deadlines):
        return _("directive.flag.no_day", deadlines=shown)
    return shown


def _deadline_shown(deadline: dict[str, Any], today: date | None) -> str:
    past = past_at(deadline, today) if today is not None else None
    return _("directive.deadline_past", date=day_label(past)) if past else deadline_label(deadline)


def targets_words(targets: tuple[Target, ...], resolver: Resolver) -> str:
    """Units and roles in a few words: "Trưởng thôn – Thôn Tây", "Trưởng thôn (3 đơn vị)"."""
    parts: list[str] = []
    roles = list(dict.fromkeys(t.role for t in targets))
    for role in roles:
        units = [resolver.unit(t.unit_id) for t in targets if t.role == role]
        names = [u.name for u in units if u is not None]
        if len(names) == 1:
            parts.append(_("directive.target.one", role=core.role_name(role), unit=names[0]))
        else:
            parts.append(_("directive.target.many", role=core.role_name(role), n=len(names)))
    return "; ".join(parts)


def targets_label(found: Resolution, resolver: Resolver) -> str:
    """Who one assignee text goes to, in a few words."""
    if found.ignored:
        return _("directive.target.ignored", text=short(found.text))
    if not found.targets:
        return _("directive.target.unresolved", text=short(found.text))
    return targets_words(found.targets, resolver)


def task_targets_label(found: TaskResolution, resolver: Resolver) -> str:
    """Who a task goes to: the hand picks, or each assignee text's targets (⚠ where none)."""
    if found.picked:
        if not found.targets:
            return _("directive.target.nobody")
        return targets_words(found.targets, resolver)
    shown = [targets_label(f, resolver) for f in found.found]
    return "; ".join(shown) or _("directive.target.none")
