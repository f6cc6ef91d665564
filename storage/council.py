"""The council's path for a nomination, as functions a chat dialog and a web page both call.

proposed (`pending`) → checked by the commune's emulation officer, the công chức phụ trách
thi đua, khen thưởng (`checked`) → considered by the commune's Hội đồng Thi đua – Khen thưởng,
a meeting recorded with the votes per nominee (`passed`, or
`rejected` when the vote fails) → decided by the chair with a decision number and date
(`decided`; `forwarded` when the award is the province's and the commune only proposes it).
At each open step a nomination may be returned for more information or rejected, with a reason.
Every change is audited and the nominator is told through the outbox, in their language; when
the chair decides, the commune's staff are told as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from locales import _, use_locale
from storage.access import subtree_ids
from storage.awards import award_label, catalogue
from storage.models import CouncilMeeting, Member, Nomination, Unit
from storage.nominations import province_of, record
from storage.outbox import enqueue_to_member

SEND_BACK_FROM = ("pending", "checked", "passed")
SEND_BACK_TO = ("returned", "rejected")


class StepRefused(ValueError):
    """The nomination is not at the step the action needs (someone acted on it meanwhile)."""


class PostingNotOver(ValueError):
    """The award asks for the council's list to be posted for residents' views first
    (`posting_days` in the catalogue, counted from the meeting): no decision before it ends."""

    def __init__(self, nomination_id: int, until: date) -> None:
        super().__init__(f"nomination {nomination_id} posted until {until.isoformat()}")
        self.nomination_id, self.until = nomination_id, until


@dataclass(frozen=True)
class Vote:
    nomination_id: int
    votes_for: int
    votes_against: int


def passes(votes_for: int, members: int, award_key: str, province_code: str | None) -> bool:
    """True when the votes carry: more than half of the council's members, unless the award
    asks for a share (`vote_percent`, "từ N% trở lên") in the catalogue."""
    award = catalogue(province_code).award(award_key)
    percent = award.raw.get("vote_percent") if award else None
    if percent:
        return votes_for * 100 >= int(percent) * members
    return votes_for * 2 > members


async def posted_until(session: AsyncSession, nomination: Nomination) -> date | None:
    """The last day of the public posting the award asks after the council passed it ("Thôn,
    tổ dân phố văn hóa": 10 days); None when the award asks none or no meeting is recorded."""
    province = await province_of(session, nomination.unit_id)
    award = catalogue(province).award(nomination.award)
    days = award.raw.get("posting_days") if award else None
    if not days or nomination.meeting_id is None:
        return None
    meeting = await session.get(CouncilMeeting, nomination.meeting_id)
    return meeting.held_on + timedelta(days=int(days)) if meeting is not None else None


async def at_step(
    session: AsyncSession, member: Member, nomination_id: int, status: str
) -> Nomination | None:
    """The nomination (locked) when it is in `status` and within the member's subtree."""
    nomination = await session.get(Nomination, nomination_id, with_for_update=True)
    if nomination is None or nomination.status != status:
        return None
    if nomination.unit_id not in await subtree_ids(session, member.unit_id):
        return None
    return nomination


def _expect(nomination: Nomination, *statuses: str) -> None:
    if nomination.status not in statuses:
        raise StepRefused(nomination.status)


async def check(
    session: AsyncSession, nomination: Nomination, actor: Member, now: datetime
) -> None:
    """The emulation officer found the file complete: it goes to the council."""
    _expect(nomination, "pending")
    nomination.status = "checked"
    nomination.review_reason = None
    nomination.reviewed_by, nomination.reviewed_at, nomination.updated_at = actor.id, now, now
    audit_id = await record(session, now, actor.id, "nomination.checked", nomination)
    await tell_nominator(session, nomination, audit_id, now)


async def send_back(
    session: AsyncSession,
    nomination: Nomination,
    actor: Member,
    status: str,
    reason: str,
    now: datetime,
) -> None:
    """Returns (for more information) or rejects the nomination at its current step."""
    if status not in SEND_BACK_TO or not reason.strip():
        raise ValueError(status)
    _expect(nomination, *SEND_BACK_FROM)
    step = nomination.status
    nomination.status = status
    nomination.review_reason = reason
    nomination.reviewed_by, nomination.reviewed_at, nomination.updated_at = actor.id, now, now
    audit_id = await record(
        session, now, actor.id, f"nomination.{status}", nomination, {"reason": reason, "at": step}
    )
    await tell_nominator(session, nomination, audit_id, now)


async def record_meeting(
    session: AsyncSession,
    unit: Unit,
    actor: Member,
    now: datetime,
    held_on: date,
    members: int,
    present: int,
    votes: Sequence[Vote],
) -> CouncilMeeting:
    """Records the council's meeting and each nominee's votes: passed, or rejected by the vote.

    Every nomination voted on must be `checked` and within the unit's subtree.
    """
    if not 0 < present <= members:
        raise ValueError("present")
    meeting = CouncilMeeting(
        unit_id=unit.id,
        held_on=held_on,
        members=members,
        present=present,
        recorded_by=actor.id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    province = await province_of(session, unit.id)
    for vote in votes:
        nomination = await at_step(session, actor, vote.nomination_id, "checked")
        if nomination is None:
            raise StepRefused(str(vote.nomination_id))
        if (
            vote.votes_for + vote.votes_against > present
            or min(vote.votes_for, vote.votes_against) < 0
        ):
            raise ValueError("votes")
        nomination.meeting_id = meeting.id
        nomination.votes_for, nomination.votes_against = vote.votes_for, vote.votes_against
        carried = passes(vote.votes_for, members, nomination.award, province)
        nomination.status = "passed" if carried else "rejected"
        nomination.review_reason = None if carried else _("council.reason.vote_failed")
        nomination.reviewed_by, nomination.reviewed_at, nomination.updated_at = actor.id, now, now
        detail = {"meeting": meeting.id, "for": vote.votes_for, "against": vote.votes_against}
        action = "nomination.passed" if carried else "nomination.vote_failed"
        audit_id = await record(session, now, actor.id, action, nomination, detail)
        await tell_nominator(session, nomination, audit_id, now)
    return meeting


async def chair_decision(
    session: AsyncSession,
    nominations: Sequence[Nomination],
    actor: Member,
    now: datetime,
    number: str,
    on: date,
) -> None:
    """Records the chair's decision (or, for the province's awards, the commune's proposal to
    the province) on nominations the council passed, and tells everyone. Raises PostingNotOver
    (and records nothing) when a nominee's posting has not ended by the decision's date."""
    for nomination in nominations:
        _expect(nomination, "passed")
        until = await posted_until(session, nomination)
        if until is not None and on <= until:
            raise PostingNotOver(nomination.id, until)
    staff_ids: set[int] = set()
    for nomination in nominations:
        province = await province_of(session, nomination.unit_id)
        upward = catalogue(province).upward(nomination.award)
        nomination.status = "forwarded" if upward else "decided"
        nomination.decision_number, nomination.decision_date = number, on
        nomination.reviewed_by, nomination.reviewed_at, nomination.updated_at = actor.id, now, now
        detail = {"number": number, "date": on.isoformat()}
        audit_id = await record(
            session, now, actor.id, f"nomination.{nomination.status}", nomination, detail
        )
        await tell_nominator(session, nomination, audit_id, now)
        staff_ids.update(await _staff_above(session, nomination.unit_id))
    staff_ids.discard(actor.id)
    for member_id in sorted(staff_ids):
        member = await session.get_one(Member, member_id)
        with use_locale(member.locale):
            text = _(
                "council.notify.staff_decided",
                number=number,
                date=on.strftime("%d/%m/%Y"),
                count=len(nominations),
            )
        key = f"council:{number}:{on.isoformat()}:{member_id}"
        await enqueue_to_member(session, member_id, key, "review", {"text": text}, now, now)


async def _staff_above(session: AsyncSession, unit_id: int) -> list[int]:
    """Active staff and admins of the units above (and at) the nomination's unit."""
    ids: list[int] = []
    current: int | None = unit_id
    for _depth in range(16):
        if current is None:
            break
        rows = await session.scalars(
            select(Member.id).where(
                Member.unit_id == current, Member.role.in_(("staff", "admin")), Member.active
            )
        )
        ids += list(rows.all())
        unit = await session.get(Unit, current)
        current = unit.parent_id if unit else None
    return ids


def _notify_text(nomination: Nomination, province: str | None) -> str:
    status = nomination.status
    values: dict[str, Any] = {
        "id": nomination.id,
        "nominee": nomination.nominee,
        "award": award_label(nomination.award, province),
        "reason": nomination.review_reason or "—",
        "votes": nomination.votes_for or 0,
        "number": nomination.decision_number or "",
        "date": nomination.decision_date.strftime("%d/%m/%Y") if nomination.decision_date else "",
    }
    key = f"council.notify.{status}"
    if status == "rejected" and nomination.meeting_id and nomination.votes_for is not None:
        key = "council.notify.vote_failed"
    return _(key, **values)


async def tell_nominator(
    session: AsyncSession, nomination: Nomination, audit_id: int, now: datetime
) -> None:
    """Plans the message telling the nominator where the nomination stands, in their language."""
    nominator = await session.get_one(Member, nomination.nominator_id)
    province = await province_of(session, nomination.unit_id)
    with use_locale(nominator.locale):
        text = _notify_text(nomination, province)
        if nomination.status == "returned":
            options = [["cmd:dexuat", _("nominate.opt.fix")]]
        else:
            options = [["cmd:trangthai", _("status.menu")]]
    await enqueue_to_member(
        session,
        nominator.id,
        f"review:{nomination.id}:{nomination.status}:{audit_id}",
        "review",
        {"text": text, "options": options},
        now,
        now,
    )
