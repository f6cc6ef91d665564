"""Reporting duties (chế độ báo cáo): who owes which report by when, read from a "Chế độ báo cáo"
section (numbered or not), from the tasks, and from the closing paragraphs."""

from __future__ import annotations

import re

from directives.assignees import Assignees
from directives.deadlines import DateContext, find_deadlines
from directives.document import Block, squash
from directives.text import UPPER_CHARS, fold

_DUTY = re.compile(
    r"(?i)\b(?:gui|nop|bao cao|tong hop)\b[^.;]{0,80}\bbao cao\b|\bbao cao\b[^.;]{0,120}"
    r"\b(?:ve|cho|len|den|gui)\s+(?:uy ban|ubnd|so|bo|ban|phong|van phong|thuong truc|hoi dong|"
    r"chu tich|thu tuong|chinh phu)|\bche do bao cao\b|\bbao cao\s+(?:dinh ky|ket qua|tinh hinh|"
    r"so ket|tong ket)"
)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(rf"(?<=[.!?;])\s+(?=[{UPPER_CHARS}\-+])", squash(text)) if s]


def _entry(
    sentence: str, ctx: DateContext, owners: list[dict[str, object]]
) -> dict[str, object] | None:
    deadlines = find_deadlines(sentence, ctx)
    if not deadlines:
        return None
    found = Assignees()
    found.read_sentence(sentence)
    assignees = found.leads or owners
    return {"text": sentence.strip(), "assignees": assignees, "deadlines": deadlines}


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
            if "bao cao" not in b.folded.lower():
                continue
            for sentence in _sentences(b.text):
                if _DUTY.search(fold(sentence)):
                    keep(_entry(sentence, ctx, owners or default))
    for b in loose:
        if "bao cao" not in b.folded.lower():
            continue
        for sentence in _sentences(b.text):
            if _DUTY.search(fold(sentence)):
                keep(_entry(sentence, ctx, default))
    return out
