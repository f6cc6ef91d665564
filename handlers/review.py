"""Staff take nominations along the council's path (storage.council does each step):

check a new nomination (complete → to the council; or return / reject with a reason); record the
Hội đồng Thi đua – Khen thưởng meeting (date, members, present, votes for each nominee, or a
nominee returned); record the chair's decision (number and date) or the commune's proposal to the
province. Everyone concerned is told through the outbox.

State (``ctx.data``): ``nomination_id`` and ``decision`` (checking one); ``meeting`` (the meeting
being recorded: ``ids``, ``at``, ``held_on``, ``members``, ``present``, ``votes``, ``returns``);
``decision`` fields ``group``, ``ids``, ``number`` (recording a decision).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

from handlers.flow import Context, Flow, Turn, ask, stay
from handlers.intake_typed import parse_date
from handlers.nominate import describe, fields_of
from handlers.numbers import whole
from handlers.report import finish, parse_integer, short
from handlers.text import clean
from handlers.types import Attachment, Option, Reply
from locales import _, use_locale
from locales.formats import date_label
from storage.access import subtree_ids
from storage.awards import catalogue
from storage.council import (
    Vote,
    at_step,
    chair_decision,
    check,
    posted_until,
    record_meeting,
    send_back,
)
from storage.files import files_by_ids, is_image
from storage.models import CouncilMeeting, Member, Nomination, Unit
from storage.nominations import award_label, count_by_status, in_status, province_of, to_verify

REVIEW_ROLES = frozenset({"staff", "admin"})
REASON_MAX = 500
LIST_LIMIT = 20
NUMBER_MAX = 64
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _label(n: Nomination, u: Unit) -> str:
    return short(f"#{n.id} {n.nominee} – {award_label(n.award)} ({u.name})", 80)


def _posting_line(n: Nomination, u: Unit, until: date) -> str:
    return _("review.posting.line", nominee=_label(n, u), until=date_label(until))


async def _units(ctx: Context) -> list[int]:
    assert ctx.member is not None
    return await subtree_ids(ctx.session, ctx.member.unit_id)


async def _menu(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    ctx.data = {}
    counts = await count_by_status(ctx.session, await _units(ctx))
    options = [
        Option(step, _(f"review.opt.{step}", count=counts[status]))
        for step, status in (("check", "pending"), ("council", "checked"), ("decide", "passed"))
        if counts[status]
    ]
    if not options:
        return finish(ctx, *before, _("review.none"))
    return ask("review:menu", _("review.ask_step"), "choice", options, before=before)


async def start(ctx: Context) -> Turn:
    """Says how many nominations wait at each step and asks which step to work on."""
    return await _menu(ctx)


async def menu(ctx: Context) -> Turn:
    """Opens the step picked: new nominations, the council meeting, or the chair's decision."""
    if ctx.msg.choice == "check":
        return await _check_list(ctx)
    if ctx.msg.choice == "council":
        return await _meeting_start(ctx)
    if ctx.msg.choice == "decide":
        return await _decision_list(ctx)
    return stay(_("report.bad.choice"))


def _guard(ctx: Context) -> Turn | None:
    assert ctx.member is not None
    if ctx.member.role not in REVIEW_ROLES:
        return finish(ctx, _("error.not_allowed"))
    return None


# Checking new nominations ----------------------------------------------------------------------


