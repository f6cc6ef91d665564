"""Reading a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP layout) into SPEC §4 JSON.

The concerns live in their own modules: `structure` (sections, items, the attached plan),
`header` (issuer, number, place and date, subject, recipients, signer), `deadlines`,
`assignees`, `reporting` and `mentions` (references, movements, events). This module puts
their answers together.

Beyond SPEC §4, each task carries `partners`: the bodies named to help ("phối hợp với …"), each
`{"name", "role": "phoi_hop"}`. They stay out of `assignees`, which lists who owes the task (as
the golds of the real documents do); storage never reminds a partner. A body whose own part is to
help ("Trạm Y tế xã phối hợp bảo đảm y tế") owes it: it is an assignee, with role `phoi_hop`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from directives.assignees import find_assignees
from directives.deadlines import DateContext, find_deadlines
from directives.document import Block, Document, squash
from directives.header import KIND_ALT, Header
from directives.mentions import find_events, find_movements, find_references
from directives.reporting import find_reporting
from directives.structure import layout

T = TypeVar("T")


def empty_result() -> dict[str, object]:
    """The SPEC §4 object with every value absent."""
    return {
        "kind": "other",
        "number": None,
        "issuer": None,
        "place": None,
        "issued_on": None,
        "subject": None,
        "signer": None,
        "recipients": [],
        "copies_to": [],
        "references": [],
        "movements": [],
        "events": [],
        "tasks": [],
        "reporting": [],
    }


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception:  # one field's failure must not lose the others
        return default


def _year_hint(doc: Document, issued: date | None) -> int | None:
    if issued:
        return issued.year
    years = Counter(int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", doc.folded))
    return years.most_common(1)[0][0] if years else None


def _parse(text: str, received: date | None) -> dict[str, object]:
    result = empty_result()
    doc = Document(text)
    if not doc.text.strip():
        return result
    lay = layout(doc, KIND_ALT)
    head = Header(doc, lay)
    number = _safe(head.number, None)
    no_subject: tuple[str | None, bool] = (None, False)
    no_place: tuple[str | None, date | None] = (None, None)
    no_strs: list[str] = []
    no_dicts: list[dict[str, object]] = []
    no_signer: tuple[str | None, int] = (None, -1)
    subject, by_vv = _safe(head.subject, no_subject)
    place, issued = _safe(head.place_date, no_place)
    result["number"] = number
    result["subject"] = subject
    result["place"] = place
    result["issued_on"] = issued.isoformat() if issued else None
    result["kind"] = _safe(lambda: head.kind(number, by_vv), "other")
    no_meta: dict[str, str] = {}
    meta = _safe(head.metadata, no_meta)
    if number is None and meta.get("number"):
        result["number"] = number = meta["number"]
    first_item = lay.tasks[0].blocks[0].line if lay.tasks else lay.body_hi
    issuer = (
        _safe(head.issuer_header, None)
        or _safe(lambda: head.issuer_of_notice(str(result["kind"]), subject), None)
        or _safe(lambda: head.issuer_statement(lay.body_lo, first_item), None)
        or _safe(lambda: head.issuer_body(place), None)
        or meta.get("issuer")
    )
    result["issuer"] = issuer
    recipients = _safe(head.recipients, no_strs)
    result["recipients"] = recipients
    result["copies_to"] = _safe(head.copies_to, no_strs)

    ctx = DateContext(issued=issued, year=_year_hint(doc, issued), received=received)
    tasks: list[dict[str, object]] = []
    owned: list[tuple[list[Block], list[dict[str, object]]]] = []
    for task in lay.tasks:
        try:
            found = find_assignees(task.blocks)
            full = " ".join(b.text for b in task.blocks)
            tasks.append(
                {
                    "ref": task.ref,
                    "text": squash(full),
                    "assignees": found.leads,
                    "partners": found.partners,
                    "deadlines": find_deadlines(full, ctx),
                }
            )
            owned.append((task.blocks, found.leads))
        except Exception:  # one odd item must not lose the others
            continue
    result["tasks"] = tasks
    result["reporting"] = _safe(
        lambda: find_reporting(lay.report_blocks, owned, lay.loose_blocks, ctx, recipients),
        no_dicts,
    )
    last_task = lay.tasks[-1].blocks[-1].end if lay.tasks else -1
    search_from = last_task if 0 <= last_task < lay.body_hi + 1 else lay.body_lo
    signer, _at = _safe(lambda: head.signer(min(search_from, lay.body_hi)), no_signer)
    result["signer"] = signer or meta.get("signer")

    lo = doc.offset(lay.start)
    hi = max(doc.offset(r[1]) for r in lay.ranges) if lay.ranges else len(doc.text)
    hi = max(hi, doc.offset(head.body_end))
    result["references"] = _safe(lambda: find_references(doc, lo, hi, number), no_strs)
    result["movements"] = _safe(lambda: find_movements(doc, lo, hi), no_strs)
    result["events"] = _safe(lambda: find_events(doc, lo, hi, ctx.year), no_dicts)
    return result


def parse_text(text: str, received: date | None = None) -> dict[str, object]:
    """The SPEC §4 object for a directive's text.

    `received` is the day the document reached the commune: deadlines counted from receipt
    ("05 ngày làm việc kể từ ngày nhận được văn bản") get their `due` from it, else only
    their `after` span. Never raises: any input (empty, binary junk, a megabyte of text)
    gives at worst the empty shape, with `kind` "other" and every other value null or [].
    """
    try:
        if not isinstance(text, str):
            return empty_result()
        return _parse(text, received)
    except Exception:
        return empty_result()
