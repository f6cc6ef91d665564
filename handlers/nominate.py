"""Nominating someone for commendation: kind, name, position and unit, birth year, award,
movement, achievement, evidence, summary, confirm. A returned nomination can be edited and resent.

State (``ctx.data``): the fields so far (``kind``, ``nominee``, ``position``, ``birth_year``,
``award``, ``movement``, ``achievement``), ``files`` (stored file ids), ``editing`` (go back to the
summary after one answer) and ``nomination_id`` when a returned nomination is being corrected.
"""

from __future__ import annotations

from typing import Any

from handlers.drafts import keeping_drafts
from handlers.flow import Context, Drafts, Flow, Turn, ask, stay
from handlers.numbers import whole
from handlers.report import (
    file_refusal,
    finish,
    parse_integer,
    short,
    store_attachment,
    typed_first_option,
)
from handlers.text import clean
from handlers.types import Option, Reply
from locales import _
from storage.drafts import drafts_of
from storage.files import FileRejected
from storage.models import Nomination
from storage.nominations import (
    ACHIEVEMENT_MAX,
    award_label,
    awards_for,
    file_nomination,
    own_returned,
    province_of,
    resubmit,
    returned_of,
)
from storage.templates import movements

NOMINATING_ROLES = frozenset({"village_head", "principal", "reporter"})
NAME_MAX = 120
POSITION_MAX = 255
MOVEMENT_MAX = 255
ACHIEVEMENT_MIN = 10
MAX_FILES = 10
OTHER = "other"
EDITABLE = ("nominee", "position", "birth_year", "award", "movement", "achievement", "files")


# Questions ------------------------------------------------------------------------------------


def _individual(ctx: Context) -> bool:
    return ctx.data.get("kind") == "individual"


def _ask_kind(before: tuple[str, ...] = ()) -> Turn:
    options = [
        Option("individual", _("nominate.opt.individual")),
        Option("collective", _("nominate.opt.collective")),
    ]
    return ask("nominate:kind", _("nominate.ask_kind"), "choice", options, before=before)


def _ask_name(ctx: Context) -> Turn:
    key = "nominate.ask_name" if _individual(ctx) else "nominate.ask_name_collective"
    return ask("nominate:name", _(key), "text")


def _ask_position(ctx: Context) -> Turn:
    key = "nominate.ask_position" if _individual(ctx) else "nominate.ask_position_collective"
    return ask("nominate:position", _(key), "text")


def _ask_birth_year() -> Turn:
    options = [Option("skip", _("report.opt.skip"))]
    return ask("nominate:birth_year", _("nominate.ask_birth_year"), "number", options)


async def _ask_award(ctx: Context) -> Turn:
    assert ctx.member is not None
    province = await province_of(ctx.session, ctx.member.unit_id)
    options = [Option(f"a:{a.key}", a.label) for a in awards_for(str(ctx.data["kind"]), province)]
    return ask("nominate:award", _("nominate.ask_award"), "choice", options)


async def _ask_movement(ctx: Context) -> Turn:
    names = await movements(ctx.session, ctx.now, ctx.unit.kind if ctx.unit else None)
    options = [Option(f"m:{i}", short(name, 80)) for i, name in enumerate(names)]
    options.append(Option(OTHER, _("nominate.opt.other")))
    ctx.data["movements"] = names
    return ask("nominate:movement", _("nominate.ask_movement"), "choice", options)


def _ask_achievement() -> Turn:
    return ask("nominate:achievement", _("nominate.ask_achievement", max=ACHIEVEMENT_MAX), "text")


