"""Directive intake: staff send a directive (pasted or as a file), check a short summary,
correct the date, a deadline or an assignee, drop a task, then activate it; `/chithi` lists the
directives followed and archives one.

State (``ctx.data``): ``directive_id`` (the draft being checked), ``task_id`` (the task whose
deadline is being corrected), ``assignees`` (the assignee texts offered) and ``assignee`` (the
one being mapped). The draft lives in the database from the first summary on; "cancel" deletes
it, `/huy` leaves it in `/chithi` as a draft to finish later.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import directives
from handlers import core
from handlers.flow import Context, Flow, Step, Turn, ask, done, stay, work
from handlers.numbers import whole
from handlers.text import clean, fold
from handlers.types import Attachment, Option
from heavy import HeavyFailed
from locales import _
from locales.formats import date_label
from storage.access import is_within
from storage.directives import (
    Resolution,
    Resolver,
    activate,
    archive,
    count_tasks,
    create_draft,
    directives_of,
    discard_draft,
    document_label,
    drop_task,
    effective_assignees,
    get_directive,
    get_task,
    past_at,
    remember_mapping,
    role_for,
    set_deadlines,
    set_issued_on,
    tasks_of,
)
from storage.models import Directive, DirectiveTask, Unit

STAFF_ROLES = frozenset({"staff", "admin"})
# A message this long, from staff with nothing in progress, is read as a pasted directive.
AUTO_MIN_CHARS = 300
# what a worker reading one document may take
READ_SECONDS = 60.0
READ_MEMORY_MB = 768
SUMMARY_TASKS = 15
TASK_TEXT = 60
LABEL = 40
UNIT_OPTIONS = 8
LIST_MAX = 10

_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DATE_WORDS = re.compile(r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})")
_DAY_MONTH = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?!\s*[/.\-]\s*\d)")
_DAY = re.compile(r"(?:ngay|truoc)\s+(\d{1,2})\b|^(\d{1,2})\b")
_EVERY = (
    ("month", re.compile(r"\b(?:hang|moi|tung) thang\b|\bthang mot lan\b")),
    ("quarter", re.compile(r"\b(?:hang|moi|tung) quy\b|\bquy mot lan\b")),
    ("half_year", re.compile(r"\b(?:6|sau) thang\b|\bnua nam\b")),
    ("year", re.compile(r"\b(?:hang|moi|tung) nam\b|\bnam mot lan\b")),
)


# Words ----------------------------------------------------------------------------------------


def short(text: str, limit: int = LABEL) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;") + "…"


day_label = date_label


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
    """The task's deadlines; a one-off date before `today` (when given) reads "hạn … đã qua"."""
    if not task.deadlines:
        return _("directive.no_deadline")
    return "; ".join(_deadline_shown(d, today) for d in task.deadlines)


def _deadline_shown(deadline: dict[str, Any], today: date | None) -> str:
    past = past_at(deadline, today) if today is not None else None
    return _("directive.deadline_past", date=day_label(past)) if past else deadline_label(deadline)


def targets_label(found: Resolution, resolver: Resolver) -> str:
    """Who one assignee text goes to, in a few words."""
    if found.ignored:
        return _("directive.target.ignored", text=short(found.text))
    if not found.targets:
        return _("directive.target.unresolved", text=short(found.text))
    parts: list[str] = []
    roles = list(dict.fromkeys(t.role for t in found.targets))
    for role in roles:
        units = [resolver.unit(t.unit_id) for t in found.targets if t.role == role]
        names = [u.name for u in units if u is not None]
        if len(names) == 1:
            parts.append(_("directive.target.one", role=core.role_name(role), unit=names[0]))
        else:
            parts.append(_("directive.target.many", role=core.role_name(role), n=len(names)))
    return "; ".join(parts)


def finish(ctx: Context, *texts: str) -> Turn:
    """Ends the flow with these messages and the member's menu as the next step."""
    from handlers import FLOWS

    return core.menu(ctx, FLOWS, *texts)


# Reading a document ---------------------------------------------------------------------------