async def _check_list(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    rows = await in_status(ctx.session, await _units(ctx), "pending", LIST_LIMIT)
    if not rows:
        return await _menu(ctx, before)
    options = [Option(f"n:{n.id}", _label(n, u)) for n, u in rows]
    text = _("review.list", count=len(rows))
    return ask("review:pick", text, "choice", options, before=before)


async def pick(ctx: Context) -> Turn:
    """Shows every field, what staff must still verify, and the evidence; asks for a decision."""
    if (refused := _guard(ctx)) is not None:
        return refused
    assert ctx.member is not None
    picked = whole((ctx.msg.choice or "").removeprefix("n:"))
    if not ctx.msg.choice or picked is None:
        return stay(_("report.bad.choice"))
    nomination = await at_step(ctx.session, ctx.member, picked, "pending")
    if nomination is None:
        return await _check_list(ctx, before=(_("review.gone"),))
    unit = await ctx.session.get_one(Unit, nomination.unit_id)
    nominator = await ctx.session.get_one(Member, nomination.nominator_id)
    lines = [_("review.header", id=nomination.id, unit=unit.name, nominator=nominator.name)]
    lines += await describe(ctx, fields_of(nomination), len(nomination.file_ids))
    award = catalogue(await province_of(ctx.session, unit.id)).award(nomination.award)
    if award is not None:
        lines.append(_("review.to_verify"))
        lines += [f"– {text}" for text in to_verify(award)]
    replies = [Reply("\n".join(lines))]
    for stored in await files_by_ids(ctx.session, list(nomination.file_ids)):
        kind: Literal["photo", "document"] = "photo" if is_image(stored.mime) else "document"
        attachment = Attachment(kind, Path(stored.path), stored.filename, stored.mime)
        replies.append(Reply(stored.filename, attachment=attachment))
    options = (
        Option("checked", _("review.opt.checked")),
        Option("returned", _("review.opt.return")),
        Option("rejected", _("review.opt.reject")),
        Option("back", _("review.opt.back")),
    )
    replies.append(Reply(_("review.ask_decision"), options))
    ctx.data = {"nomination_id": nomination.id}
    return Turn(replies, "review:decide", "choice")


async def decide_step(ctx: Context) -> Turn:
    """Sends a checked nomination to the council, or asks why it is returned or rejected."""
    if (refused := _guard(ctx)) is not None:
        return refused
    assert ctx.member is not None
    if ctx.msg.choice == "back":
        return await _check_list(ctx)
    if ctx.msg.choice == "checked":
        nomination = await at_step(
            ctx.session, ctx.member, int(ctx.data.get("nomination_id", 0)), "pending"
        )
        if nomination is None:
            return await _check_list(ctx, before=(_("review.gone"),))
        await check(ctx.session, nomination, ctx.member, ctx.now)
        said = _("review.done.checked", id=nomination.id, nominee=nomination.nominee)
        return await _check_list(ctx, before=(said,))
    if ctx.msg.choice not in ("rejected", "returned"):
        return stay(_("report.bad.choice"))
    ctx.data["decision"] = ctx.msg.choice
    ctx.data["step"] = "pending"
    return ask("review:reason", _(f"review.ask_reason.{ctx.msg.choice}"), "text")


def _reason(ctx: Context) -> str | Turn:
    text = clean(ctx.msg.text)
    if ctx.msg.attachments or ctx.msg.choice or len(text) < 2:
        return stay(_("review.bad.reason"))
    if len(text) > REASON_MAX:
        return stay(_("report.bad.too_long", length=len(text), max=REASON_MAX))
    return text


async def reason(ctx: Context) -> Turn:
    """Returns or rejects the nomination with the reason typed, tells the nominator, goes back."""
    if (refused := _guard(ctx)) is not None:
        return refused
    assert ctx.member is not None
    text = _reason(ctx)
    if isinstance(text, Turn):
        return text
    step = str(ctx.data.get("step", "pending"))
    decision = str(ctx.data.get("decision"))
    nomination = await at_step(ctx.session, ctx.member, int(ctx.data.get("nomination_id", 0)), step)
    back = _check_list if step == "pending" else _decision_list
    if nomination is None:
        return await back(ctx, before=(_("review.gone"),))
    await send_back(ctx.session, nomination, ctx.member, decision, text, ctx.now)
    said = _(f"review.done.{decision}", id=nomination.id, nominee=nomination.nominee)
    ctx.data = {}
    return await back(ctx, before=(said,))


# The council's meeting ------------------------------------------------------------------------


async def _meeting_start(ctx: Context) -> Turn:
    rows = await in_status(ctx.session, await _units(ctx), "checked", LIST_LIMIT)
    if not rows:
        return await _menu(ctx)
    ctx.data = {"meeting": {"ids": [n.id for n, _u in rows], "votes": {}, "returns": {}}}
    names = "\n".join(f"{i}. {_label(n, u)}" for i, (n, u) in enumerate(rows, 1))
    text = _("review.meeting.intro", count=len(rows), names=names)
    return ask("review:meeting_date", text + "\n" + _("review.meeting.ask_date"), "date")


def _meeting(ctx: Context) -> dict[str, Any]:
    """A copy of the meeting being recorded (the stored JSON is replaced, never changed in place,
    so that the change is saved)."""
    stored = ctx.data["meeting"]
    copy: dict[str, Any] = json.loads(json.dumps(stored))
    ctx.data["meeting"] = copy
    return copy


async def meeting_date(ctx: Context) -> Turn:
    """Stores the day the council met (not in the future) and asks how many members it has."""
    held_on, refusal = parse_date(ctx.msg.text)
    if held_on is None:
        return stay(refusal or _("review.meeting.bad_date"))
    if held_on > ctx.local_now.date():
        return stay(_("review.meeting.future"))
    _meeting(ctx)["held_on"] = held_on.isoformat()
    return ask("review:meeting_members", _("review.meeting.ask_members"), "number")


async def meeting_members(ctx: Context) -> Turn:
    """Stores the number of council members (1 to 50) and asks how many were present."""
    members = parse_integer(ctx.msg.text)
    if members is None or not 1 <= members <= 50:
        return stay(_("review.meeting.bad_members"))
    _meeting(ctx)["members"] = members
    return ask("review:meeting_present", _("review.meeting.ask_present", max=members), "number")


async def meeting_present(ctx: Context) -> Turn:
    """Stores the members present and asks the votes for the first nominee."""
    members = int(ctx.data["meeting"]["members"])
    present = parse_integer(ctx.msg.text)
    if present is None or not 1 <= present <= members:
        return stay(_("review.meeting.bad_present", max=members))
    meeting = _meeting(ctx)
    meeting["present"], meeting["at"] = present, 0
    return await _ask_votes(ctx)


async def _ask_votes(ctx: Context) -> Turn:
    meeting = ctx.data["meeting"]
    ids = list(meeting["ids"])
    if meeting["at"] >= len(ids):
        return await _meeting_summary(ctx)
    nomination = await ctx.session.get_one(Nomination, ids[meeting["at"]])
    text = _(
        "review.meeting.ask_votes",
        nominee=nomination.nominee,
        award=award_label(nomination.award),
        present=meeting["present"],
    )
    options = [Option("return", _("review.meeting.opt.return"))]
    return ask("review:meeting_votes", text, "number", options)


async def meeting_votes(ctx: Context) -> Turn:
    """Stores the votes in favour for this nominee (or takes it back for a return) and goes on."""
    meeting = _meeting(ctx)
    current = str(meeting["ids"][meeting["at"]])
    if ctx.msg.choice == "return":
        return ask("review:meeting_return", _("review.ask_reason.returned"), "text")
    votes = parse_integer(ctx.msg.text)
    if votes is None or not 0 <= votes <= int(meeting["present"]):
        return stay(_("review.meeting.bad_votes", max=meeting["present"]))
    meeting["votes"][current] = votes
    meeting["at"] += 1
    return await _ask_votes(ctx)


async def meeting_return(ctx: Context) -> Turn:
    """Notes why the council returns this nominee and asks the next one's votes."""
    text = _reason(ctx)
    if isinstance(text, Turn):
        return text
    meeting = _meeting(ctx)
    meeting["returns"][str(meeting["ids"][meeting["at"]])] = text
    meeting["at"] += 1
    return await _ask_votes(ctx)


async def _meeting_summary(ctx: Context) -> Turn:
    from storage.council import passes

    meeting = ctx.data["meeting"]
    lines = [
        _(
            "review.meeting.summary",
            date=date_label(date.fromisoformat(meeting["held_on"])),
            members=meeting["members"],
            present=meeting["present"],
        )
    ]
    for nid in meeting["ids"]:
        nomination = await ctx.session.get_one(Nomination, nid)
        province = await province_of(ctx.session, nomination.unit_id)
        if str(nid) in meeting["returns"]:
            verdict = _("review.meeting.returned", reason=meeting["returns"][str(nid)])
        else:
            votes = int(meeting["votes"][str(nid)])
            carried = passes(votes, int(meeting["members"]), nomination.award, province)
            verdict = _(
                "review.meeting.passed" if carried else "review.meeting.failed",
                votes=votes,
                members=meeting["members"],
            )
        lines.append(f"– {nomination.nominee} ({award_label(nomination.award)}): {verdict}")
    options = [
        Option("save", _("review.meeting.opt.save")),
        Option("cancel", _("report.opt.cancel")),
    ]
    return ask("review:meeting_confirm", "\n".join(lines), "confirm", options)


async def meeting_confirm(ctx: Context) -> Turn:
    """Records the meeting and its votes, returns the nominees taken back, tells everyone."""
    if (refused := _guard(ctx)) is not None:
        return refused
    assert ctx.member is not None and ctx.unit is not None
    if ctx.msg.choice == "cancel":
        return await _menu(ctx, before=(_("review.meeting.cancelled"),))
    if ctx.msg.choice != "save":
        return stay(_("report.bad.summary"))
    meeting: dict[str, Any] = ctx.data["meeting"]
    votes = [
        Vote(int(nid), int(v), int(meeting["present"]) - int(v))
        for nid, v in meeting["votes"].items()
    ]
    # every nominee must still wait for the council, else nothing of this meeting is kept
    for nid in meeting["ids"]:
        if await at_step(ctx.session, ctx.member, int(nid), "checked") is None:
            return await _menu(ctx, before=(_("review.meeting.changed"),))
    for nid, why in meeting["returns"].items():
        nomination = await at_step(ctx.session, ctx.member, int(nid), "checked")
        assert nomination is not None
        await send_back(ctx.session, nomination, ctx.member, "returned", why, ctx.now)
    recorded = await record_meeting(
        ctx.session,
        ctx.unit,
        ctx.member,
        ctx.now,
        date.fromisoformat(meeting["held_on"]),
        int(meeting["members"]),
        int(meeting["present"]),
        votes,
    )
    said = [_("review.meeting.saved", count=len(meeting["ids"]))]
    public: dict[tuple[str, date], list[Nomination]] = {}
    for n, u in await in_status(ctx.session, await _units(ctx), "passed", None):
        if n.meeting_id == recorded.id and (until := await posted_until(ctx.session, n)):
            if not public:
                said.append(_("review.meeting.posting"))
            said.append(_posting_line(n, u, until))
            public.setdefault((n.award, until), []).append(n)
    turn = await _menu(ctx, before=("\n".join(said),))
    notices = [await _public_notice(ctx, recorded, *key, rows) for key, rows in public.items()]
    turn.replies[1:1] = notices
    return turn


async def _public_notice(
    ctx: Context, meeting: CouncilMeeting, award: str, until: date, rows: list[Nomination]
) -> Reply:
    """The commune's printable notice of what the council passed for an award made public."""
    from storage.dossier import PublicList, render_public_list  # python-docx: loaded when used

    assert ctx.unit is not None
    province = await province_of(ctx.session, ctx.unit.id)
    with use_locale("vi"):  # the document is in Vietnamese whatever the staff's language
        label = award_label(award, province)
    listing = PublicList(
        commune=ctx.unit.name,
        year=meeting.held_on.year,
        award=label,
        meeting_on=meeting.held_on,
        until=until,
        nominees=[(n.nominee, n.achievement) for n in rows],
    )
    name = f"cong-khai-{ctx.unit.code}-{meeting.id}-{award}.docx"
    path = ctx.settings.files_dir / "notices" / name
    await asyncio.to_thread(render_public_list, listing, path)
    return Reply(
        _("review.meeting.notice_caption"),
        attachment=Attachment("document", path, path.name, DOCX_MIME),
    )


# The chair's decision -------------------------------------------------------------------------


async def _decision_list(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    rows = await in_status(ctx.session, await _units(ctx), "passed", LIST_LIMIT)
    if not rows:
        return await _menu(ctx, before)
    groups: dict[str, int] = {"local": 0, "upward": 0}
    for n, _u in rows:
        province = await province_of(ctx.session, n.unit_id)
        groups["upward" if catalogue(province).upward(n.award) else "local"] += 1
    options = [
        Option(f"all:{group}", _(f"review.decision.opt.{group}", count=count))
        for group, count in groups.items()
        if count
    ]
    options += [Option(f"n:{n.id}", _label(n, u)) for n, u in rows]
    ctx.data = {}
    return ask("review:decision_pick", _("review.decision.ask"), "choice", options, before=before)


async def decision_pick(ctx: Context) -> Turn:
    """Takes "record the decision" for a group, or opens one nominee to return or reject."""
    choice = ctx.msg.choice or ""
    if choice in ("all:local", "all:upward"):
        ctx.data = {"group": choice.removeprefix("all:")}
        return ask("review:decision_number", _(f"review.decision.ask_number.{ctx.data['group']}"))
    picked = whole(choice.removeprefix("n:"))
    if not choice.startswith("n:") or picked is None:
        return stay(_("report.bad.choice"))
    ctx.data = {"nomination_id": picked, "step": "passed"}
    options = [
        Option("returned", _("review.opt.return")),
        Option("rejected", _("review.opt.reject")),
        Option("back", _("review.opt.back")),
    ]
    return ask("review:decision_one", _("review.decision.one"), "choice", options)


async def decision_one(ctx: Context) -> Turn:
    """Asks why the chair returns or rejects this nominee (or goes back to the list)."""
    if ctx.msg.choice == "back":
        return await _decision_list(ctx)
    if ctx.msg.choice not in ("returned", "rejected"):
        return stay(_("report.bad.choice"))
    ctx.data["decision"] = ctx.msg.choice
    return ask("review:reason", _(f"review.ask_reason.{ctx.msg.choice}"), "text")


async def decision_number(ctx: Context) -> Turn:
    """Stores the number of the decision (or of the proposal to the province); asks its date."""
    text = clean(ctx.msg.text)
    if ctx.msg.choice or not 3 <= len(text) <= NUMBER_MAX or not any(c.isdigit() for c in text):
        return stay(_("review.decision.bad_number"))
    ctx.data["number"] = text
    return ask("review:decision_date", _("review.decision.ask_date"), "date")


async def decision_date(ctx: Context) -> Turn:
    """Records the decision on every passed nomination of the group and tells everyone."""
    if (refused := _guard(ctx)) is not None:
        return refused
    assert ctx.member is not None
    on, refusal = parse_date(ctx.msg.text)
    if on is None:
        return stay(refusal or _("review.meeting.bad_date"))
    if on > ctx.local_now.date():
        return stay(_("review.meeting.future"))
    upward = ctx.data.get("group") == "upward"
    chosen, waiting = [], []
    for n, u in await in_status(ctx.session, await _units(ctx), "passed", None):
        province = await province_of(ctx.session, n.unit_id)
        if catalogue(province).upward(n.award) == upward:
            locked = await at_step(ctx.session, ctx.member, n.id, "passed")
            until = await posted_until(ctx.session, n) if locked is not None else None
            if until is not None and on <= until:
                waiting.append(_posting_line(n, u, until))
            elif locked is not None:
                chosen.append(locked)
    posting = (_("review.decision.posting"), *waiting) if waiting else ()
    if not chosen:
        return await _menu(ctx, before=("\n".join(posting) if posting else _("review.gone"),))
    number = str(ctx.data["number"])
    await chair_decision(ctx.session, chosen, ctx.member, ctx.now, number, on)
    said = _(
        "review.decision.saved.upward" if upward else "review.decision.saved.local",
        count=len(chosen),
        number=number,
        date=date_label(on),
    )
    return await _menu(ctx, before=("\n".join((said, *posting)),))


FLOW = Flow(
    name="review",
    commands=("duyet", "review"),
    english="review",
    roles=REVIEW_ROLES,
    start=start,
    states={
        "review:menu": menu,
        "review:pick": pick,
        "review:decide": decide_step,
        "review:reason": reason,
        "review:meeting_date": meeting_date,
        "review:meeting_members": meeting_members,
        "review:meeting_present": meeting_present,
        "review:meeting_votes": meeting_votes,
        "review:meeting_return": meeting_return,
        "review:meeting_confirm": meeting_confirm,
        "review:decision_pick": decision_pick,
        "review:decision_one": decision_one,
        "review:decision_number": decision_number,
        "review:decision_date": decision_date,
    },
    menu="review.menu",
)
