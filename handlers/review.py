"""Staff review nominations of their unit's subtree: list pending, open one, approve / reject /
return with a reason. The nominator is told through the outbox, in their own language.

State (``ctx.data``): ``nomination_id`` (the one opened) and ``decision``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.flow import Context, Flow, Turn, ask, stay
from handlers.nominate import describe, fields_of
from handlers.numbers import whole
from handlers.report import finish, short, typed_first_option
from handlers.text import clean
from handlers.types import Attachment, Option, Reply
from locales import _, use_locale
from storage.access import subtree_ids
from storage.files import files_by_ids, is_image
from storage.models import Member, Nomination, Unit
from storage.nominations import award_label, count_pending_in, decide, pending_in, province_of
from storage.outbox import enqueue_to_member

REVIEW_ROLES = frozenset({"staff", "admin"})
REASON_MAX = 500
LIST_LIMIT = 20


async def _reviewable(ctx: Context, nomination_id: int) -> tuple[Nomination, Unit] | None:
    """The pending nomination with this id when it belongs to this member's subtree."""
    assert ctx.member is not None
    nomination = await ctx.session.get(Nomination, nomination_id, with_for_update=True)
    if nomination is None or nomination.status != "pending":
        return None
    if nomination.unit_id not in await subtree_ids(ctx.session, ctx.member.unit_id):
        return None
    unit = await ctx.session.get_one(Unit, nomination.unit_id)
    return nomination, unit


async def _list(ctx: Context, before: tuple[str, ...] = ()) -> Turn:
    assert ctx.member is not None
    units = await subtree_ids(ctx.session, ctx.member.unit_id)
    rows = await pending_in(ctx.session, units, LIST_LIMIT)
    if not rows:
        return finish(ctx, *before, _("review.none"))
    total = await count_pending_in(ctx.session, units)
    options = [
        Option(f"n:{n.id}", short(f"#{n.id} {n.nominee} – {award_label(n.award)} ({u.name})", 80))
        for n, u in rows
    ]
    text = _("review.list", count=total)
    if total > len(rows):
        text += "\n" + _("review.list_more", shown=len(rows))
    return ask("review:pick", text, "choice", options, before=before)


async def start(ctx: Context) -> Turn:
    """Lists the pending nominations of units in the member's subtree."""
    ctx.data = {}
    return await _list(ctx)


async def pick(ctx: Context) -> Turn:
    """Shows every field and the evidence of the nomination picked, then asks for a decision."""
    assert ctx.member is not None
    if ctx.member.role not in REVIEW_ROLES:
        return finish(ctx, _("error.not_allowed"))
    picked = whole((ctx.msg.choice or "").removeprefix("n:"))
    if not ctx.msg.choice or picked is None:
        return stay(_("report.bad.choice"))
    found = await _reviewable(ctx, picked)
    if found is None:
        return await _list(ctx, before=(_("review.gone"),))
    nomination, unit = found
    nominator = await ctx.session.get_one(Member, nomination.nominator_id)
    lines = [_("review.header", id=nomination.id, unit=unit.name, nominator=nominator.name)]
    lines += await describe(ctx, fields_of(nomination), len(nomination.file_ids))
    replies = [Reply("\n".join(lines))]
    for stored in await files_by_ids(ctx.session, list(nomination.file_ids)):
        kind: Literal["photo", "document"] = "photo" if is_image(stored.mime) else "document"
        attachment = Attachment(kind, Path(stored.path), stored.filename, stored.mime)
        replies.append(Reply(stored.filename, attachment=attachment))
    options = (
        Option("approved", _("review.opt.approve")),
        Option("rejected", _("review.opt.reject")),
        Option("returned", _("review.opt.return")),
        Option("back", _("review.opt.back")),
    )
    replies.append(Reply(_("review.ask_decision"), options))
    ctx.data = {"nomination_id": nomination.id}
    return Turn(replies, "review:decide", "choice")


async def decide_step(ctx: Context) -> Turn:
    """Takes approve, reject or return and asks for the reason (optional when approving)."""
    assert ctx.member is not None
    if ctx.member.role not in REVIEW_ROLES:
        return finish(ctx, _("error.not_allowed"))
    if ctx.msg.choice == "back":
        return await _list(ctx)
    if ctx.msg.choice not in ("approved", "rejected", "returned"):
        return stay(_("report.bad.choice"))
    ctx.data["decision"] = ctx.msg.choice
    if ctx.msg.choice == "approved":
        options = [Option("skip", _("report.opt.skip"))]
        return ask("review:reason", _("review.ask_reason_optional"), "text", options)
    return ask("review:reason", _(f"review.ask_reason.{ctx.msg.choice}"), "text")


async def reason(ctx: Context) -> Turn:
    """Records the decision with its reason, tells the nominator, and offers the next one."""
    assert ctx.member is not None
    if ctx.member.role not in REVIEW_ROLES:
        return finish(ctx, _("error.not_allowed"))
    decision = str(ctx.data.get("decision"))
    text: str | None = None
    if decision == "approved" and (ctx.msg.choice == "skip" or typed_first_option(ctx)):
        text = None
    else:
        text = clean(ctx.msg.text)
        if ctx.msg.attachments or len(text) < 2:
            return stay(_("review.bad.reason"))
        if len(text) > REASON_MAX:
            return stay(_("report.bad.too_long", length=len(text), max=REASON_MAX))
    found = await _reviewable(ctx, int(ctx.data.get("nomination_id", 0)))
    if found is None:
        return await _list(ctx, before=(_("review.gone"),))
    nomination, _unit = found
    audit_id = await decide(ctx.session, nomination, ctx.member, decision, text, ctx.now)
    await notify(ctx.session, nomination, audit_id, ctx)
    ctx.data = {}
    said = _(f"review.done.{decision}", id=nomination.id, nominee=nomination.nominee)
    return await _list(ctx, before=(said,))


async def notify(
    session: AsyncSession, nomination: Nomination, audit_id: int, ctx: Context
) -> None:
    """Plans the message telling the nominator the outcome, in the nominator's language."""
    nominator = await session.get_one(Member, nomination.nominator_id)
    province = await province_of(session, nomination.unit_id)
    status = nomination.status
    with use_locale(nominator.locale):
        key = f"review.notify.{status}"
        if not nomination.review_reason and status == "approved":
            key = "review.notify.approved_plain"  # no empty "Note: —" line
        text = _(
            key,
            id=nomination.id,
            nominee=nomination.nominee,
            award=award_label(nomination.award, province),
            reason=nomination.review_reason or "—",
        )
        if status == "returned":
            options = [["cmd:dexuat", _("nominate.opt.fix")]]
        else:
            options = [["cmd:trangthai", _("status.menu")]]
    await enqueue_to_member(
        session,
        nominator.id,
        f"review:{nomination.id}:{status}:{audit_id}",
        "review",
        {"text": text, "options": options},
        ctx.now,
        ctx.now,
    )


FLOW = Flow(
    name="review",
    commands=("duyet", "review"),
    english="review",
    roles=REVIEW_ROLES,
    start=start,
    states={"review:pick": pick, "review:decide": decide_step, "review:reason": reason},
    menu="review.menu",
)