def _size(attachment: Attachment) -> int:
    """The attachment's size in bytes (0 when it is missing: reading it then says so)."""
    try:
        return Path(attachment.path).stat().st_size
    except OSError:
        return 0


def _looks_like_directive(parsed: dict[str, Any]) -> bool:
    return bool(parsed.get("number") or parsed.get("tasks"))


async def _document(ctx: Context, auto: bool) -> Turn:
    """What the message carries, read: a file is read by a worker (the person is told, and
    `intake:read` goes on from what it found); pasted text is parsed at once."""
    msg = ctx.msg
    if msg.attachments:
        documents = [a for a in msg.attachments if a.kind == "document"]
        attachment = documents[0] if documents else msg.attachments[0]
        if attachment.kind != "document":
            return _refused(ctx, auto, _("directive.bad.photo"))
        limit = ctx.settings.max_file_bytes
        if await asyncio.to_thread(_size, attachment) > limit:
            return _refused(ctx, auto, _("files.rejected.too_big", mb=limit // (1024 * 1024)))
        ctx.data = {"auto": auto, "source": attachment.filename}
        return work(
            "intake:read",
            "directives.reading:read_and_parse",
            str(attachment.path),
            attachment.filename,
            notice=_("directive.reading", name=attachment.filename),
            seconds=READ_SECONDS,
            memory_mb=READ_MEMORY_MB,
        )
    text = msg.text.strip()
    if not text:
        return _refused(ctx, auto, _("directive.ask_document"))
    parsed = dict(directives.parse_text(text))
    if not _looks_like_directive(parsed):
        return _refused(ctx, auto, _("directive.bad.not_directive"))
    return await _new_draft(ctx, parsed, "")


def _refused(ctx: Context, auto: bool, refusal: str) -> Turn:
    """The document could not be taken: outside intake, a pointer to it; inside, the
    question again."""
    ctx.data = {}
    if auto:
        options = [Option(f"cmd:{INTAKE.commands[0]}", _("directive.menu.intake"))]
        return done(refusal, options=options)
    return ask(
        "intake:receive", _("directive.ask_document"), "text", [_cancel_option()], [refusal]
    )


async def intake_read(ctx: Context) -> Turn:
    """Makes a draft of the document the worker read, or says why it could not be read."""
    result, source = ctx.work, str(ctx.data.get("source") or "")
    auto = bool(ctx.data.get("auto"))
    if isinstance(result, HeavyFailed | directives.DocumentTooBig):
        return _refused(ctx, auto, _("directive.bad.too_big", name=source))
    if isinstance(result, BaseException) or not isinstance(result, dict):
        return _refused(ctx, auto, _("directive.bad.unreadable", name=source))
    if not _looks_like_directive(result):
        return _refused(ctx, auto, _("directive.bad.not_directive"))
    return await _new_draft(ctx, result, source)


async def _new_draft(ctx: Context, parsed: dict[str, Any], source: str) -> Turn:
    assert ctx.member is not None and ctx.unit is not None
    draft = await create_draft(ctx.session, ctx.unit, parsed, ctx.now, source, ctx.member.id)
    ctx.data = {"directive_id": draft.id}
    return await _summary(ctx, draft, _("directive.received"))


async def maybe_start(ctx: Context) -> Turn | None:
    """Called by the engine when nothing is in progress: a document from staff, or a long
    text that reads as a directive, starts intake at once; anything else gives None."""
    if ctx.member is None or ctx.unit is None or ctx.member.role not in STAFF_ROLES:
        return None
    msg = ctx.msg
    if msg.attachments:
        if all(a.kind != "document" for a in msg.attachments):
            return None
    elif len(msg.text.strip()) < AUTO_MIN_CHARS:
        return None
    if not msg.attachments:
        parsed = dict(directives.parse_text(msg.text.strip()))
        if not _looks_like_directive(parsed):
            return None
        return await _new_draft(ctx, parsed, "")
    return await _document(ctx, auto=True)


# Intake ---------------------------------------------------------------------------------------


async def intake_start(ctx: Context) -> Turn:
    """Asks for the directive: pasted text or a file."""
    ctx.data = {}
    return ask("intake:receive", _("directive.ask_document"), "text", [_cancel_option()])


def _cancel_option() -> Option:
    return Option("cancel", _("directive.opt.cancel"))


def _back_option() -> Option:
    return Option("back", _("directive.opt.back"))


async def intake_receive(ctx: Context) -> Turn:
    """Reads the pasted text or file into a draft and shows its summary."""
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("directive.cancelled"))
    return await _document(ctx, auto=False)


async def _draft(ctx: Context) -> Directive | None:
    """The draft being checked, when it is still a draft of this member's unit."""
    directive_id = ctx.data.get("directive_id")
    if not isinstance(directive_id, int) or ctx.unit is None:
        return None
    directive = await get_directive(ctx.session, directive_id)
    if directive is None or directive.status != "draft" or directive.unit_id != ctx.unit.id:
        return None
    return directive


def _gone(ctx: Context) -> Turn:
    return finish(ctx, _("directive.gone"))


async def summary_lines(
    session: AsyncSession, directive: Directive, issuer: Unit, today: date
) -> list[str]:
    """The directive in a few lines: number, date, issuer, subject, counts, and for each task
    its deadlines (a date already past on `today` flagged) and who it goes to (as resolved
    under `issuer` now)."""
    tasks = await tasks_of(session, directive.id)
    dropped = len(await tasks_of(session, directive.id, include_dropped=True)) - len(tasks)
    resolver = await Resolver.load(session, issuer)
    issued = day_label(directive.issued_on) if directive.issued_on else _("directive.no_date")
    lines = [
        _("directive.summary.head", label=directive_label(directive), date=issued),
        _("directive.summary.issuer", issuer=directive.issuer or _("directive.unknown")),
    ]
    if directive.subject:
        lines.append(_("directive.summary.subject", subject=short(directive.subject, 160)))
    dated = sum(len(t.deadlines) for t in tasks)
    lines.append(_("directive.summary.counts", tasks=len(tasks), deadlines=dated))
    for task in tasks[:SUMMARY_TASKS]:
        goes_to = [
            targets_label(resolver.resolve(text), resolver)
            for text in effective_assignees(directive, task)
        ]
        lines.append(
            _(
                "directive.summary.task",
                ref=task.ref,
                text=short(task.text, TASK_TEXT),
                deadlines=deadlines_label(task, today),
                targets="; ".join(goes_to) or _("directive.target.none"),
            )
        )
    if len(tasks) > SUMMARY_TASKS:
        lines.append(_("directive.summary.more", n=len(tasks) - SUMMARY_TASKS))
    if dropped:
        lines.append(_("directive.summary.dropped", n=dropped))
    if any(past_at(d, today) for t in tasks for d in t.deadlines):
        lines.append(_("directive.summary.past"))
    return lines


async def _summary(ctx: Context, directive: Directive, *before: str) -> Turn:
    """The draft in a few lines and what staff may do with it."""
    assert ctx.unit is not None
    lines = await summary_lines(ctx.session, directive, ctx.unit, ctx.local_now.date())
    lines.append(_("directive.summary.ask"))
    options = [
        Option("act", _("directive.opt.activate")),
        Option("date", _("directive.opt.date")),
        Option("deadline", _("directive.opt.deadline")),
        Option("assignee", _("directive.opt.assignee")),
        Option("drop", _("directive.opt.drop")),
        _cancel_option(),
    ]
    return ask("intake:review", "\n".join(lines), "choice", options, before=before)


def _task_options(tasks: list[DirectiveTask]) -> list[Option]:
    options = [
        Option(f"t:{t.id}", short(_("directive.opt.task", ref=t.ref, text=t.text))) for t in tasks
    ]
    return [*options, _back_option()]


async def intake_review(ctx: Context) -> Turn:
    """Acts on the summary: activate, correct, drop a task, or cancel."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    choice = ctx.msg.choice
    if choice == "act":
        assert ctx.member is not None
        missing = await activate(ctx.session, directive, ctx.now, ctx.member.id)
        total = await count_tasks(ctx.session, directive.id)
        texts = [_("directive.activated", label=directive_label(directive), tasks=total)]
        if missing:
            names = ", ".join(f"«{short(m)}»" for m in missing)
            texts.append(_("directive.activated_unresolved", names=names))
        return finish(ctx, *texts)
    if choice == "cancel":
        await discard_draft(ctx.session, directive)
        return finish(ctx, _("directive.cancelled"))
    if choice == "date":
        return ask("intake:date", _("directive.ask_date"), "date", [_back_option()])
    if choice in ("deadline", "drop"):
        tasks = await tasks_of(ctx.session, directive.id)
        if not tasks:
            return stay(_("directive.bad.no_tasks"))
        if choice == "deadline" and len(tasks) == 1:
            return _ask_deadline(ctx, tasks[0])
        state = "intake:pick_deadline" if choice == "deadline" else "intake:pick_drop"
        key = "directive.ask_task_deadline" if choice == "deadline" else "directive.ask_task_drop"
        return ask(state, _(key), "choice", _task_options(tasks))
    if choice == "assignee":
        return await _ask_assignee(ctx, directive)
    return stay(_("directive.bad.pick"))


async def intake_date(ctx: Context) -> Turn:
    """Takes the corrected issue date (a real date) and shows the summary again."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    if ctx.msg.choice == "back":
        return await _summary(ctx, directive)
    day, error = parse_date(ctx.msg.text)
    if day is None:
        return stay(error or _("directive.bad.date_format"))
    assert ctx.member is not None
    await set_issued_on(ctx.session, directive, day, ctx.now, ctx.member.id)
    return await _summary(ctx, directive, _("directive.date_saved", date=day_label(day)))


async def _picked_task(ctx: Context, directive: Directive) -> DirectiveTask | None:
    choice = ctx.msg.choice or ""
    if not choice.startswith("t:") or whole(choice[2:]) is None:
        return None
    return await get_task(ctx.session, directive.id, int(choice[2:]))


async def _with_picked_task(
    ctx: Context, then: Callable[[Directive, DirectiveTask], Awaitable[Turn]]
) -> Turn:
    """`then` on the draft's task picked; "back" shows the summary, a bad pick stays."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    if ctx.msg.choice == "back":
        return await _summary(ctx, directive)
    task = await _picked_task(ctx, directive)
    if task is None:
        return stay(_("directive.bad.pick"))
    return await then(directive, task)


def _ask_deadline(ctx: Context, task: DirectiveTask) -> Turn:
    ctx.data["task_id"] = task.id
    text = _(
        "directive.ask_deadline",
        ref=task.ref,
        text=short(task.text, TASK_TEXT),
        deadlines=deadlines_label(task, ctx.local_now.date()),
    )
    options = [Option("none", _("directive.opt.no_deadline")), _back_option()]
    return ask("intake:deadline", text, "text", options)


async def intake_pick_deadline(ctx: Context) -> Turn:
    """Takes the task whose deadline is wrong and asks for the right one."""

    async def ask_deadline(directive: Directive, task: DirectiveTask) -> Turn:
        return _ask_deadline(ctx, task)

    return await _with_picked_task(ctx, ask_deadline)


async def intake_deadline(ctx: Context) -> Turn:
    """Replaces the task's deadlines with the one typed (or none) and shows the summary."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    task_id = ctx.data.get("task_id")
    task = await get_task(ctx.session, directive.id, task_id) if isinstance(task_id, int) else None
    if ctx.msg.choice == "back" or task is None:
        return await _summary(ctx, directive)
    if ctx.msg.choice == "none":
        deadlines: list[dict[str, Any]] = []
    else:
        parsed, error = parse_deadline(ctx.msg.text)
        if parsed is None:
            return stay(error or _("directive.bad.deadline_format"))
        deadlines = [parsed]
    assert ctx.member is not None
    await set_deadlines(ctx.session, task, deadlines, ctx.now, ctx.member.id)
    ctx.data.pop("task_id", None)
    saved = _(
        "directive.deadline_saved",
        ref=task.ref,
        deadlines=deadlines_label(task, ctx.local_now.date()),
    )
    return await _summary(ctx, directive, saved)


async def intake_pick_drop(ctx: Context) -> Turn:
    """Drops the chosen task and shows the summary."""

    async def drop(directive: Directive, task: DirectiveTask) -> Turn:
        assert ctx.member is not None
        await drop_task(ctx.session, task, ctx.now, ctx.member.id)
        return await _summary(ctx, directive, _("directive.dropped", ref=task.ref))

    return await _with_picked_task(ctx, drop)


# Assignees ------------------------------------------------------------------------------------


async def _ask_assignee(ctx: Context, directive: Directive) -> Turn:
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    texts: list[str] = []
    for task in await tasks_of(ctx.session, directive.id):
        texts.extend(t for t in effective_assignees(directive, task) if t not in texts)
    if not texts:
        return stay(_("directive.bad.no_assignees"))
    texts.sort(key=lambda t: resolver.resolve(t).resolved)
    ctx.data["assignees"] = texts
    options = []
    for n, text in enumerate(texts):
        mark = "" if resolver.resolve(text).resolved else "⚠ "
        options.append(Option(f"a:{n}", short(mark + text)))
    options.append(_back_option())
    return ask("intake:pick_assignee", _("directive.ask_assignee"), "choice", options)


def _map_options(resolver: Resolver) -> list[Option]:
    options: list[Option] = []
    for role, key in (
        ("village_head", "directive.opt.all_villages"),
        ("principal", "directive.opt.all_schools"),
        ("staff", "directive.opt.all_communes"),
    ):
        kind = {"village_head": "village", "principal": "school", "staff": "commune"}[role]
        n = len(resolver.of_kind(kind))
        if n:
            options.append(Option(f"g:{role}", _(key, n=n)))
    options.append(Option("self", short(_("directive.opt.self", unit=resolver.issuer.name))))
    children = [u for u in resolver.units if u.parent_id == resolver.issuer.id]
    for unit in sorted(children, key=lambda u: (u.kind, fold(u.name)))[:UNIT_OPTIONS]:
        options.append(Option(f"u:{unit.id}", short(unit.name)))
    options.append(Option("none", _("directive.opt.ignore")))
    options.append(_back_option())
    return options


async def intake_pick_assignee(ctx: Context) -> Turn:
    """Takes the assignee text to map and offers where it goes."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    if ctx.msg.choice == "back":
        return await _summary(ctx, directive)
    texts = ctx.data.get("assignees") or []
    choice = ctx.msg.choice or ""
    picked = whole(choice[2:]) if choice.startswith("a:") else None
    index = -1 if picked is None else picked
    if not 0 <= index < len(texts):
        return stay(_("directive.bad.pick"))
    assert ctx.unit is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    text = str(texts[index])
    ctx.data["assignee"] = text
    now = targets_label(resolver.resolve(text), resolver)
    question = _("directive.ask_map", text=short(text, 120), now=now)
    return ask("intake:map", question, "choice", _map_options(resolver))


def _typed_unit(resolver: Resolver, typed: str) -> list[Unit]:
    key = fold(typed)
    if len(key) < 3:
        return []
    exact = [u for u in resolver.units if fold(u.name) == key]
    return exact or [u for u in resolver.units if key in fold(u.name)]


async def intake_map(ctx: Context) -> Turn:
    """Remembers where the assignee text goes (for this and later directives)."""
    directive = await _draft(ctx)
    if directive is None:
        return _gone(ctx)
    text = ctx.data.get("assignee")
    if ctx.msg.choice == "back" or not isinstance(text, str):
        return await _summary(ctx, directive)
    assert ctx.unit is not None and ctx.member is not None
    resolver = await Resolver.load(ctx.session, ctx.unit)
    choice = ctx.msg.choice or ""
    target: tuple[int | None, str | None] | None = None
    if choice.startswith("g:") and choice[2:] in ("village_head", "principal", "staff"):
        target = (None, choice[2:])
    elif choice == "self":
        target = (ctx.unit.id, "staff")
    elif choice == "none":
        target = (None, None)
    elif choice.startswith("u:") and whole(choice[2:]) is not None:
        unit = resolver.unit(int(choice[2:]))
        if unit is not None and unit.id != ctx.unit.id:
            target = (unit.id, role_for(unit))
    elif not choice:
        found = _typed_unit(resolver, ctx.msg.text)
        if len(found) > 1:
            names = ", ".join(u.name for u in found[:5])
            return stay(_("directive.bad.many_units", names=names))
        if found:
            target = (found[0].id, role_for(found[0]))
        else:
            return stay(_("directive.bad.no_unit"))
    if target is None:
        return stay(_("directive.bad.pick"))
    await remember_mapping(ctx.session, ctx.unit, text, *target, ctx.now, ctx.member.id)
    ctx.data.pop("assignee", None)
    resolver = await Resolver.load(ctx.session, ctx.unit)
    saved = _(
        "directive.map_saved",
        text=short(text),
        target=targets_label(resolver.resolve(text), resolver),
    )
    return await _summary(ctx, directive, saved)


# Typed dates and deadlines --------------------------------------------------------------------


def parse_date(text: str) -> tuple[date | None, str | None]:
    """(date, None) for "05/03/2026", "5-3-2026", "ngày 5 tháng 3 năm 2026"; (None, refusal)
    for a date that does not exist ("31/02/2026") or text that is no date."""
    folded = fold(text)
    match = _DATE.search(folded) or _DATE_WORDS.search(folded)
    if match is None:
        return None, _("directive.bad.date_format")
    day, month, year = (int(g) for g in match.groups())
    shown = f"{day:02d}/{month:02d}/{year}"
    if not 1900 <= year <= 2200:
        return None, _("directive.bad.no_such_date", date=shown)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("directive.bad.no_such_date", date=shown)


def parse_deadline(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """A deadline dict (parser shape) from what staff type: a date ("15/12/2026") or a
    recurrence ("ngày 25 hằng tháng", "hằng quý", "10/11 hằng năm"); else (None, refusal)."""
    folded = fold(text)
    shown = clean(text)[:100]
    every = next((name for name, pattern in _EVERY if pattern.search(folded)), None)
    if every is None:
        day, error = parse_date(text)
        if day is None:
            no_date = error == _("directive.bad.date_format")
            return None, _("directive.bad.deadline_format") if no_date else error
        return {
            "text": shown,
            "due": day.isoformat(),
            "every": None,
            "month": None,
            "day": None,
        }, None
    month: int | None = None
    day_of: int | None = None
    pair = _DAY_MONTH.search(folded) if every in ("year", "half_year") else None
    if pair is not None:
        day_of, month = int(pair.group(1)), int(pair.group(2))
        try:
            date(2024, month, day_of)
        except ValueError:
            return None, _("directive.bad.no_such_date", date=f"{day_of:02d}/{month:02d}")
    else:
        single = _DAY.search(folded)
        if single is not None:
            day_of = int(single.group(1) or single.group(2))
            if not 1 <= day_of <= 31:
                return None, _("directive.bad.deadline_format")
    deadline = {"text": shown, "due": None, "every": every, "month": month, "day": day_of}
    return deadline, None


# The list of directives -----------------------------------------------------------------------


async def list_start(ctx: Context) -> Turn:
    """Lists the unit's active directives (and drafts waiting); "/chithi moi" starts intake."""
    if fold(ctx.msg.args) in ("moi", "new", "nap", "them"):
        return await intake_start(ctx)
    assert ctx.unit is not None
    ctx.data = {}
    found = await directives_of(ctx.session, ctx.unit.id, ("draft", "active"))
    new = Option("new", _("directive.menu.intake"))
    if not found:
        return ask("directives:pick", _("directive.list.empty"), "choice", [new])
    lines = [_("directive.list.title", unit=ctx.unit.name)]
    options: list[Option] = []
    for n, directive in enumerate(found[:LIST_MAX], 1):
        issued = day_label(directive.issued_on) if directive.issued_on else _("directive.no_date")
        tasks = await count_tasks(ctx.session, directive.id)
        key = "directive.list.draft" if directive.status == "draft" else "directive.list.active"
        subject = short(directive.subject or "", TASK_TEXT)
        label = directive_label(directive)
        lines.append(_(key, n=n, label=label, date=issued, subject=subject, tasks=tasks))
        if directive.status == "draft":
            options.append(Option(f"op:{directive.id}", short(_("directive.opt.open", n=n))))
        else:
            options.append(Option(f"ar:{directive.id}", short(_("directive.opt.archive", n=n))))
    if len(found) > LIST_MAX:
        lines.append(_("directive.summary.more", n=len(found) - LIST_MAX))
    lines.append(_("directive.list.ask"))
    options.append(new)
    return ask("directives:pick", "\n".join(lines), "choice", options)


async def _own(ctx: Context, choice: str, prefix: str, status: str) -> Directive | None:
    if not choice.startswith(prefix) or whole(choice[len(prefix) :]) is None:
        return None
    assert ctx.unit is not None
    directive = await get_directive(ctx.session, int(choice[len(prefix) :]))
    if directive is None or directive.status != status:
        return None
    if not await is_within(ctx.session, directive.unit_id, ctx.unit.id):
        return None
    return directive


async def list_pick(ctx: Context) -> Turn:
    """Opens a draft, asks to confirm archiving an active directive, or starts intake (also
    when a directive is sent right away)."""
    choice = ctx.msg.choice or ""
    if choice == "new":
        return await intake_start(ctx)
    if not choice and (ctx.msg.attachments or len(ctx.msg.text) >= AUTO_MIN_CHARS):
        return await intake_receive(ctx)
    draft = await _own(ctx, choice, "op:", "draft")
    if draft is not None and ctx.unit is not None and draft.unit_id == ctx.unit.id:
        ctx.data = {"directive_id": draft.id}
        return await _summary(ctx, draft)
    active = await _own(ctx, choice, "ar:", "active")
    if active is None:
        return stay(_("directive.bad.pick"))
    ctx.data = {"directive_id": active.id}
    options = [Option("yes", _("directive.opt.yes")), Option("no", _("directive.opt.no"))]
    question = _("directive.ask_archive", label=directive_label(active))
    return ask("directives:archive", question, "confirm", options)


async def list_archive(ctx: Context) -> Turn:
    """Archives the directive on "yes" (its tasks are no longer reminded)."""
    if ctx.msg.choice == "no":
        return await list_start(ctx)
    if ctx.msg.choice != "yes":
        return stay(_("directive.bad.yes_no"))
    directive_id = ctx.data.get("directive_id")
    directive = await _own(ctx, f"ar:{directive_id}", "ar:", "active")
    if directive is None:
        return _gone(ctx)
    assert ctx.member is not None
    await archive(ctx.session, directive, ctx.now, ctx.member.id)
    return finish(ctx, _("directive.archived", label=directive_label(directive)))


def _staff_only(step: Step) -> Step:
    """`step`, refused to a member who is no longer staff (roles are checked at every step)."""

    @functools.wraps(step)
    async def checked(ctx: Context) -> Turn:
        if ctx.member is None or ctx.member.role not in STAFF_ROLES:
            return finish(ctx, _("error.not_allowed"))
        return await step(ctx)

    return checked


INTAKE = Flow(
    name="intake",
    commands=("napvanban", "nap van ban", "napchithi", "nap chi thi", "intake"),
    english="intake",
    roles=STAFF_ROLES,
    start=intake_start,
    states={
        "intake:receive": _staff_only(intake_receive),
        "intake:read": _staff_only(intake_read),
        "intake:review": _staff_only(intake_review),
        "intake:date": _staff_only(intake_date),
        "intake:pick_deadline": _staff_only(intake_pick_deadline),
        "intake:deadline": _staff_only(intake_deadline),
        "intake:pick_drop": _staff_only(intake_pick_drop),
        "intake:pick_assignee": _staff_only(intake_pick_assignee),
        "intake:map": _staff_only(intake_map),
    },
    menu="directive.menu.intake",
)

DIRECTIVES = Flow(
    name="directives",
    commands=("chithi", "chi thi", "directives"),
    english="directives",
    roles=STAFF_ROLES,
    start=list_start,
    states={
        "directives:pick": _staff_only(list_pick),
        "directives:archive": _staff_only(list_archive),
    },
    menu="directive.menu.list",
)
