"""Directive intake: staff send a directive (pasted, as a file, a scan or a photo), check a
short summary, correct the date, a deadline or who a task goes to, drop a task, then activate
it; `/chithi` lists the directives followed and archives one.

The steps live by concern: `intake_reading` (receiving the document), `intake_summary`,
`intake_review` (activation and corrections), `intake_assign` (who a task goes to),
`directives_list` (`/chithi`). State (``ctx.data``): ``directive_id`` (the draft being
checked) and what the correction under way needs. The draft lives in the database from the
first summary on; "cancel" deletes it, `/huy` leaves it in `/chithi` as a draft to finish later.
"""

from __future__ import annotations

from handlers import directives_list as listing
from handlers import intake_assign as assign
from handlers import intake_reading as reading
from handlers import intake_review as review
from handlers.flow import Flow
from handlers.intake_common import STAFF_ROLES, staff_only

maybe_start = reading.maybe_start

INTAKE = Flow(
    name="intake",
    commands=(reading.INTAKE_COMMAND, "nap van ban", "napchithi", "nap chi thi", "intake"),
    english="intake",
    roles=STAFF_ROLES,
    start=reading.intake_start,
    states={
        "intake:receive": staff_only(reading.intake_receive),
        "intake:read": staff_only(reading.intake_read),
        "intake:review": staff_only(review.intake_review),
        "intake:confirm": staff_only(review.intake_confirm),
        "intake:date": staff_only(review.intake_date),
        "intake:pick_deadline": staff_only(review.intake_pick_deadline),
        "intake:deadline": staff_only(review.intake_deadline),
        "intake:pick_drop": staff_only(review.intake_pick_drop),
        "intake:pick_assignee": staff_only(assign.intake_pick_assignee),
        "intake:map": staff_only(assign.intake_map),
    },
    menu="directive.menu.intake",
)

DIRECTIVES = Flow(
    name="directives",
    commands=("chithi", "chi thi", "directives"),
    english="directives",
    roles=STAFF_ROLES,
    start=listing.list_start,
    states={
        "directives:pick": staff_only(listing.list_pick),
        "directives:archive": staff_only(listing.list_archive),
    },
    menu="directive.menu.list",
)
