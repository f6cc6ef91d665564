"""Nominating someone for commendation, offering only what the law gives the nominee.

Questions, in order, each asked only where it applies: nominee kind (from the catalogue, for the
nominator's unit kind), name, gender and birth year (individuals), position and unit, award (only
those the catalogue offers that kind), achievement type (regular, ad-hoc, thematic) where the
award has several, year or school year of the round, the prior title it rests on, the initiative,
movement, achievement, evidence; then a summary to confirm. A returned nomination can be edited
and resent. What the catalogue lets us check is checked before filing (storage.nominations).

State (``ctx.data``): the fields so far (see ``storage.nominations.FIELDS``), ``files`` (stored
file ids), ``editing`` (back to the summary after one answer) and ``nomination_id`` when a
returned nomination is being corrected.
"""

from __future__ import annotations

import re
from datetime import date
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
from handlers.text import clean, fold
from handlers.types import Option, Reply
from locales import _
from locales.formats import date_label
from storage.awards import Award, Catalogue, catalogue
from storage.drafts import drafts_of
from storage.files import FileRejected
from storage.models import HEAD_ROLE, Nomination
from storage.nominations import (
    ACHIEVEMENT_MAX,
    FIELDS,
    award_label,
    file_nomination,
    own_returned,
    province_of,
    resubmit,
    returned_of,
    rule_problems,
)
from storage.templates import movements

NOMINATING_ROLES = frozenset({*HEAD_ROLE.values(), "reporter"})
NAME_MAX = 120
POSITION_MAX = 255
MOVEMENT_MAX = 255
ACHIEVEMENT_MIN = 10
INITIATIVE_MIN = 10
PRIOR_MIN = 6
MAX_FILES = 10
OTHER = "other"
SAME_ROUND = "same_round"
_DATE = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\b")
# the questions in order; a field is asked only where `_applies` says so
ORDER = (
    "nominee_kind",
    "nominee",
    "gender",
    "birth_year",
    "position",
    "award",
    "achievement_type",
    "period",
    "prior_title",
    "initiative",
    "movement",
    "achievement",
    "files",
)
# changing one of these may ask the ones after it (up to the initiative) again
AWARD_CHAIN = ("award", "achievement_type", "period", "prior_title", "initiative")
EDITABLE = tuple(f for f in ORDER if f not in ("nominee_kind", "achievement_type"))


async def _catalogue(ctx: Context) -> Catalogue:
    assert ctx.member is not None
    return catalogue(await province_of(ctx.session, ctx.member.unit_id))


def _scope(ctx: Context) -> str:
    return str(ctx.data.get("kind") or "individual")


async def _award(ctx: Context) -> Award | None:
    return (await _catalogue(ctx)).award(str(ctx.data.get("award")))


def school_year(year: int, month: int) -> str:
    """The school year a month falls in: August 2026 to May 2027 is "2026-2027"."""
    start = year if month >= 8 else year - 1
    return f"{start}-{start + 1}"


def round_start(period: str) -> date | None:
    """The first day of a round: 1 January of a year ("2026"), 1 August of a school year
    ("2026-2027"); None for anything else."""
    if re.fullmatch(r"\d{4}", period):
        return date(int(period), 1, 1)
    if re.fullmatch(r"\d{4}-\d{4}", period):
        return date(int(period[:4]), 8, 1)
    return None


def dates_in(text: str) -> list[date]:
    """The real dates written d/m/yyyy (or with "." or "-") in a text."""
    found = []
    for day, month, year in _DATE.findall(text):
        try:
            found.append(date(int(year), int(month), int(day)))
        except ValueError:
            continue
    return found


def period_options(ctx: Context, award: Award) -> list[Option]:
    """The rounds one may propose for: this year and the last, or the school years around now."""
    now = ctx.local_now
    by_school_year = award.school_year and ctx.unit is not None and ctx.unit.kind == "school"
    if by_school_year:
        this = school_year(now.year, now.month)
        start = int(this[:4])
        values = [f"{start - 1}-{start}", this]
        return [Option(f"p:{v}", _("nominate.opt.school_year", value=v)) for v in values]
    return [Option(f"p:{y}", _("nominate.opt.year", value=y)) for y in (now.year, now.year - 1)]


