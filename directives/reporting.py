"""Reporting duties (chế độ báo cáo): who owes which report by when, read from a "Chế độ báo cáo"
section (numbered or not), from the tasks, and from the closing paragraphs."""

from __future__ import annotations

import re

from directives.assignees import Assignees
from directives.deadlines import DateContext, find_deadlines
from directives.document import Block, squash
from directives.text import UPPER_CHARS, fold

# Who a report goes to: "về UBND xã", "Chủ tịch UBND xã", "Ban giám hiệu", "Phó Hiệu trưởng".
_TO = (
    r"(?:uy ban|ubnd|so|bo|ban|phong|van phong|thuong truc|hoi dong|chu tich|pho chu tich|"
    r"thu tuong|chinh phu|dang uy|hieu truong|pho hieu truong|tram|cong chuc|truong thon)"
)
_DUTY = re.compile(
    r"(?i)\b(?:gui|nop|bao cao|tong hop)\b[^.;]{0,80}\bbao cao\b|\bbao cao\b[^.;]{0,120}"
    rf"\b(?:ve|cho|len|den|gui)\s+{_TO}|\bche do bao cao\b|\bbao cao\s+(?:dinh ky|ket qua|"
    rf"tinh hinh|so ket|tong ket|tien do)|\bbao cao\s+{_TO}\b"
    r"|\b(?:gui|nop)\s+(?:ket qua|so lieu|danh sach ket qua)\b[^.;]{0,80}\b(?:ve|cho|len)\s+"
)
# A block worth reading for a duty at all.
_MAYBE = re.compile(r"(?i)\bbao cao\b|\b(?:gui|nop)\s+(?:ket qua|so lieu|danh sach)")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(rf"(?<=[.!?;])\s+(?=[{UPPER_CHARS}\-+])", squash(text)) if s]


def _leads(text: str) -> list[dict[str, object]]:
    found = Assignees()
    found.read_sentence(text)
    return found.leads


def _entry(
    sentence: str, ctx: DateContext, owners: list[dict[str, object]]
) -> dict[str, object] | None:
    deadlines = find_deadlines(sentence, ctx)
    if not deadlines:
        return None
    assignees = _leads(sentence) or owners
    return {"text": sentence.strip(), "assignees": assignees, "deadlines": deadlines}


def _duties(
    sentence: str, ctx: DateContext, owners: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The duties in one sentence of a task, read clause by clause ("Các thôn: đăng ký … trước
    ngày 25/01; báo cáo kết quả về UBND xã chậm nhất ngày 20/02"): a duty's deadline is its
    own clause's (or the next one's), owed by the body its clause names, else the one that
    heads the sentence, else the task's."""
    clauses = [c for c in re.split(r"\s*;\s*", sentence) if c.strip()]
    out: list[dict[str, object]] = []
    head: list[dict[str, object]] | None = None
    for n, clause in enumerate(clauses):
        if not _DUTY.search(fold(clause)):
            continue
        deadlines = find_deadlines(clause, ctx) or find_deadlines(" ".join(clauses[n : n + 2]), ctx)
        if not deadlines:
            continue
        if head is None:
            head = _leads(sentence) or owners
        assignees = _leads(clause) or head
        out.append({"text": clause.strip(), "assignees": assignees, "deadlines": deadlines})
    return out


def find_reporting(
    report_blocks: list[Block],
    tasks: list[tuple[list[Block], list[dict[str, object]]]],
    loose: list[Block],
    ctx: DateContext,
    recipients: list[str],
) -> list[dict[str, object]]:
    """Entries {text, assignees, deadlines}; the owners default to the task's assignees, or
    for a section of its own to the document's recipients."""
    default: list[dict[str, object]] = [{"name": r, "role": "chu_tri"} for r in recipients]
    out: list[dict[str, object]] = []
    seen: set[tuple[object, ...]] = set()

    def keep(entry: dict[str, object] | None) -> None:
        if entry is None:
            return
        deadlines = entry["deadlines"]
        assert isinstance(deadlines, list)
        key = tuple((d["due"], d["every"], d["month"], d["day"]) for d in deadlines)
        if key not in seen:
            seen.add(key)
            out.append(entry)

    for b in report_blocks:
        if b.kind == "roman":
            continue
        for sentence in _sentences(b.text):
            keep(_entry(sentence, ctx, default))
    for blocks, owners in tasks:
        for b in blocks:
            if not _MAYBE.search(b.folded):
                continue
            for sentence in _sentences(b.text):
                for duty in _duties(sentence, ctx, owners or default):
                    keep(duty)
    for b in loose:
        if "bao cao" not in b.folded.lower():
            continue
        for sentence in _sentences(b.text):
            if _DUTY.search(fold(sentence)):
                keep(_entry(sentence, ctx, default))
    return out
