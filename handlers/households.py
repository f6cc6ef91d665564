""" "Gia đình văn hóa" on its yearly cycle (storage.households does each step).

/giadinhvanhoa for a village (or residential group) head: the date of the meeting, how many
households came out of how many, the heads of household agreed (one per line, over several
messages), a summary; then the list is posted for 10 days and two documents come back: the
notice for the bulletin board and the minutes of the meeting (Mẫu số 03, NĐ 86/2023). For
staff: the lists of the villages, with the views received; once the posting is over, the
chair's decision (number and date) or a return with a reason. /ykien: a registered person of
the village sends a view on the posted list.

State (``ctx.data``): ``meeting_on``, ``present``, ``total``, ``names`` (the head); ``list_id``,
``number`` (staff).
"""

from __future__ import annotations

import asyncio
import re
from datetime import date

from handlers.flow import Context, Flow, Turn, ask, stay
from handlers.intake_typed import parse_date
from handlers.report import finish, short, typed_first_option
from handlers.text import clean
from handlers.types import Attachment, Option, Reply
from locales import _, gettext
from locales.formats import date_label
from storage.households import (
    MAX_HOUSEHOLDS,
    ListRefused,
    add_objection,
    decide_list,
    list_of,
    lists_in,
    meeting_deadline,
    objections_of,
    open_for_views,
    post_list,
    return_list,
)
from storage.models import AREA_HEADS, AREA_KINDS, HouseholdList, Unit

HEAD_ROLES = frozenset(AREA_HEADS)
STAFF_ROLES = frozenset({"staff", "admin"})
NAME_MAX = 120
MAX_UNIT_HOUSEHOLDS = 10_000
TEXT_MAX = 500
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_NUMBERING = re.compile(r"^\s*(?:\d+\s*[.)/-]|[-–•*])\s*")


def _year(ctx: Context) -> int:
    return ctx.local_now.year


async def start(ctx: Context) -> Turn:
    """A village head sends this year's list (or sees where it stands); staff see the lists."""
    assert ctx.member is not None and ctx.unit is not None
    ctx.data = {}
    if ctx.member.role in STAFF_ROLES:
        return await _staff_list(ctx)
    if ctx.unit.kind not in AREA_KINDS:
        return finish(ctx, _("households.not_village"))
    found = await list_of(ctx.session, ctx.unit.id, _year(ctx))
    if found is not None and found.status != "returned":
        return finish(ctx, _status(found))
    before = [_("households.returned", reason=found.review_reason or "—")] if found else []
    text = _("households.ask_meeting", year=_year(ctx), deadline="25/11")
    return ask("households:meeting", text, "date", before=before)


def _status(found: HouseholdList) -> str:
    if found.status == "decided":
        return _(
            "households.status.decided",
            year=found.year,
            count=len(found.households),
            number=found.decision_number or "",
            date=date_label(found.decision_date) if found.decision_date else "",
        )
    until = date_label(found.posting_until) if found.posting_until else ""
    return _("households.status.posted", year=found.year, count=len(found.households), until=until)


async def meeting(ctx: Context) -> Turn:
    """Stores the day of the village meeting (this year, not in the future); asks the names."""
    held_on, refusal = parse_date(ctx.msg.text)
    if held_on is None:
        return stay(refusal or _("review.meeting.bad_date"))
    if held_on > ctx.local_now.date() or held_on.year != _year(ctx):
        return stay(_("households.bad_meeting", year=_year(ctx)))
    ctx.data = {"meeting_on": held_on.isoformat(), "names": []}
    before = []
    if held_on > meeting_deadline(_year(ctx)):
        before.append(_("households.late", date="25/11"))
    assert ctx.unit is not None
    return ask("households:present", _("households.ask_present", unit=ctx.unit.name), "text",
               before=before)  # fmt: skip


async def present(ctx: Context) -> Turn:
    """Stores how many households came to the meeting out of how many; asks the names."""
    numbers = [int(n) for n in re.findall(r"\d+", ctx.msg.text.replace(".", ""))]
    if ctx.msg.attachments or len(numbers) != 2:
        return stay(_("households.bad_present"))
    total, came = numbers
    if not 0 < came <= total <= MAX_UNIT_HOUSEHOLDS:
        return stay(_("households.bad_present"))
    ctx.data["total"], ctx.data["present"] = total, came
    return _ask_names(ctx)