async def _applies(ctx: Context, field: str) -> bool:
    award = await _award(ctx)
    if field in ("gender", "birth_year"):
        return _scope(ctx) == "individual"
    if field == "achievement_type":
        return award is not None and len(award.achievement_types) > 1
    if field == "period":
        ad_hoc = ctx.data.get("achievement_type") == "dot_xuat"
        return award is not None and award.cycle != "ad_hoc" and not ad_hoc
    if field == "prior_title":
        return award is not None and award.condition("prior") is not None
    if field == "initiative":
        return award is not None and award.condition("initiative") is not None
    return True


# Questions ------------------------------------------------------------------------------------


async def _ask(ctx: Context, field: str, before: tuple[str, ...] = ()) -> Turn:
    """The question of `field` (state "nominate:<field>")."""
    state = f"nominate:{field}"
    if field == "nominee_kind":
        cat = await _catalogue(ctx)
        kinds = cat.kinds_for_unit(ctx.unit.kind if ctx.unit else None)
        options = [Option(f"k:{k.key}", k.label) for k in kinds]
        return ask(state, _("nominate.ask_kind"), "choice", options, before=before)
    if field == "nominee":
        return ask(state, _(f"nominate.ask_name.{_scope(ctx)}"), "text", before=before)
    if field == "gender":
        options = [Option("nam", _("nominate.opt.male")), Option("nu", _("nominate.opt.female"))]
        return ask(state, _("nominate.ask_gender"), "choice", options, before=before)
    if field == "birth_year":
        return ask(state, _("nominate.ask_birth_year"), "number", before=before)
    if field == "position":
        return ask(state, _(f"nominate.ask_position.{_scope(ctx)}"), "text", before=before)
    if field == "award":
        return await _ask_award(ctx, before)
    if field == "achievement_type":
        award = await _award(ctx)
        assert award is not None
        options = [Option(f"t:{t}", _(f"nominate.type.{t}")) for t in award.achievement_types]
        return ask(state, _("nominate.ask_type"), "choice", options, before=before)
    if field == "period":
        award = await _award(ctx)
        assert award is not None
        options = period_options(ctx, award)
        return ask(state, _("nominate.ask_period"), "choice", options, before=before)
    if field == "prior_title":
        return await _ask_prior(ctx, before)
    if field == "initiative":
        return ask(state, _("nominate.ask_initiative"), "text", before=before)
    if field == "movement":
        names = await movements(ctx.session, ctx.now, ctx.unit.kind if ctx.unit else None)
        options = [Option(f"m:{i}", short(name, 80)) for i, name in enumerate(names)]
        options.append(Option(OTHER, _("nominate.opt.other")))
        ctx.data["movements"] = names
        return ask(state, _("nominate.ask_movement"), "choice", options, before=before)
    if field == "achievement":
        text = _("nominate.ask_achievement", max=ACHIEVEMENT_MAX)
        return ask(state, text, "text", before=before)
    return _ask_files(ctx, before)


