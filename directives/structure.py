"""The body's structure: where the header ends, where the body and an attached plan lie, which
blocks are tasks (top-level numbered items, "SECTION.N" under Roman sections) and which parts are
reporting duties ("Chế độ báo cáo")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from directives.document import Block, Document, Line, is_upper

_MOTTO_LINE = re.compile(
    r"(?i:cong ho?a xa hoi chu nghia|doc lap\s*[-–]\s*tu do)|^\W*DANG CONG SAN\b"
)
_NOT_TASK_SECTION = re.compile(
    r"(?i)\s*(muc dich|yeu cau|can cu|khau hieu|tinh hinh|ket qua|danh gia|dac diem|"
    r"quan diem|thuc trang|boi canh|su can thiet)"
)
REPORT_SECTION = re.compile(
    r"(?i)\s*(?:che do|thoi gian|thoi han|ve)?\s*(?:thong tin\s*,?\s*)?bao cao(?:\s*,?\s*"
    r"(?:thong tin|tong hop|so ket|tong ket|danh gia|ket qua))*\b"
)
# "Kính gửi:", or a công điện's "THỦ TƯỚNG CHÍNH PHỦ điện:" before the list of its addressees.
GREETING = re.compile(r"(?i)\s*-?\s*kinh gui\b|\s*[A-Z][A-Z ,]{3,80}\s(?-i:dien)\s*:")
_NUMBER_LINE = re.compile(r"\s*So\s*:")
_SIGN = re.compile(r"^\s*(?:KT|TM|TL|TUQ|Q)\s*\.\s*\S")
_COPIES = re.compile(r"(?i)^\s*noi nhan\b")
_ATTACHED = re.compile(r"(?i)^\s*\(?\s*(?:ban hanh\s+)?kem theo\b")
_PLAN_TITLE = re.compile(
    r"^\s*(KE HOACH|CHUONG TRINH|QUY CHE|QUY DINH|PHUONG AN|HUONG DAN|DE AN)\b"
)
_CLOSING = re.compile(
    r"(?i)\s*(tren day|nhan duoc|trong qua trinh|qua trinh thuc hien|de nghi cac|yeu cau cac|"
    r"uy ban nhan dan (?:tinh|thanh pho|huyen|xa|phuong) (?:de nghi|yeu cau)|noi nhan)\b"
)
_ROMANS = {
    r: i + 1
    for i, r in enumerate(
        [
            "I",
            "II",
            "III",
            "IV",
            "V",
            "VI",
            "VII",
            "VIII",
            "IX",
            "X",
            "XI",
            "XII",
            "XIII",
            "XIV",
            "XV",
            "XVI",
            "XVII",
            "XVIII",
            "XIX",
            "XX",
        ]
    )
}


@dataclass
class Task:
    ref: str
    blocks: list[Block]
    section_title: str = ""


@dataclass
class Layout:
    start: int
    greet: int
    kind_line: int
    body_lo: int
    body_hi: int
    copies: int
    tasks: list[Task] = field(default_factory=list)
    report_blocks: list[Block] = field(default_factory=list)
    loose_blocks: list[Block] = field(default_factory=list)
    ranges: list[tuple[int, int]] = field(default_factory=list)


def is_kind_line(ln: Line, kinds: str) -> str | None:
    s = ln.folded.strip(" #*:.-|")
    m = re.match(rf"({kinds})(?:\s|$)", s)
    if m and m.group(1) == "PHUONG AN" and ln.text.lstrip(" #*:.-|")[:6].upper() == "PHƯỜNG":
        return None  # a ward ("PHƯỜNG AN KHÁNH"), not a plan ("PHƯƠNG ÁN")
    if m and (s == m.group(1) or is_upper(ln.text)):
        return m.group(1)
    return None


def find_start(doc: Document, kinds: str) -> int:
    """The first line of the document proper (web-page junk before it is skipped)."""
    motto = doc.find(_MOTTO_LINE, at=False)
    number = doc.find(_NUMBER_LINE)
    greet = doc.find(GREETING)
    kind = doc.first(lambda ln: is_kind_line(ln, kinds) is not None)
    anchors = [i for i in (motto, number, greet) if i >= 0]
    start = min(anchors) if anchors else max(kind, 0)
    j, steps = start - 1, 0
    while j >= 0 and steps < 8:
        t = doc.lines[j].text.strip(" |*-_")
        if not t or re.fullmatch(r"[-_=.*|\s]*", t):
            j -= 1
            continue
        if is_upper(t) and len(t) < 120:
            start, steps = j, steps + 1
            j -= 1
            continue
        break
    return start


def _signature(doc: Document, lo: int, hi: int) -> int:
    return doc.find(_SIGN, lo, hi)


def layout(doc: Document, kinds: str) -> Layout:
    start = find_start(doc, kinds)
    # Header parts lie near the top; the same words in web-page junk after the text do not count.
    greet = doc.find(GREETING, start, start + 60)
    kind_line = doc.first(lambda ln: is_kind_line(ln, kinds) is not None, start, start + 40)
    number = doc.find(_NUMBER_LINE, start, start + 40)
    if 0 <= kind_line < number:
        # The kind stands below the number; above it, "PHUONG AN KHANH" is a ward in a copy
        # without diacritics, not a "phương án".
        later = doc.first(lambda ln: is_kind_line(ln, kinds) is not None, number, start + 40)
        kind_line = later if later >= 0 else kind_line
    body_lo = max(start, greet, kind_line)
    copies = doc.find(_COPIES, body_lo)
    body_hi = copies if copies >= 0 else doc.n
    sign = _signature(doc, body_lo, body_hi)
    if sign >= 0:
        body_hi = sign
    out = Layout(start, greet, kind_line, body_lo, body_hi, copies)
    ranges = [(body_lo, body_hi)]
    plan = _attached_plan(doc, body_hi)
    if plan:
        ranges.append(plan)
    out.ranges = ranges
    candidates = [_tasks(doc.blocks(lo, hi)) for lo, hi in ranges]
    # The attached plan holds the tasks when it has any; the decision's articles are not tasks.
    chosen = next((c for c in reversed(candidates) if c[0]), candidates[0])
    out.tasks, out.report_blocks, out.loose_blocks = chosen
    return out


def _attached_plan(doc: Document, after: int) -> tuple[int, int] | None:
    for i in range(after, doc.n):
        ln = doc.lines[i]
        if not _PLAN_TITLE.match(ln.folded.strip(" #*|")) or not is_upper(ln.text):
            continue
        near = [f for j in range(i + 1, min(i + 16, doc.n)) if (f := doc.lines[j].folded.strip())]
        near = near[:8]
        if any(_ATTACHED.match(f.strip(" *_")) for f in near):
            end = doc.find(_COPIES, i + 1)
            hi = end if end >= 0 else doc.n
            sign = _signature(doc, i + 1, hi)
            return i + 1, sign if sign >= 0 else hi
    return None


def _roman_value(marker: str) -> int:
    return _ROMANS.get(marker, 0)


def _tasks(blocks: list[Block]) -> tuple[list[Task], list[Block], list[Block]]:
    """(tasks, blocks of reporting sections, blocks outside any task)."""
    # Roman sections count only when they follow each other (I, II, III…).
    sections: dict[int, Block] = {}
    last = 0
    for k, b in enumerate(blocks):
        if b.kind == "roman":
            v = _roman_value(b.marker)
            if v == last + 1 or (v == 1 and last == 0):
                sections[k] = b
                last = v
            else:
                b.kind = "plain"
    # Top-level items: Arabic numbers counting up from 1 in each section (or article).
    items: list[tuple[int, str, Block | None]] = []
    current: Block | None = None
    count = 0
    for k, b in enumerate(blocks):
        if k in sections or b.kind == "article":
            current = sections.get(k, b)
            count = 0
            continue
        if b.kind != "arabic":
            continue
        n = int(b.marker)
        if (n == 1 and count == 0) or (count and count < n <= count + 1):
            items.append((k, b.marker, current))
            count = n
    sectioned = [s for _, _, s in items if s is not None and s.kind == "roman"]
    composite = len({id(s) for s in sectioned}) > 1
    skip = {
        id(s)
        for s in sections.values()
        if _NOT_TASK_SECTION.match(s.folded) and not REPORT_SECTION.match(s.folded)
    }
    articles = {k for k, b in enumerate(blocks) if b.kind == "article"}
    starts = sorted({k for k, _, _ in items} | set(sections) | articles)
    tasks: list[Task] = []
    in_task: set[int] = set()
    for k, num, sec in items:
        if sec is not None and id(sec) in skip:
            continue
        end = next((s for s in starts if s > k), len(blocks))
        ref = (
            f"{sec.marker}.{num}" if composite and sec is not None and sec.kind == "roman" else num
        )
        tasks.append(Task(ref, blocks[k:end], sec.text if sec is not None else ""))
        in_task.update(range(k, end))
    if not items:
        tasks = _fallback_tasks(blocks, sections, skip, in_task)
    _cut_closing(tasks)
    in_task = {id(b) for t in tasks for b in t.blocks}
    report: list[Block] = []
    loose: list[Block] = []
    section: Block | None = None
    for b in blocks:
        if b.kind == "roman":
            section = b
            if REPORT_SECTION.match(b.folded):
                report.append(b)
            continue
        if id(b) in in_task:
            continue
        if section is not None and REPORT_SECTION.match(section.folded):
            report.append(b)
        elif section is None or id(section) not in skip:
            loose.append(b)
    return tasks, report, loose


def _fallback_tasks(
    blocks: list[Block], sections: dict[int, Block], skip: set[int], in_task: set[int]
) -> list[Task]:
    tasks: list[Task] = []
    keys = sorted(sections)
    for n, k in enumerate(keys):
        sec = sections[k]
        if id(sec) in skip or REPORT_SECTION.match(sec.folded):
            continue
        end = keys[n + 1] if n + 1 < len(keys) else len(blocks)
        tasks.append(Task(sec.marker, blocks[k:end], sec.text))
    if tasks:
        return tasks
    letters = [k for k, b in enumerate(blocks) if b.kind == "letter"]
    if len(letters) >= 2 and blocks[letters[0]].marker == "a":
        for n, k in enumerate(letters):
            end = letters[n + 1] if n + 1 < len(letters) else len(blocks)
            tasks.append(Task(blocks[k].marker, blocks[k:end]))
    return tasks


# The issuer speaking to everyone after the last item: "Ủy ban nhân dân tỉnh giao Giám đốc các
# sở…", "Bộ Văn hóa, Thể thao và Du lịch yêu cầu Thủ trưởng…", "Văn phòng Chính phủ thông báo…".
_ISSUER_SPEAKS = re.compile(
    r"(?i)\s*(?:chu tich\s+)?(?:uy ban nhan dan|ubnd|bo|so|ban|van phong|thu tuong|hoi dong|"
    r"thuong truc)\b[^.;:]{0,80}?\s(?:yeu cau|de nghi|giao|thong bao)\b"
)
_ASKS_ALL = re.compile(r"(?i)\s*(?:de nghi|yeu cau|giao)\s")
_ENDS_DOCUMENT = re.compile(r"\.?\s*/\s*\.?\s*$")
_THIS_DOCUMENT = re.compile(
    r"(?i)\b(?:chi thi|ke hoach|cong van|cong dien|quyet dinh|huong dan|thong bao|van ban) nay\b"
)


def _closing(b: Block) -> bool:
    f = b.folded
    if _CLOSING.match(f) or _ISSUER_SPEAKS.match(f) or is_upper(b.text):
        return True
    # The last paragraph, about the whole document: "… thực hiện nghiêm túc Công điện này./."
    ends = bool(_ENDS_DOCUMENT.search(f))
    return ends and bool(_ASKS_ALL.match(f) or _THIS_DOCUMENT.search(f))


def _cut_closing(tasks: list[Task]) -> None:
    """The closing paragraphs after the last item ("Trên đây là…", the issuer asking everyone
    to carry the document out) are not part of it."""
    if not tasks:
        return
    last = tasks[-1]
    for i in range(1, len(last.blocks)):
        b = last.blocks[i]
        if b.kind == "plain" and _closing(b):
            last.blocks = last.blocks[:i]
            return