def _ask_names(ctx: Context, before: list[str] | None = None) -> Turn:
    count = len(ctx.data.get("names", []))
    text = _("households.ask_names") if count == 0 else _("households.more_names", count=count)
    options = [Option("finish", _("nominate.opt.finish"))] if count else []
    return ask("households:names", text, "text", options, before=before or [])


async def names(ctx: Context) -> Turn:
    """Adds the heads of household typed (one per line or separated by ";"); "Xong" sums up."""
    got = list(ctx.data.get("names", []))
    if got and (ctx.msg.choice == "finish" or typed_first_option(ctx)):
        return _summary(ctx)
    added = 0
    for line in re.split(r"[\n;]", ctx.msg.text):
        name = clean(_NUMBERING.sub("", line))
        if not name:
            continue
        if len(name) < 3 or len(name) > NAME_MAX or not any(c.isalpha() for c in name):
            return stay(_("households.bad_name", name=short(name, 40), max=NAME_MAX))
        if name not in got:
            got.append(name)
            added += 1
    if ctx.msg.attachments or not added:
        return stay(_("households.bad_names"))
    total = int(ctx.data.get("total") or MAX_HOUSEHOLDS)
    if len(got) > min(MAX_HOUSEHOLDS, total):
        return stay(_("households.too_many", max=min(MAX_HOUSEHOLDS, total)))
    ctx.data["names"] = got
    return _ask_names(ctx)


def _summary(ctx: Context) -> Turn:
    got = list(ctx.data["names"])
    lines = [
        _(
            "households.summary",
            date=date_label(date.fromisoformat(ctx.data["meeting_on"])),
            count=len(got),
        )
    ]
    lines += [f"{i}. {name}" for i, name in enumerate(got, 1)]
    options = [
        Option("post", _("households.opt.post")),
        Option("again", _("households.opt.again")),
        Option("cancel", _("report.opt.cancel")),
    ]
    return ask("households:confirm", "\n".join(lines), "confirm", options)


async def confirm(ctx: Context) -> Turn:
    """Posts the list for 10 days, tells the residents and the commune, gives the notice to print
    and the minutes of the meeting."""
    assert ctx.member is not None and ctx.unit is not None
    if ctx.member.role not in HEAD_ROLES:
        return finish(ctx, _("error.not_allowed"))
    if ctx.msg.choice == "cancel":
        return finish(ctx, _("households.cancelled"))
    if ctx.msg.choice == "again":
        ctx.data["names"] = []
        return _ask_names(ctx)
    if ctx.msg.choice != "post":
        return stay(_("report.bad.summary"))
    meeting_on = date.fromisoformat(ctx.data["meeting_on"])
    try:
        posted = await post_list(
            ctx.session,
            ctx.member,
            ctx.unit,
            _year(ctx),
            meeting_on,
            list(ctx.data["names"]),
            ctx.local_now.date(),
            ctx.now,
            _attendance(ctx.data),
        )
    except ListRefused:
        return finish(ctx, _("households.already"))
    commune = await ctx.session.get(Unit, ctx.unit.parent_id) if ctx.unit.parent_id else None
    assert posted.posted_on is not None and posted.posting_until is not None
    # python-docx: loaded by the step that writes the documents
    from storage.dossier import HouseholdMeeting, render_minutes, render_notice

    attendance = _attendance(ctx.data)
    held = HouseholdMeeting(
        commune=commune.name if commune else "",
        unit=ctx.unit.name,
        year=posted.year,
        meeting_on=meeting_on,
        households=list(posted.households),
        head=gettext(f"role.{ctx.member.role}", lang="vi"),
        head_name=ctx.member.name,
        present=attendance[0] if attendance else None,
        total=attendance[1] if attendance else None,
    )
    folder = ctx.settings.files_dir / "notices"
    stem = f"gdvh-{ctx.unit.code}-{posted.year}"
    notice = folder / f"{stem}-thong-bao.docx"
    minutes = folder / f"{stem}-bien-ban-hop.docx"
    await asyncio.to_thread(render_notice, held, posted.posted_on, posted.posting_until, notice)
    await asyncio.to_thread(render_minutes, held, minutes)
    said = _(
        "households.posted",
        count=len(posted.households),
        until=date_label(posted.posting_until),
    )
    ctx.data = {}
    return Turn(
        [
            Reply(said),
            Reply(
                _("households.notice_caption"),
                attachment=Attachment("document", notice, notice.name, DOCX_MIME),
            ),
            Reply(
                _("households.minutes_caption"),
                attachment=Attachment("document", minutes, minutes.name, DOCX_MIME),
            ),
        ]
    )


