"""Deadlines as Vietnamese administrative texts state them.

A deadline is a date (`due`), a recurrence (`every`: week, month, quarter, half_year, year, with
`month`/`day`/`weekday` where the text gives them) or a span counted from the signing date or
from receipt (`after`: {"days", "working", "from"}; `due` is filled in when the start is known).
Patterns run on folded, lower-cased text (no diacritics; lower case lets the regular-expression
engine skip ahead on literal words), values are sliced from the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from directives.dates import make_date, month_end
from directives.holidays import add_working_days
from directives.text import UPPER_CHARS, fold, lower_same

_U = UPPER_CHARS


@dataclass
class DateContext:
    """What a deadline without all its parts is read against: the signing date, a year
    taken from the document when it has none, and the day the commune received it."""

    issued: date | None = None
    year: int | None = None
    received: date | None = None


# ---- pieces --------------------------------------------------------------------------------
_SEP = r"\s*[/.\-–]\s*"
_FULL = rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}((?:19|20|21)\d\d)(?!\d)"
_WORDS = r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+((?:19|20|21)\d\d)"
_DM = (
    r"(\d{1,2})\s*[/\-]\s*(\d{1,2})(?![\d/\-])"
    r"|(\d{1,2})\s+thang\s+(\d{1,2})(?!\s*,?\s*nam\s+\d)(?!\d)"
)
_CLOCK = (
    r"(?:(?:\d{1,2}\s*(?:gio|h|g|:)\s*(?:\d{1,2})?\s*(?:phut)?\s*(?:\d{2})?|\d{1,2}\s*gio)\s*,?\s*)"
)
_WEEKDAY = r"(?:thu\s+(?:hai|ba|tu|nam|sau|bay|[2-7])|chu nhat)"
_FILLER = (
    rf"(?:\s*,?\s*(?:{_CLOCK}|{_WEEKDAY}|ngay|mong|het|la|vao|luc|trong|ngay\s+ket\s+thuc)"
    r"\s*,?)*\s*"
)
_TRIG = (
    r"(?:truoc|cham nhat|han chot|han cuoi|khong muon hon|xong truoc|hoan thanh|hoan tat|"
    r"(?<!tinh )(?<!so lieu )den(?! nay)|vao|trong|ket thuc|thoi han|han)"
)
_LABEL = re.compile(
    r"(?:thoi gian|thoi han|han cuoi|han chot|tien do|han)(?:\s+[a-z]+){0,6}\s*:\s*"
)
_DATE_AFTER_TRIG = re.compile(rf"\b{_TRIG}\b{_FILLER}(?:{_FULL}|{_WORDS}|{_DM})")
_BARE_FULL = re.compile(rf"(?:{_FULL}|{_WORDS})")
_FILLED_FULL = re.compile(rf"{_FILLER}(?:{_FULL}|{_WORDS})")
_RANGE_END = re.compile(
    rf"\btu\s+(?:ngay|thang|nay)\b[^;]{{0,60}}?\bden\b[^\d;]{{0,40}}?{_FILLER}(?:{_FULL}|{_WORDS})",
)
# "từ ngày 15/11 đến ngày 15/12": a period whose year is the document's.
_RANGE_END_DM = re.compile(
    r"\btu\s+(?:ngay\s+)?\d{1,2}\s*/\s*\d{1,2}(?![\d/])\s*(?:den|[-–])\s*(?:het\s+)?(?:ngay\s+)?"
    r"(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])",
)
# "Định kỳ hằng tháng, … trước ngày 25.": a day alone, the month's from the recurrence before.
_BARE_DAY = re.compile(
    r"\b(?:truoc|cham nhat(?:\s+(?:la|vao))?|vao)\s+ngay\s+(\d{1,2})\b(?!\s*[/.\-]\s*\d)"
    r"(?!\s+(?:thang|cua|hang|moi|tung))"
)
_DAY_REC = re.compile(
    r"\b(?:truoc|cham nhat|vao|den|trong|dung|han)?\s*(?:ngay\s+)?(?:mong\s+)?(\d{1,2})\s+"
    r"(?:(?:cua\s+)?(?:hang|moi|tung)\s+thang"
    r"|(?:cua\s+)?thang\s+(cuoi|dau|thu\s+\d|tiep theo|ke tiep)"
    r"(?:\s+(?:cua\s+)?(?:moi\s+|hang\s+|trong\s+)?quy(?:\s+(sau|tiep theo|ke tiep))?"
    r"|(?<=tiep theo)|(?<=ke tiep))"
    r"|(?:cua\s+)?thang\s+(?:sau|tiep theo|ke tiep|truoc do))",
)
_IN_MONTH = re.compile(
    r"\b(trong|truoc|cham nhat(?: trong)?|hoan thanh(?: trong)?|den het|vao|:)\s*thang\s+"
    r"(\d{1,2})\s*(?:/|-|\s+nam\s+)\s*(\d{4})\b",
)
_QUARTER = re.compile(
    r"\b(trong|truoc|cham nhat(?: trong)?|hoan thanh(?: trong)?|den het|vao|:|^)\s*quy\s+"
    r"(iv|iii|ii|i|[1-4])\s*(?:/|-|\s+nam\s+)\s*(\d{4})\b",
)
_TARGET_YEAR = re.compile(
    r"\b(?:phan dau|muc tieu|hoan thanh|dat chuan|xong)\b[^.;]{0,60}?"
    r"\b(?:den|toi|truoc|trong)\s+(?:het\s+|cuoi\s+)?(?:nam\s+)?(\d{4})\b",
)
_IN_YEAR = re.compile(
    r"(?:\btrong|:|^)\s*(?:nam\s+)(\d{4})(?:\s*[-–]\s*(\d{4}))?(?!\s*(?:va|,)\s*(?:cac|nhung) nam)"
    r"(?!\d)",
)
_RELATIVE = re.compile(
    r"\b(\d{1,3})\s+ngay(\s+lam viec)?\s*,?\s*(?:ke\s+)?tu\s+(?:khi\s+|sau\s+)?(?:ngay\s+)?"
    r"(ky|ban hanh|van ban|nhan|tiep nhan|co hieu luc)",
)
_NOT_DEADLINE_BEFORE = re.compile(
    r"\b(so lieu|tinh tu|tinh den|tinh toi|thoi diem|ky bao cao|giai doan|hieu luc|"
    r"ke tu|thanh lap|ngay ky|sinh ngay|nhiem ky|khoa|tu ngay)\b\W*(?:\w+\W+){0,3}$"
)
_OPEN_END = re.compile(r"(cac|nhung) nam (tiep theo|sau)|thuong xuyen|lien tuc|den khi")

_RECURRENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), e)
    for p, e in [
        (r"\b(?:hang|moi|trong) nam,? theo (?:tung |moi )?thang\b", "month"),
        (r"\b(?:hang|moi|trong) nam,? theo (?:tung |moi )?quy\b", "quarter"),
        (
            r"\b(?:dinh ky|hang|moi|tung)\s+(?:06|6|sau)\s+thang\b"
            r"|\b(?:06|6|sau) thang (?:mot|1) lan\b"
            r"|\bdinh ky nua nam\b|\bso ket (?:06|6|sau) thang\b",
            "half_year",
        ),
        (
            r"\b(?:hang|moi|tung) quy\b|\bdinh ky(?: hang)? quy\b|\btheo quy\b"
            r"(?!\s+(?:dinh|che|trinh|mo|hoach|pham|cach|luat|tac|doi|trach|uoc))"
            r"|\b(?:dinh ky|hang|moi) (?:03|3|ba) thang\b|\b(?:03|3|ba) thang (?:mot|1) lan\b",
            "quarter",
        ),
        (
            r"\bthang (?:thu\s+\d|cuoi(?: cung)?|dau(?: tien)?)\s+(?:cua\s+|trong\s+)?"
            r"(?:moi\s+|hang\s+)?quy\b",
            "quarter",
        ),
        (r"\b(?:hang|moi|tung) thang\b|\bdinh ky(?: hang)? thang\b|\btheo thang\b", "month"),
        (r"\b(?:hang|moi|tung) nam\b|\bdinh ky(?: hang)? nam\b|\bthuong nien\b", "year"),
        (r"\b(?:hang|moi|tung) tuan\b|\bdinh ky(?: hang)? tuan\b", "week"),
    ]
]
# One scan tells whether a clause holds any recurrence at all.
_ANY_RECURRENCE = re.compile("|".join(f"(?:{rx.pattern})" for rx, _ in _RECURRENCES))
# "ngân sách hằng năm", "nghiệp vụ hằng năm": the recurrence qualifies a noun, not a deadline.
_REC_OF_NOUN = re.compile(
    r"(ngan sach|du toan|kinh phi|nguon|nghiep vu|chuyen mon|chi tieu|ke hoach cong tac|"
    r"ke hoach|nhiem vu|thi dua|khen thuong|danh hieu|tap huan|boi duong|le hoi|su kien|"
    r"ket qua|dinh muc|luong|thu nhap|nhu cau|tang truong|binh quan|trung binh|so luong|ty le|"
    r"thong ke|lan|cong tac|hoat dong|tinh hinh|truyen thong|bao cao tong ket|nha nuoc)\s*,?\s*$"
)
_TARGET = re.compile(r"\s*[-+*]?\s*chi tieu\b[^:]{0,12}:")
_QUOTA = re.compile(r"\s*,?\s*(?:co|dat|phai co)\s+(?:it nhat|toi thieu|tren|tu)?\s*\d")
_DIGIT = re.compile(r"\d")
_CLAUSE_END = re.compile(rf"[;!?]\s+|\.\s+(?=[{_U}A-Z\d\-+(])|\n")
_AND_YEAR = re.compile(r"\bva\s+(nam)\b(?=\s*[(,])")
_WORTH_READING = re.compile(r"\d|hang|moi|tung|dinh ky|thuong nien")
_WEEKDAYS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5, "2": 0, "3": 1, "4": 2}
_WEEKDAYS.update({"5": 3, "6": 4, "7": 5})
_QUARTERS = {"I": 1, "II": 2, "III": 3, "IV": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def deadline(
    text: str,
    due: date | None = None,
    every: str | None = None,
    month: int | None = None,
    day: int | None = None,
    **extra: object,
) -> dict[str, object]:
    """One deadline in the SPEC §4 shape (extra keys: weekday, after)."""
    out: dict[str, object] = {
        "text": re.sub(r"\s+", " ", text).strip(" ,;.:()"),
        "due": due.isoformat() if due else None,
        "every": every,
        "month": month,
        "day": day,
    }
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


_CLAUSE_MAX = 2000


def _clauses(f: str) -> list[tuple[int, int]]:
    """Spans of the clauses of `f`; a clause longer than any real one (a list run together,
    junk) is cut at commas, so no clause is read in more than quadratic time of its own."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_END.finditer(f):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(f)))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > _CLAUSE_MAX:
            cut = f.rfind(", ", a + _CLAUSE_MAX // 2, a + _CLAUSE_MAX)
            cut = cut if cut > a else a + _CLAUSE_MAX
            out.append((a, cut))
            a = cut
        if b > a:
            out.append((a, b))
    return out


def _full(g: tuple[str | None, ...], i: int) -> date | None:
    for k in (i, i + 3):
        day, month, year = g[k], g[k + 1], g[k + 2]
        if day is not None and month is not None and year is not None:
            return make_date(year, month, day)
    return None


def _context_year(day: int, month: int, ctx: DateContext) -> date | None:
    if ctx.issued:
        when = make_date(ctx.issued.year, month, day)
        if when and when < ctx.issued - timedelta(days=31):
            when = make_date(ctx.issued.year + 1, month, day)
        return when
    if ctx.year:
        return make_date(ctx.year, month, day)
    return None


@dataclass
class _Hit:
    start: int
    end: int
    kind: str  # full | dm | rec | relative
    due: date | None = None
    every: str | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    after: dict[str, object] | None = None


class _Clause:
    def __init__(self, f: str, a: int, b: int) -> None:
        self.f, self.a, self.b = f, a, b
        self.hits: list[_Hit] = []

    def free(self, s: int, e: int) -> bool:
        return all(e <= h.start or s >= h.end for h in self.hits)

    def add(self, hit: _Hit) -> None:
        if self.free(hit.start, hit.end):
            self.hits.append(hit)

    def excluded(self, s: int) -> bool:
        return bool(_NOT_DEADLINE_BEFORE.search(self.f[max(self.a, s - 40) : s]))


def _scan(cl: _Clause, ctx: DateContext) -> None:
    f, a, b = cl.f, cl.a, cl.b
    seg = f[a:b]
    # Each pattern runs only on clauses holding the words it needs: most clauses hold no digit.
    if _DIGIT.search(seg):
        _scan_dates(cl, ctx, seg)
    if _ANY_RECURRENCE.search(f, a, b):
        _scan_recurrences(cl)


def _scan_dates(cl: _Clause, ctx: DateContext, seg: str) -> None:
    f, a, b = cl.f, cl.a, cl.b
    for m in _RELATIVE.finditer(f, a, b) if "ngay" in seg else ():
        days, working = int(m.group(1)), bool(m.group(2))
        source = "receipt" if m.group(3).lower() in ("nhan", "tiep nhan", "van ban") else "issue"
        start = ctx.issued if source == "issue" else ctx.received
        due = None
        if start is not None:
            due = add_working_days(start, days) if working else start + timedelta(days=days)
        after = {"days": days, "working": working, "from": source}
        cl.add(_Hit(m.start(), m.end(), "relative", due=due, after=after))
    ranged = "tu " in seg and ("den" in seg or "-" in seg or "–" in seg)
    for m in _RANGE_END.finditer(f, a, b) if ranged else ():
        if cl.excluded(m.start()):
            continue
        when = _full(m.groups(), 0)
        if when:
            cl.add(_Hit(m.start(), m.end(), "full", due=when))
    for m in _RANGE_END_DM.finditer(f, a, b) if ranged else ():
        if cl.excluded(m.start()):
            continue
        when = _context_year(int(m.group(1)), int(m.group(2)), ctx)
        if when:
            cl.add(_Hit(m.start(), m.end(), "full", due=when))
    for m in _DAY_REC.finditer(f, a, b) if "thang" in seg else ():
        day = int(m.group(1))
        if not 1 <= day <= 31 or not cl.free(m.start(), m.end()):
            continue
        which, next_q = (m.group(2) or "").lower(), m.group(3)
        tail = f[m.start() : m.end()].lower()
        if "quy" in tail:
            month = 1 if which.startswith("dau") or next_q else None
            if which.startswith("thu"):
                month = int(which.split()[-1])
            cl.add(_Hit(m.start(), m.end(), "rec", every="quarter", month=month, day=day))
        else:
            cl.add(_Hit(m.start(), m.end(), "rec", every="month", day=day))
    for m in _BARE_DAY.finditer(f, a, b) if "ngay" in seg else ():
        day = int(m.group(1))
        if 1 <= day <= 31 and cl.free(m.start(), m.end()):
            cl.add(_Hit(m.start(), m.end(), "d", day=day))
    for m in _DATE_AFTER_TRIG.finditer(f, a, b):
        if not cl.free(m.start(), m.end()) or cl.excluded(m.start()):
            continue
        g = m.groups()
        when = _full(g, 0)
        if when:
            cl.add(_Hit(m.start(), m.end(), "full", due=when))
            continue
        dd, mo = (g[6], g[7]) if g[6] else (g[8], g[9])
        if dd and mo and 1 <= int(mo) <= 12 and 1 <= int(dd) <= 31:
            cl.add(_Hit(m.start(), m.end(), "dm", month=int(mo), day=int(dd)))
    for lm in _LABEL.finditer(f, a, b) if ":" in seg else ():
        fm = _BARE_FULL.match(f, lm.end()) or _FILLED_FULL.match(f, lm.end())
        if fm and cl.free(fm.start(), fm.end()):
            when = _full(fm.groups(), 0)
            if when:
                cl.add(_Hit(lm.start(), fm.end(), "full", due=when))
    for m in _IN_MONTH.finditer(f, a, b) if "thang" in seg else ():
        mo, yr = int(m.group(2)), int(m.group(3))
        if not (1 <= mo <= 12 and 1900 <= yr <= 2200) or not cl.free(m.start(), m.end()):
            continue
        if m.group(1).lower() == "truoc":
            due = date(yr, mo, 1) - timedelta(days=1)
        else:
            due = month_end(yr, mo)
        cl.add(_Hit(m.start(), m.end(), "full", due=due))
    for m in _QUARTER.finditer(f, a, b) if "quy" in seg else ():
        q, yr = _QUARTERS[m.group(2).upper()], int(m.group(3))
        if not cl.free(m.start(), m.end()) or cl.excluded(m.start()):
            continue
        if m.group(1).lower() == "truoc":
            due = date(yr, 3 * q - 2, 1) - timedelta(days=1)
        else:
            due = month_end(yr, 3 * q)
        cl.add(_Hit(m.start(), m.end(), "full", due=due))
    for m in _TARGET_YEAR.finditer(f, a, b) if "nam" in seg else ():
        if cl.free(m.start(1) - 4, m.end()) and not re.search(
            r"dinh huong|tam nhin", f[max(a, m.start() - 30) : m.start(1)]
        ):
            cl.add(_Hit(m.start(), m.end(), "full", due=make_date(m.group(1), 12, 31)))
    for m in _IN_YEAR.finditer(f, a, b) if "nam" in seg else ():
        if not cl.free(m.start(), m.end()) or _OPEN_END.search(f[m.end() : m.end() + 30]):
            continue
        before = f[max(a, m.start() - 50) : m.start()].lower()
        labelled = f[m.start() : m.start() + 1] == ":"
        if labelled or re.search(r"hoan thanh|xong|ket thuc", before):
            last = m.group(2) or m.group(1)
            cl.add(_Hit(m.start(), m.end(), "full", due=make_date(last, 12, 31)))


def _scan_recurrences(cl: _Clause) -> None:
    f, a, b = cl.f, cl.a, cl.b
    # "Chỉ tiêu 3: … mỗi quý có ít nhất 04 tin, bài": a target's frequency, not a deadline.
    if _TARGET.match(f, a):
        return
    for rx, every in _RECURRENCES:
        for m in rx.finditer(f, a, b):
            if _QUOTA.match(f, m.end()):
                continue
            if not cl.free(m.start(), m.end()):
                continue
            if _REC_OF_NOUN.search(f[max(a, m.start() - 40) : m.start()]):
                continue
            weekday = None
            if every == "week":
                wm = re.search(_WEEKDAY, f[max(a, m.start() - 25) : m.end() + 25])
                if wm:
                    word = wm.group(0).lower().split()[-1]
                    weekday = 6 if "chu nhat" in wm.group(0).lower() else _WEEKDAYS.get(word)
            cl.add(_Hit(m.start(), m.end(), "rec", every=every, weekday=weekday))
    # "định kỳ 6 tháng (trước ngày 20/6) và năm (trước ngày 20/12)": "năm" keeps "định kỳ".
    if any(h.kind == "rec" and h.every in ("half_year", "quarter") for h in cl.hits):
        for m in _AND_YEAR.finditer(f, a, b):
            if cl.free(m.start(1), m.end(1)):
                cl.add(_Hit(m.start(1), m.end(1), "rec", every="year"))


def _pair(cl: _Clause, ctx: DateContext, text: str) -> list[tuple[int, dict[str, object]]]:
    hits = sorted(cl.hits, key=lambda h: h.start)
    recs = [h for h in hits if h.kind == "rec" and h.day is None and h.every != "week"]
    used: set[int] = set()
    out: list[tuple[int, dict[str, object]]] = []
    for h in hits:
        if h.kind == "d":
            monthly = [r for r in recs if id(r) not in used and r.every == "month"]
            rec = next((r for r in reversed(monthly) if r.end <= h.start), None)
            if rec is not None and _balanced(cl.f[rec.end : h.start]):
                used.add(id(rec))
                out.append((rec.start, deadline(text[rec.start : h.end], every="month", day=h.day)))
            continue
        if h.kind == "dm":
            rec = _recurrence_for(h, recs, used, cl.f)
            if rec is not None:
                used.add(id(rec))
                s, e = min(h.start, rec.start), max(h.end, rec.end)
                month = h.month if rec.every != "month" else None
                out.append((s, deadline(text[s:e], every=rec.every, month=month, day=h.day)))
                continue
            when = _context_year(h.day or 0, h.month or 0, ctx)
            if when:
                out.append((h.start, deadline(text[h.start : h.end], when)))
        elif h.kind in ("full", "relative") and (h.due or h.after):
            out.append((h.start, deadline(text[h.start : h.end], h.due, after=h.after)))
    for h in hits:
        if h.kind == "rec" and id(h) not in used:
            out.append(
                (
                    h.start,
                    deadline(
                        text[h.start : h.end], None, h.every, h.month, h.day, weekday=h.weekday
                    ),
                )
            )
    return out


def _recurrence_for(h: _Hit, recs: list[_Hit], used: set[int], f: str) -> _Hit | None:
    free = [r for r in recs if id(r) not in used and r.every in ("year", "half_year", "quarter")]
    # "định kỳ 6 tháng (trước 15/6)": the date in brackets belongs to the recurrence before it.
    before = [
        r
        for r in free
        if 0 <= h.start - r.end <= 40 and re.fullmatch(r"\s*\(\s*", f[r.end : h.start])
    ]
    if before:
        return before[-1]
    after = [r for r in free if 0 <= r.start - h.end <= 25 and ")" not in f[h.end : r.start]]
    if after:
        return after[0]
    # "Định kỳ hằng năm, các ngành … gửi về … trước ngày 10/11": one recurrence opens the
    # sentence and one date without a year closes it.
    earlier = [r for r in free if r.end <= h.start and _balanced(f[r.end : h.start])]
    return earlier[-1] if len(earlier) == 1 else None


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")")


def find_deadlines(text: str, ctx: DateContext | None = None) -> list[dict[str, object]]:
    """Deadlines stated in a piece of text, in order, without duplicates."""
    ctx = ctx or DateContext()
    text = " ".join(text.split())
    f = fold(text)
    low = lower_same(f)
    if not _WORTH_READING.search(low):
        return []
    found: list[tuple[int, dict[str, object]]] = []
    for a, b in _clauses(f):
        cl = _Clause(low, a, b)
        _scan(cl, ctx)
        found.extend(_pair(cl, ctx, text))
    out: list[dict[str, object]] = []
    seen: set[tuple[object, ...]] = set()
    for _, d in sorted(found, key=lambda x: x[0]):
        key = (d["due"], d["every"], d["month"], d["day"], d.get("weekday"), str(d.get("after")))
        if key not in seen:
            seen.add(key)
            out.append(d)
    # "hằng tháng, trước ngày 5 hằng tháng" is one schedule: the bare recurrence goes.
    detailed = {d["every"] for d in out if d["every"] and (d["day"] or d["month"])}
    return [d for d in out if not (d["every"] in detailed and not d["day"] and not d["month"])]