def _ask_files(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    count = len(ctx.data.get("files", []))
    text = _("nominate.ask_files") if count == 0 else _("nominate.ask_more_files", count=count)
    options = [Option("finish", _("nominate.opt.finish"))]
    return ask("nominate:files", text, "photo", options, before=before)


async def _next(ctx: Context, after: str) -> Turn:
    """The question after field `after`, or the summary when one field was being edited."""
    if ctx.data.get("editing"):
        return await _summary(ctx)
    if after == "nominee":
        return _ask_position(ctx)
    if after == "position":
        return _ask_birth_year() if _individual(ctx) else await _ask_award(ctx)
    if after == "birth_year":
        return await _ask_award(ctx)
    if after == "award":
        return await _ask_movement(ctx)
    if after == "movement":
        return _ask_achievement()
    if after == "achievement":
        return _ask_files(ctx)
    return await _summary(ctx)


def fields_of(nomination: Nomination) -> dict[str, Any]:
    """The nomination's fields as `describe` reads them (and as the flow keeps them)."""
    return {
        "kind": nomination.kind,
        "nominee": nomination.nominee,
        "position": nomination.position,
        "birth_year": nomination.birth_year,
        "award": nomination.award,
        "movement": nomination.movement,
        "achievement": nomination.achievement,
    }


async def describe(ctx: Context, fields: dict[str, Any], files: int) -> list[str]:
    """The nomination's fields as lines to read (used by the summary and by review)."""
    assert ctx.member is not None
    province = await province_of(ctx.session, ctx.member.unit_id)
    kind = _(f"nominate.opt.{fields['kind']}")
    lines = [
        _("nominate.line.kind", value=kind),
        _("nominate.line.nominee", value=fields["nominee"]),
        _("nominate.line.position", value=fields.get("position") or "—"),
    ]
    if fields["kind"] == "individual":
        lines.append(_("nominate.line.birth_year", value=fields.get("birth_year") or "—"))
    lines += [
        _("nominate.line.award", value=award_label(str(fields["award"]), province)),
        _("nominate.line.movement", value=fields.get("movement") or "—"),
        _("nominate.line.achievement", value=fields["achievement"]),
        _("nominate.line.files", count=files),
    ]
    return lines


async def _summary(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    ctx.data["editing"] = True
    lines = [_("nominate.summary_title")]
    lines += await describe(ctx, ctx.data, len(ctx.data.get("files", [])))
    lines.append(_("nominate.summary_ask"))
    options = [
        Option("submit", _("nominate.opt.submit")),
        Option("edit", _("nominate.opt.edit")),
        Option("cancel", _("report.opt.cancel")),
    ]
    return ask("nominate:confirm", "\n".join(lines), "confirm", options, before=before)


# Steps ----------------------------------------------------------------------------------------


async def start(ctx: Context) -> Turn:
    """Resumes a half-filled nomination, offers to fix a returned one, or asks the kind."""
    assert ctx.member is not None
    for draft in await drafts_of(ctx.session, ctx.member.id, "nominate"):
        if draft.data.get("kind") in ("individual", "collective"):
            resumed = await _resume(ctx, draft.state, dict(draft.data))
            if resumed is not None:
                return resumed
    returned = await returned_of(ctx.session, ctx.member)
    if returned:
        options = [Option("fix", _("nominate.opt.fix")), Option("new", _("nominate.opt.new"))]
        text = _("nominate.has_returned", count=len(returned))
        return ask("nominate:begin", text, "choice", options)
    return _ask_kind()


async def _resume(ctx: Context, state: str, data: dict[str, Any]) -> Turn | None:
    """Asks again the question the half-filled nomination stopped at (None: nothing to resume)."""
    ctx.data = data
    turn: Turn | None = None
    if state == "nominate:name":
        turn = _ask_name(ctx)
    elif state == "nominate:position":
        turn = _ask_position(ctx)
    elif state == "nominate:birth_year":
        turn = _ask_birth_year()
    elif state == "nominate:award":
        turn = await _ask_award(ctx)
    elif state in ("nominate:movement", "nominate:movement_other"):
        turn = await _ask_movement(ctx)
    elif state == "nominate:achievement":
        turn = _ask_achievement()
    elif state == "nominate:files":
        turn = _ask_files(ctx)
    elif state in ("nominate:confirm", "nominate:edit"):
        turn = await _summary(ctx)
    if turn is None:
        ctx.data = {}
        return None
    turn.replies.insert(0, Reply(_("nominate.resumed")))
    return turn


async def begin(ctx: Context) -> Turn:
    """Starts a new nomination, or lists the returned ones to correct."""
    assert ctx.member is not None
    if ctx.msg.choice == "new":
        return _ask_kind()
    if ctx.msg.choice != "fix":
        return stay(_("report.bad.choice"))
    returned = await returned_of(ctx.session, ctx.member)
    if not returned:
        return _ask_kind(before=(_("nominate.none_returned"),))
    if len(returned) == 1:
        return await _open_returned(ctx, returned[0].id)
    options = [
        Option(f"n:{n.id}", short(f"#{n.id} {n.nominee} – {award_label(n.award)}"))
        for n in returned
    ]
    return ask("nominate:pick_returned", _("nominate.pick_returned"), "choice", options)


async def pick_returned(ctx: Context) -> Turn:
    """Opens the returned nomination picked."""
    picked = whole((ctx.msg.choice or "").removeprefix("n:"))
    if picked is None:
        return stay(_("report.bad.choice"))
    return await _open_returned(ctx, picked)


async def _open_returned(ctx: Context, nomination_id: int) -> Turn:
    assert ctx.member is not None
    nomination = await own_returned(ctx.session, ctx.member, nomination_id)
    if nomination is None:
        return finish(ctx, _("nominate.not_yours"))
    ctx.data = {
        "nomination_id": nomination.id,
        **fields_of(nomination),
        "files": list(nomination.file_ids),
    }
    reason = _("nominate.returned_reason", reason=nomination.review_reason or "—")
    return await _summary(ctx, before=(reason,))


async def kind(ctx: Context) -> Turn:
    """Stores individual or collective and asks the name."""
    if ctx.msg.choice not in ("individual", "collective"):
        return stay(_("nominate.bad.kind"))
    ctx.data = {"kind": ctx.msg.choice, "files": []}
    return _ask_name(ctx)


async def name(ctx: Context) -> Turn:
    """Stores the full name (or the collective's name) and asks the position and unit."""
    return await _take_text(ctx, "nominee", 2, NAME_MAX, _("nominate.bad.name"))


async def position(ctx: Context) -> Turn:
    """Stores the position and unit and asks the birth year (individuals) or the award."""
    return await _take_text(ctx, "position", 2, POSITION_MAX, _("nominate.bad.position"))


async def birth_year(ctx: Context) -> Turn:
    """Stores the year of birth (optional, 1900 to this year) and asks the award."""
    this_year = ctx.local_now.year
    if ctx.msg.choice == "skip":
        ctx.data["birth_year"] = None
        return await _next(ctx, "birth_year")
    year = parse_integer(ctx.msg.text)
    if year is None or not 1900 <= year <= this_year:
        return stay(_("nominate.bad.birth_year", max=this_year))
    ctx.data["birth_year"] = year
    return await _next(ctx, "birth_year")


async def award(ctx: Context) -> Turn:
    """Stores the award picked from the catalogue and asks the movement."""
    assert ctx.member is not None
    province = await province_of(ctx.session, ctx.member.unit_id)
    keys = {a.key for a in awards_for(str(ctx.data["kind"]), province)}
    picked = (ctx.msg.choice or "").removeprefix("a:")
    if not ctx.msg.choice or picked not in keys:
        return stay(_("report.bad.choice"))
    ctx.data["award"] = picked
    return await _next(ctx, "award")


async def movement(ctx: Context) -> Turn:
    """Stores the movement picked (or typed); "Khác" asks for its name."""
    names = list(ctx.data.get("movements", []))
    if ctx.msg.choice == OTHER:
        return ask("nominate:movement_other", _("nominate.ask_movement_other"), "text")
    picked = whole((ctx.msg.choice or "").removeprefix("m:"))
    if ctx.msg.choice and picked is not None and picked < len(names):
        ctx.data["movement"] = names[picked]
        return await _next(ctx, "movement")
    if ctx.msg.choice is None and len(clean(ctx.msg.text)) >= 3 and not ctx.msg.attachments:
        return await movement_other(ctx)
    return stay(_("report.bad.choice"))


async def movement_other(ctx: Context) -> Turn:
    """Stores a movement typed by the person and asks the achievement."""
    return await _take_text(ctx, "movement", 3, MOVEMENT_MAX, _("nominate.bad.movement"))


async def _take_text(ctx: Context, key: str, shortest: int, longest: int, bad: str) -> Turn:
    """Stores a typed text with letters (`shortest` to `longest` characters) as `key`, goes on.

    `bad` is said for a file, a text too short or one without letters.
    """
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or len(text) < shortest or not any(c.isalpha() for c in text):
        return stay(bad)
    if len(text) > longest:
        return stay(_("report.bad.too_long", length=len(text), max=longest))
    ctx.data[key] = text
    return await _next(ctx, key)


async def achievement(ctx: Context) -> Turn:
    """Stores the achievement (up to 1,500 characters) and asks for evidence."""
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or len(text) < ACHIEVEMENT_MIN:
        return stay(_("nominate.bad.achievement", min=ACHIEVEMENT_MIN))
    if len(text) > ACHIEVEMENT_MAX:
        return stay(_("report.bad.too_long", length=len(text), max=ACHIEVEMENT_MAX))
    ctx.data["achievement"] = text
    return await _next(ctx, "achievement")


async def files(ctx: Context) -> Turn:
    """Stores each photo or document received; "Xong" goes on to the summary."""
    if ctx.msg.choice == "finish" or typed_first_option(ctx):
        return await _summary(ctx)
    if not ctx.msg.attachments:
        return stay(_("nominate.bad.files"))
    stored_ids = list(ctx.data.get("files", []))
    if len(stored_ids) >= MAX_FILES:
        return stay(_("nominate.bad.too_many_files", max=MAX_FILES))
    try:
        stored = await store_attachment(ctx, ctx.msg.attachments[0])
    except FileRejected as refusal:
        return stay(file_refusal(refusal.reason, ctx))
    if stored.id not in stored_ids:
        stored_ids.append(stored.id)
    ctx.data["files"] = stored_ids
    return _ask_files(ctx)


async def confirm(ctx: Context) -> Turn:
    """Files the nomination (or resubmits the returned one), lists fields to edit, or cancels."""
    assert ctx.member is not None
    if ctx.member.role not in NOMINATING_ROLES:
        return finish(ctx, _("error.not_allowed"))
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("nominate.cancelled"))
    if ctx.msg.choice == "edit":
        fields = [f for f in EDITABLE if f != "birth_year" or _individual(ctx)]
        options = [Option(f"f:{f}", _(f"nominate.field.{f}")) for f in fields]
        options.append(Option("back", _("report.opt.back")))
        return ask("nominate:edit", _("nominate.edit_which"), "choice", options)
    if ctx.msg.choice != "submit":
        return stay(_("report.bad.summary"))
    file_ids = [int(i) for i in ctx.data.get("files", [])]
    values = {k: ctx.data.get(k) for k in ("kind", *EDITABLE[:-1])}
    if ctx.data.get("nomination_id"):
        nomination = await own_returned(ctx.session, ctx.member, int(ctx.data["nomination_id"]))
        if nomination is None:
            return finish(ctx, _("nominate.not_yours"))
        await resubmit(ctx.session, nomination, ctx.member, values, file_ids, ctx.now)
        return finish(ctx, _("nominate.resubmitted", id=nomination.id, nominee=nomination.nominee))
    nomination = await file_nomination(ctx.session, ctx.member, values, file_ids, ctx.now)
    return finish(ctx, _("nominate.saved", id=nomination.id, nominee=nomination.nominee))


async def edit(ctx: Context) -> Turn:
    """Asks again the field picked for editing (or goes back to the summary)."""
    if ctx.msg.choice == "back":
        return await _summary(ctx)
    field = (ctx.msg.choice or "").removeprefix("f:")
    ctx.data["editing"] = True
    if field == "nominee":
        return _ask_name(ctx)
    if field == "position":
        return _ask_position(ctx)
    if field == "birth_year" and _individual(ctx):
        return _ask_birth_year()
    if field == "award":
        return await _ask_award(ctx)
    if field == "movement":
        return await _ask_movement(ctx)
    if field == "achievement":
        return _ask_achievement()
    if field == "files":
        return _ask_files(ctx)
    return stay(_("report.bad.choice"))


async def resume(ctx: Context, state: str) -> Turn:
    """Asks again the question the nomination in `ctx.data` stands at (or starts over when
    the draft no longer fits)."""
    turn = await _resume(ctx, state, ctx.data)
    return turn if turn is not None else _ask_kind()


def _draft_key(data: dict[str, Any]) -> str | None:
    if data.get("kind") not in ("individual", "collective") or not data.get("nominee"):
        return None
    return f"returned:{data['nomination_id']}" if data.get("nomination_id") else "new"


async def _draft_label(ctx: Context, data: dict[str, Any]) -> str:
    nominee = str(data.get("nominee") or "")
    return _("nominate.draft_label", nominee=nominee) if nominee else _("nominate.draft_new")


FLOW = Flow(
    name="nominate",
    commands=("dexuat", "de xuat", "nominate"),
    english="nominate",
    roles=NOMINATING_ROLES,
    start=start,
    states={
        "nominate:begin": begin,
        "nominate:pick_returned": pick_returned,
        "nominate:kind": kind,
        "nominate:name": name,
        "nominate:position": position,
        "nominate:birth_year": birth_year,
        "nominate:award": award,
        "nominate:movement": movement,
        "nominate:movement_other": movement_other,
        "nominate:achievement": achievement,
        "nominate:files": files,
        "nominate:confirm": confirm,
        "nominate:edit": edit,
    },
    menu="nominate.menu",
    drafts=Drafts(_draft_key, _draft_label, resume),
)
FLOW = keeping_drafts(FLOW)