def _attendance(data: dict[str, object]) -> tuple[int, int] | None:
    present, total = data.get("present"), data.get("total")
    return (present, total) if isinstance(present, int) and isinstance(total, int) else None


# Staff -----------------------------------------------------------------------------------------


async def _staff_list(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    assert ctx.member is not None
    rows = await lists_in(ctx.session, ctx.member.unit_id, "posted")
    if not rows:
        return finish(ctx, *before, _("households.none"))
    today = ctx.local_now.date()
    options = []
    for listed, village, objections in rows:
        assert listed.posting_until is not None
        key = "households.item.open" if today <= listed.posting_until else "households.item.over"
        label = _(
            key,
            village=village.name,
            count=len(listed.households),
            until=date_label(listed.posting_until),
            views=objections,
        )
        options.append(Option(f"l:{listed.id}", short(label, 80)))
    text = _("households.staff_list", count=len(rows))
    return ask("households:pick", text, "choice", options, before=before)


async def _posted(ctx: Context, list_id: int) -> HouseholdList | None:
    assert ctx.member is not None
    from storage.access import subtree_ids

    found = await ctx.session.get(HouseholdList, list_id, with_for_update=True)
    if found is None or found.status != "posted":
        return None
    if found.unit_id not in await subtree_ids(ctx.session, ctx.member.unit_id):
        return None
    return found


async def pick(ctx: Context) -> Turn:
    """Shows the list picked with the views received and asks what to do."""
    picked = (ctx.msg.choice or "").removeprefix("l:")
    if not picked.isdigit():
        return stay(_("report.bad.choice"))
    found = await _posted(ctx, int(picked))
    if found is None:
        return await _staff_list(ctx, (_("households.gone"),))
    village = await ctx.session.get_one(Unit, found.unit_id)
    lines = [
        _(
            "households.detail",
            village=village.name,
            date=date_label(found.meeting_on),
            count=len(found.households),
        )
    ]
    lines += [f"{i}. {name}" for i, name in enumerate(found.households, 1)]
    views = await objections_of(ctx.session, found.id)
    lines.append(_("households.views", count=len(views)))
    lines += [f"– {member.name}: {o.text}" for o, member in views]
    options = [
        Option("decide", _("households.opt.decide")),
        Option("return", _("review.opt.return")),
        Option("back", _("review.opt.back")),
    ]
    ctx.data = {"list_id": found.id}
    return ask("households:act", "\n".join(lines), "choice", options)


async def act(ctx: Context) -> Turn:
    """Asks the decision's number (after the posting) or the reason for a return."""
    assert ctx.member is not None
    if ctx.member.role not in STAFF_ROLES:
        return finish(ctx, _("error.not_allowed"))
    if ctx.msg.choice == "back":
        return await _staff_list(ctx)
    found = await _posted(ctx, int(ctx.data.get("list_id", 0)))
    if found is None:
        return await _staff_list(ctx, (_("households.gone"),))
    if ctx.msg.choice == "return":
        return ask("households:reason", _("review.ask_reason.returned"), "text")
    if ctx.msg.choice != "decide":
        return stay(_("report.bad.choice"))
    assert found.posting_until is not None
    if ctx.local_now.date() <= found.posting_until:
        return stay(_("households.still_posted", until=date_label(found.posting_until)))
    return ask("households:number", _("review.decision.ask_number.local"), "text")


async def number(ctx: Context) -> Turn:
    """Stores the decision's number and asks its date."""
    text = clean(ctx.msg.text)
    if ctx.msg.choice or not 3 <= len(text) <= 64 or not any(c.isdigit() for c in text):
        return stay(_("review.decision.bad_number"))
    ctx.data["number"] = text
    return ask("households:date", _("review.decision.ask_date"), "date")


async def decision_date(ctx: Context) -> Turn:
    """Records the chair's decision on the list and tells the village."""
    assert ctx.member is not None
    if ctx.member.role not in STAFF_ROLES:
        return finish(ctx, _("error.not_allowed"))
    on, refusal = parse_date(ctx.msg.text)
    if on is None:
        return stay(refusal or _("review.meeting.bad_date"))
    if on > ctx.local_now.date():
        return stay(_("review.meeting.future"))
    found = await _posted(ctx, int(ctx.data.get("list_id", 0)))
    if found is None:
        return await _staff_list(ctx, (_("households.gone"),))
    number_ = str(ctx.data["number"])
    try:
        await decide_list(
            ctx.session, found, ctx.member, number_, on, ctx.local_now.date(), ctx.now
        )
    except ListRefused:
        return await _staff_list(ctx, (_("households.gone"),))
    said = _("households.decided", count=len(found.households), number=number_, date=date_label(on))
    return await _staff_list(ctx, (said,))


async def reason(ctx: Context) -> Turn:
    """Returns the list to the village head with the reason typed."""
    assert ctx.member is not None
    if ctx.member.role not in STAFF_ROLES:
        return finish(ctx, _("error.not_allowed"))
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or ctx.msg.choice or len(text) < 2 or len(text) > TEXT_MAX:
        return stay(_("review.bad.reason"))
    found = await _posted(ctx, int(ctx.data.get("list_id", 0)))
    if found is None:
        return await _staff_list(ctx, (_("households.gone"),))
    await return_list(ctx.session, found, ctx.member, text, ctx.now)
    return await _staff_list(ctx, (_("households.returned_done"),))


# Views from the village -----------------------------------------------------------------------


async def view_start(ctx: Context) -> Turn:
    """Asks for the view on the village's posted list (only while it is posted)."""
    assert ctx.unit is not None
    found = await open_for_views(ctx.session, ctx.unit.id, ctx.local_now.date())
    if found is None:
        return finish(ctx, _("households.no_posting"))
    ctx.data = {"list_id": found.id}
    return ask("objection:text", _("households.ask_view", year=found.year), "text")


async def view_text(ctx: Context) -> Turn:
    """Stores the view and passes it to the commune's staff."""
    assert ctx.member is not None and ctx.unit is not None
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or ctx.msg.choice or len(text) < 5:
        return stay(_("households.bad_view"))
    if len(text) > TEXT_MAX:
        return stay(_("report.bad.too_long", length=len(text), max=TEXT_MAX))
    found = await open_for_views(ctx.session, ctx.unit.id, ctx.local_now.date())
    if found is None or found.id != ctx.data.get("list_id"):
        return finish(ctx, _("households.no_posting"))
    await add_objection(ctx.session, found, ctx.member, text, ctx.now)
    return finish(ctx, _("households.view_sent"))


FLOW = Flow(
    name="households",
    commands=("giadinhvanhoa", "gia dinh van hoa", "gdvh", "cultured"),
    english="cultured",
    roles=HEAD_ROLES | STAFF_ROLES,
    start=start,
    states={
        "households:meeting": meeting,
        "households:present": present,
        "households:names": names,
        "households:confirm": confirm,
        "households:pick": pick,
        "households:act": act,
        "households:number": number,
        "households:date": decision_date,
        "households:reason": reason,
    },
    menu="households.menu",
)

OBJECTION = Flow(
    name="objection",
    commands=("ykien", "y kien", "objection"),
    english="objection",
    roles=frozenset({*AREA_HEADS, "reporter"}),
    start=view_start,
    states={"objection:text": view_text},
    menu=None,
)