async def _ask_award(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    cat = await _catalogue(ctx)
    kind = str(ctx.data.get("nominee_kind"))
    options = [Option(f"a:{a.key}", a.label) for a in cat.offered(kind)]
    lines = [_("nominate.ask_award")]
    titles = [a for a in cat.refused(kind) if a.kind == "title"]
    if titles:
        names = ", ".join(f"“{a.label}”" for a in titles)
        lines.append(_("nominate.not_offered", titles=names, kind=_kind_label(cat, kind)))
    listed = [a for a in titles if a.list_only and kind in a.recipients]
    for award in listed:
        lines.append(award.refused_note)
    return ask("nominate:award", "\n".join(lines), "choice", options, before=before)


def _kind_label(cat: Catalogue, key: str) -> str:
    found = cat.kind(key)
    return found.label if found else key


async def _ask_prior(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    award = await _award(ctx)
    assert award is not None
    prior = award.condition("prior")
    assert prior is not None and prior.award
    title = award_label(prior.award, await province_of(ctx.session, ctx.unit.id if ctx.unit else 0))
    if prior.times > 1:
        text = _("nominate.ask_prior_times", title=title, times=prior.times)
        return ask("nominate:prior_title", text, "text", before=before)
    options = [Option(SAME_ROUND, _("nominate.opt.same_round", period=ctx.data.get("period")))]
    text = _("nominate.ask_prior", title=title, period=ctx.data.get("period", ""))
    return ask("nominate:prior_title", text, "choice", options, before=before)


def _ask_files(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    count = len(ctx.data.get("files", []))
    text = _("nominate.ask_files") if count == 0 else _("nominate.ask_more_files", count=count)
    options = [Option("finish", _("nominate.opt.finish"))]
    return ask("nominate:files", text, "photo", options, before=before)


async def _next(ctx: Context, after: str) -> Turn:
    """The question after field `after`, or the summary when one field was being edited."""
    editing = bool(ctx.data.get("editing"))
    if editing and after not in AWARD_CHAIN[:-1]:
        return await _summary(ctx)
    for field in ORDER[ORDER.index(after) + 1 :]:
        if editing and field not in AWARD_CHAIN:
            break
        if await _applies(ctx, field):
            return await _ask(ctx, field)
        if field in ("prior_title", "initiative"):
            ctx.data.pop(field, None)
    return await _summary(ctx)


def fields_of(nomination: Nomination) -> dict[str, Any]:
    """The nomination's fields as `describe` reads them (and as the flow keeps them)."""
    return {field: getattr(nomination, field) for field in FIELDS}


async def describe(ctx: Context, fields: dict[str, Any], files: int) -> list[str]:
    """The nomination's fields as lines to read (used by the summary and by review)."""
    assert ctx.member is not None
    province = await province_of(ctx.session, ctx.member.unit_id)
    cat = catalogue(province)
    lines = [
        _("nominate.line.kind", value=_kind_label(cat, str(fields.get("nominee_kind")))),
        _("nominate.line.nominee", value=fields["nominee"]),
    ]
    if fields.get("kind") == "individual":
        gender = _(f"nominate.gender.{fields['gender']}") if fields.get("gender") else "—"
        lines.append(_("nominate.line.gender_birth", gender=gender, year=fields.get("birth_year")))
    lines.append(_("nominate.line.position", value=fields.get("position") or "—"))
    award = award_label(str(fields["award"]), province)
    if fields.get("achievement_type") and fields["achievement_type"] != "thuong_xuyen":
        kind_of_achievement = _(f"nominate.type.{fields['achievement_type']}")
        award += f" ({kind_of_achievement})"
    lines.append(_("nominate.line.award", value=award))
    if fields.get("period"):
        lines.append(_("nominate.line.period", value=fields["period"]))
    if fields.get("prior_title"):
        lines.append(_("nominate.line.prior", value=fields["prior_title"]))
    if fields.get("initiative"):
        lines.append(_("nominate.line.initiative", value=fields["initiative"]))
    lines += [
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
    """Resumes a half-filled nomination, offers to fix a returned one, or asks the nominee kind."""
    assert ctx.member is not None
    for draft in await drafts_of(ctx.session, ctx.member.id, "nominate"):
        if draft.data.get("nominee_kind"):
            resumed = await _resume(ctx, draft.state, dict(draft.data))
            if resumed is not None:
                return resumed
    returned = await returned_of(ctx.session, ctx.member)
    if returned:
        options = [Option("fix", _("nominate.opt.fix")), Option("new", _("nominate.opt.new"))]
        text = _("nominate.has_returned", count=len(returned))
        return ask("nominate:begin", text, "choice", options)
    return await _ask(ctx, "nominee_kind")


async def _resume(ctx: Context, state: str, data: dict[str, Any]) -> Turn | None:
    """Asks again the question the half-filled nomination stopped at (None: nothing to resume)."""
    ctx.data = data
    field = state.removeprefix("nominate:")
    if field == "movement_other":
        field = "movement"
    if field in ("confirm", "edit"):
        turn = await _summary(ctx)
    elif field in ORDER:
        turn = await _ask(ctx, field)
    else:
        ctx.data = {}
        return None
    turn.replies.insert(0, Reply(_("nominate.resumed")))
    return turn


async def begin(ctx: Context) -> Turn:
    """Starts a new nomination, or lists the returned ones to correct."""
    assert ctx.member is not None
    if ctx.msg.choice == "new":
        return await _ask(ctx, "nominee_kind")
    if ctx.msg.choice != "fix":
        return stay(_("report.bad.choice"))
    returned = await returned_of(ctx.session, ctx.member)
    if not returned:
        return await _ask(ctx, "nominee_kind", before=(_("nominate.none_returned"),))
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


async def nominee_kind(ctx: Context) -> Turn:
    """Stores the nominee kind offered for the nominator's unit and asks the name."""
    cat = await _catalogue(ctx)
    offered = {k.key: k for k in cat.kinds_for_unit(ctx.unit.kind if ctx.unit else None)}
    picked = offered.get((ctx.msg.choice or "").removeprefix("k:"))
    if picked is None:
        return stay(_("report.bad.choice"))
    ctx.data = {"nominee_kind": picked.key, "kind": picked.scope, "files": []}
    return await _next(ctx, "nominee_kind")


async def name(ctx: Context) -> Turn:
    """Stores the full name (of the person, the head of household or the collective)."""
    return await _take_text(ctx, "nominee", 2, NAME_MAX, _("nominate.bad.name"))


async def gender(ctx: Context) -> Turn:
    """Stores male or female and asks the birth year."""
    if ctx.msg.choice not in ("nam", "nu"):
        return stay(_("report.bad.choice"))
    ctx.data["gender"] = ctx.msg.choice
    return await _next(ctx, "gender")


async def birth_year(ctx: Context) -> Turn:
    """Stores the year of birth (1900 to this year) and asks the position."""
    this_year = ctx.local_now.year
    year = parse_integer(ctx.msg.text)
    if year is None or not 1900 <= year <= this_year:
        return stay(_("nominate.bad.birth_year", max=this_year))
    ctx.data["birth_year"] = year
    return await _next(ctx, "birth_year")


async def position(ctx: Context) -> Turn:
    """Stores the position and unit (or the address of a household) and asks the award."""
    return await _take_text(ctx, "position", 2, POSITION_MAX, _("nominate.bad.position"))


async def award(ctx: Context) -> Turn:
    """Stores an award the catalogue offers this nominee kind; says why another is refused."""
    cat = await _catalogue(ctx)
    kind = str(ctx.data.get("nominee_kind"))
    picked = (ctx.msg.choice or "").removeprefix("a:")
    if picked not in {a.key for a in cat.offered(kind)}:
        typed = fold(ctx.msg.text)
        refused = next((a for a in cat.awards if fold(a.label) == typed), None)
        if refused is not None and refused.refused_note:
            return stay(refused.refused_note)
        return stay(_("report.bad.choice"))
    ctx.data["award"] = picked
    chosen = cat.award(picked)
    assert chosen is not None
    ctx.data["achievement_type"] = chosen.achievement_types[0]
    if chosen.cycle == "ad_hoc":
        ctx.data["period"] = str(ctx.local_now.year)
    return await _next(ctx, "award")


async def achievement_type(ctx: Context) -> Turn:
    """Stores regular, ad-hoc or thematic achievement."""
    award_ = await _award(ctx)
    picked = (ctx.msg.choice or "").removeprefix("t:")
    if award_ is None or picked not in award_.achievement_types:
        return stay(_("report.bad.choice"))
    ctx.data["achievement_type"] = picked
    if picked == "dot_xuat":
        ctx.data["period"] = str(ctx.local_now.year)
    return await _next(ctx, "achievement_type")


async def period(ctx: Context) -> Turn:
    """Stores the year or school year of the round."""
    award_ = await _award(ctx)
    assert award_ is not None
    offered = {o.id for o in period_options(ctx, award_)}
    if ctx.msg.choice not in offered:
        return stay(_("report.bad.choice"))
    ctx.data["period"] = str(ctx.msg.choice).removeprefix("p:")
    return await _next(ctx, "period")


async def prior_title(ctx: Context) -> Turn:
    """Takes "proposed in this round" (checked now) or the decision that gave the prior title."""
    assert ctx.unit is not None
    if ctx.msg.choice == SAME_ROUND:
        fields = {k: ctx.data.get(k) for k in FIELDS} | {"prior_title": None, "initiative": "-"}
        province = await province_of(ctx.session, ctx.unit.id)
        exclude = ctx.data.get("nomination_id")
        problems = await rule_problems(ctx.session, ctx.unit.id, fields, province, exclude)
        prior = [p for p in problems if p[0] == "nominate.rule.prior"]
        if prior:
            return stay(_(prior[0][0], **prior[0][1]) + "\n" + _("nominate.prior_how"))
        ctx.data["prior_title"] = None
        return await _next(ctx, "prior_title")
    text = clean(ctx.msg.text)
    # a decision is cited by its number: "QĐ 120/QĐ-UBND ngày 20/12/2025"
    cited = len(text) >= PRIOR_MIN and any(c.isdigit() for c in text)
    if ctx.msg.choice or ctx.msg.attachments or not cited:
        return stay(_("nominate.bad.prior"))
    if (refused := await _prior_dates_refused(ctx, text)) is not None:
        return stay(refused)
    ctx.data["prior_title"] = text[:POSITION_MAX]
    return await _next(ctx, "prior_title")


async def _prior_dates_refused(ctx: Context, text: str) -> str | None:
    """Why the decision's date cannot be the prior title's: still to come, or (for a title of
    the same round) before the round began; None when the dates written fit."""
    award = await _award(ctx)
    prior = award.condition("prior") if award is not None else None
    period = str(ctx.data.get("period") or "")
    start = round_start(period) if prior is not None and prior.times == 1 else None
    for day in dates_in(text):
        if day > ctx.local_now.date():
            return _("nominate.bad.prior_future", date=date_label(day))
        if start is not None and prior is not None and prior.award and day < start:
            province = await province_of(ctx.session, ctx.unit.id if ctx.unit else 0)
            title = award_label(prior.award, province)
            return _("nominate.bad.prior_early", date=date_label(day), title=title, period=period)
    return None


async def initiative(ctx: Context) -> Turn:
    """Stores the initiative (its name and who recognised it)."""
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or len(text) < INITIATIVE_MIN or not any(c.isalpha() for c in text):
        return stay(_("nominate.bad.initiative", min=INITIATIVE_MIN))
    if len(text) > ACHIEVEMENT_MAX:
        return stay(_("report.bad.too_long", length=len(text), max=ACHIEVEMENT_MAX))
    ctx.data["initiative"] = text
    return await _next(ctx, "initiative")


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
    """Checks the rules, then files the nomination (or resubmits the returned one); or lists
    the fields to edit, or cancels."""
    assert ctx.member is not None and ctx.unit is not None
    if ctx.member.role not in NOMINATING_ROLES:
        return finish(ctx, _("error.not_allowed"))
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("nominate.cancelled"))
    if ctx.msg.choice == "edit":
        fields = [f for f in EDITABLE if await _applies(ctx, f)]
        options = [Option(f"f:{f}", _(f"nominate.field.{f}")) for f in fields]
        options.append(Option("back", _("report.opt.back")))
        return ask("nominate:edit", _("nominate.edit_which"), "choice", options)
    if ctx.msg.choice != "submit":
        return stay(_("report.bad.summary"))
    file_ids = [int(i) for i in ctx.data.get("files", [])]
    values = {k: ctx.data.get(k) for k in FIELDS}
    province = await province_of(ctx.session, ctx.unit.id)
    exclude = ctx.data.get("nomination_id")
    problems = await rule_problems(ctx.session, ctx.member.unit_id, values, province, exclude)
    if problems:
        lines = [_("nominate.rule.title")] + [f"– {_(key, **v)}" for key, v in problems]
        return stay("\n".join([*lines, _("nominate.rule.next")]))
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
    if field not in EDITABLE or not await _applies(ctx, field):
        return stay(_("report.bad.choice"))
    ctx.data["editing"] = True
    return await _ask(ctx, field)


async def resume(ctx: Context, state: str) -> Turn:
    """Asks again the question the nomination in `ctx.data` stands at (or starts over when
    the draft no longer fits)."""
    turn = await _resume(ctx, state, ctx.data)
    return turn if turn is not None else await _ask(ctx, "nominee_kind")


def _draft_key(data: dict[str, Any]) -> str | None:
    if not data.get("nominee_kind") or not data.get("nominee"):
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
        "nominate:nominee_kind": nominee_kind,
        "nominate:nominee": name,
        "nominate:gender": gender,
        "nominate:birth_year": birth_year,
        "nominate:position": position,
        "nominate:award": award,
        "nominate:achievement_type": achievement_type,
        "nominate:period": period,
        "nominate:prior_title": prior_title,
        "nominate:initiative": initiative,
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
