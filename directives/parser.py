"""Reading a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP layout) into SPEC §4 JSON.

Pure functions. Patterns run on folded text (no diacritics, case kept) so that OCR and old/new tone
placement do not matter; values are sliced from the cleaned text so they keep their diacritics.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from directives.dates import DATE_RE, make_date, month_end
from directives.text import LOWER_CHARS, UPPER_CHARS, clean, fold, fold_key

T = TypeVar("T")

KINDS = {
    "CHI THI": "chi_thi",
    "CONG VAN": "cong_van",
    "KE HOACH": "ke_hoach",
    "HUONG DAN": "huong_dan",
    "THONG BAO": "thong_bao",
    "QUYET DINH": "quyet_dinh",
    "BAO CAO": "bao_cao",
}
OTHER_KINDS = (
    "NGHI QUYET",
    "TO TRINH",
    "CHUONG TRINH",
    "THONG TRI",
    "CONG DIEN",
    "GIAY MOI",
    "QUY CHE",
    "QUY DINH",
    "PHUONG AN",
    "DE AN",
    "BIEN BAN",
)
_KIND_ALT = "|".join([*KINDS, *OTHER_KINDS])
# Kind abbreviations of document numbers (Nghị định 30/2020/NĐ-CP, Phụ lục III).
CODE_KINDS = {
    "CT": "chi_thi",
    "KH": "ke_hoach",
    "HD": "huong_dan",
    "TB": "thong_bao",
    "QD": "quyet_dinh",
    "BC": "bao_cao",
    "CV": "cong_van",
}
CODE_OTHER = {
    "NQ",
    "QC",
    "QYD",
    "TC",
    "CTR",
    "PA",
    "DA",
    "BB",
    "TTR",
    "HD",
    "CD",
    "BGN",
    "GM",
    "GGT",
    "GUQ",
    "PC",
    "PB",
    "PL",
    "GNP",
    "GXN",
    "TT",
    "ND",
    "KL",
    "QDI",
}

LEVELS = r"THANH PHO|THI XA|THI TRAN|HUYEN|TINH|QUAN|XA|PHUONG|DAC KHU"
_LEVEL_RE = re.compile(rf"\b(?:{LEVELS})\b", re.I)
_HEAD_RE = re.compile(
    r"\b(?:UY BAN NHAN DAN|HOI DONG NHAN DAN|UBND|HDND|HOI DONG|UY BAN MAT TRAN|MAT TRAN|"
    r"VAN PHONG|SO|PHONG|BAN|TRUONG|CONG AN|DANG UY|TRUNG TAM|CHI CUC|TONG CUC|CUC|BO|"
    r"TINH UY|HUYEN UY|THANH UY|THI UY|DOAN|HOI|LIEN DOAN|BAN CHI HUY|TRAM|BENH VIEN|"
    r"KHO BAC|BAN QUAN LY)\b"
)
_ENTITY_START = re.compile(rf"^(?:{_HEAD_RE.pattern}|\b(?:{LEVELS})\b)")
_MOTTO_RE = re.compile(r"CONG HO?A XA HOI|DOC LAP\s*[-–]?\s*TU DO|HANH PHUC|^\s*[-_–=.]+\s*$", re.I)
SURNAMES = set(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "luong",
        "dinh",
        "truong",
        "lam",
        "mai",
        "dao",
        "cao",
        "ha",
        "ta",
        "to",
        "trinh",
        "doan",
        "lai",
        "vuong",
        "thai",
        "quach",
        "chau",
        "chu",
        "kieu",
        "khuc",
        "luc",
        "luu",
        "mac",
        "nong",
        "phung",
        "quan",
        "tang",
        "than",
        "tieu",
        "trieu",
        "tu",
        "vi",
        "lo",
        "hua",
        "giang",
        "kim",
        "khong",
        "dong",
        "dam",
        "au",
        "la",
        "diep",
        "cu",
        "hau",
        "ong",
        "bach",
        "che",
        "can",
        "doan",
        "han",
        "khuat",
        "la",
        "man",
        "nghiem",
        "ninh",
        "phi",
        "quang",
        "son",
        "thach",
        "tong",
        "vang",
        "lang",
        "lu",
        "hoa",
        "sam",
        "uong",
        "tieu",
        "y",
        "ksor",
        "nie",
        "rmah",
        "siu",
        "kpa",
    ]
)
_SIG_TITLE_RE = re.compile(
    r"^(?:(?:KT|TM|TL|TUQ|Q)\.\s*)?(?:PHO )?(?:CHU TICH|GIAM DOC|TRUONG BAN|TRUONG PHONG|"
    r"HIEU TRUONG|CHANH VAN PHONG|BI THU|TRUONG|UY BAN NHAN DAN|UBND|HOI DONG)\b"
)

_U, _L = UPPER_CHARS, LOWER_CHARS
_MOTTO_LINE = re.compile(r"(?i)cong ho?a xa hoi chu nghia")
_NUMBER_CODE = re.compile(r"(\d+[A-Za-z]*)((?:\s*[/\-–]\s*[A-Za-z0-9&]+(?:\.[A-Za-z0-9]+)*)*)")
_NOT_TASK_SECTION = re.compile(
    r"(?i)\s*(muc dich|yeu cau|can cu|dac diem|tinh hinh|ket qua|danh gia)"
)


@dataclass
class Line:
    text: str
    folded: str
    start: int


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
    }


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception:  # one field's failure must not lose the others
        return default


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _is_upper_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _name_case(text: str) -> str:
    return " ".join(_titlecase(w) if w.isupper() and len(w) > 1 else w for w in text.split())


def _titlecase(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def _is_abbrev(word: str) -> bool:
    f = fold(word).upper()
    core = re.sub(r"[^A-Z]", "", f)
    if not core:
        return False
    if len(core) <= 4 and not re.search(r"[AEIOUY]", core):
        return True
    return bool(re.search(r"[^AEIOUY]{3}", core.replace("NGH", "")))


def format_entity(raw: str) -> str:
    """'ỦY BAN NHÂN DÂN THỊ XÃ BỈM SƠN' → 'UBND thị xã Bỉm Sơn'."""
    text = _squash(raw).strip(" .,:;-")
    f = fold(text)
    m = re.match(r"(?i)uy ban nhan dan\b", f)
    if m:
        text, f = "UBND" + text[m.end() :], "UBND" + f[m.end() :]
    m = re.match(r"(?i)hoi dong nhan dan\b", f)
    if m:
        text, f = "HĐND" + text[m.end() :], "HDND" + f[m.end() :]
    words, fwords = text.split(" "), f.split(" ")
    out: list[str] = []
    after_level = False
    i = 0
    while i < len(words):
        two = " ".join(fwords[i : i + 2]).upper()
        one = fwords[i].upper()
        if not after_level and re.fullmatch(LEVELS, two) and i > 0:
            out.extend(w.lower() for w in words[i : i + 2])
            after_level, i = True, i + 2
            continue
        if not after_level and re.fullmatch(LEVELS, one) and i > 0:
            out.append(words[i].lower())
            after_level, i = True, i + 1
            continue
        w = words[i]
        if _is_abbrev(w) or not _is_upper_line(w):
            out.append(w)
        elif after_level or i == 0:
            out.append(_titlecase(w))
        else:
            out.append(w.lower())
        i += 1
    return " ".join(out)


class _Doc:
    def __init__(self, text: str) -> None:
        self.text = clean(text)
        self.folded = fold(self.text)
        self.lines: list[Line] = []
        pos = 0
        for raw, fraw in zip(self.text.split("\n"), self.folded.split("\n"), strict=True):
            self.lines.append(Line(raw, fraw, pos))
            pos += len(raw) + 1
        self.n = len(self.lines)
        self._zones()

    # ---- zones -------------------------------------------------------------------------
    def _first(self, pred: Callable[[Line], bool], lo: int = 0, hi: int | None = None) -> int:
        for i in range(lo, self.n if hi is None else min(hi, self.n)):
            if pred(self.lines[i]):
                return i
        return -1

    def _is_kind_line(self, ln: Line) -> str | None:
        s = ln.folded.strip(" #*:.-")
        m = re.match(rf"({_KIND_ALT})(?:\s|$)", s)
        if m and (s == m.group(1) or _is_upper_line(ln.text)):
            return m.group(1)
        if re.fullmatch(rf"(?i)({_KIND_ALT})", s):
            return s.upper()
        return None

    def _zones(self) -> None:
        lines = self.lines
        motto = self._first(lambda ln: bool(_MOTTO_LINE.search(ln.folded)))
        number = self._first(lambda ln: bool(re.match(r"\s*So\s*:", ln.folded)))
        greet = self._first(lambda ln: bool(re.match(r"(?i)\s*-?\s*kinh gui\b", ln.folded)))
        kind = self._first(lambda ln: self._is_kind_line(ln) is not None)
        anchors = [i for i in (motto, number, greet) if i >= 0]
        start = min(anchors) if anchors else max(kind, 0)
        # Issuer lines just above the first anchor belong to the document.
        j = start - 1
        steps = 0
        while j >= 0 and steps < 6:
            ln = lines[j]
            if not ln.text.strip():
                j -= 1
                continue
            if _is_upper_line(ln.text) and _ENTITY_START.match(ln.folded.strip().upper()):
                start = j
                j -= 1
                steps += 1
                continue
            break
        self.start = start
        self.greet = greet if greet >= start else -1
        self.kind_line = self._first(lambda ln: self._is_kind_line(ln) is not None, start)
        copies = self._first(lambda ln: bool(re.match(r"(?i)\s*noi nhan\b", ln.folded)), start)
        self.copies = copies
        self.body_end = copies if copies >= 0 else self.n

    # ---- header ------------------------------------------------------------------------
    def header_end(self) -> int:
        stops = [self.greet] if self.greet >= 0 else []
        first_task = self._first(
            lambda ln: bool(re.match(r"\s*(?:1|I)[.)]\s", ln.folded)), self.start
        )
        if first_task >= 0:
            stops.append(first_task)
        body = self._first(
            lambda ln: (
                bool(
                    re.match(r"(?i)\s*(can cu|thuc hien|nham|de\s|trong|thoi gian qua)", ln.folded)
                )
                and len(ln.text) > 40
            ),
            self.start,
        )
        if body >= 0:
            stops.append(body)
        end = min(stops) if stops else self.n
        return min(end, self.start + 40, self.n)

    def kind(self, number: str | None, subject_by_vv: bool) -> str:
        he = self.header_end()
        for i in range(self.start, max(he, self.kind_line + 1)):
            word = self._is_kind_line(self.lines[i])
            if word:
                return KINDS.get(word, "other")
        if number:
            code = fold(number).upper().split("/")
            if len(code) > 1:
                abbrev = re.split(r"[-–]", code[1])[0].strip()
                if abbrev in CODE_KINDS:
                    return CODE_KINDS[abbrev]
                if abbrev in CODE_OTHER:
                    return "other"
                if re.fullmatch(r"\d{4}", abbrev):
                    return "other"
                return "cong_van"
        if subject_by_vv or self.greet >= 0:
            return "cong_van"
        return "other"

    def number(self) -> str | None:
        for i in range(self.start, self.header_end()):
            ln = self.lines[i]
            m = re.match(r"\s*So\s*[:.]?\s*", ln.folded)
            if not m:
                continue
            rest_f = ln.folded[m.end() :]
            mm = _NUMBER_CODE.match(rest_f)
            if not mm:
                return None
            raw = ln.text[m.end() : m.end() + mm.end()]
            return re.sub(r"\s+", "", raw).strip(".-")
        return None

    _PLACE_DATE = re.compile(
        r"(?:^|(?<=\s))((?:TP|Tp|T\.P)?\.?\s*[A-Z][A-Za-z]*(?:[ .]+[A-Z][A-Za-z]*){0,4})?"
        r"\s*,\s*ngay\s+(?:(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})|"
        r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}))"
    )
    _DATE_ALONE = re.compile(
        r"^\s*(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})\s*\.?$", re.I
    )

    def place_date(self) -> tuple[str | None, date | None]:
        for i in range(self.start, self.header_end()):
            ln = self.lines[i]
            m = self._PLACE_DATE.search(ln.folded)
            if m and (m.start() < 5 or len(ln.text) < 90):
                g = m.groups()
                when = make_date(g[3], g[2], g[1]) if g[1] else make_date(g[6], g[5], g[4])
                place = None
                if m.group(1):
                    place = _squash(ln.text[m.start(1) : m.end(1)]).strip(" ,.")
                    if re.search(r"(?i)hanh phuc|viet nam", fold(place)):
                        place = None
                return place or None, when
            m2 = self._DATE_ALONE.match(ln.folded)
            if m2:
                return None, make_date(m2.group(3), m2.group(2), m2.group(1))
        return None, None

    def issuer_header(self) -> str | None:
        he = self.header_end()
        parts: list[str] = []
        for i in range(self.start, he):
            ln = self.lines[i]
            s = ln.text.strip()
            if not s:
                continue
            f = ln.folded.strip().upper()
            if re.match(r"SO\s*[:.]", f) or re.match(r"V\s*/\s*V\b", f) or "NGAY" in f:
                break
            if self._is_kind_line(ln) or re.match(r"(?i)kinh gui", f):
                break
            if _MOTTO_RE.search(ln.folded):
                continue
            if _is_upper_line(s) and len(s) < 120:
                parts.append(s)
        if not parts:
            return None
        entities: list[str] = []
        for part in parts:
            fpart = fold(part).upper()
            cuts = [0]
            for m in _HEAD_RE.finditer(fpart):
                if m.start() > 0 and _LEVEL_RE.search(fpart[cuts[-1] : m.start()]):
                    cuts.append(m.start())
            pieces = [part[a:b] for a, b in zip(cuts, [*cuts[1:], len(part)], strict=True)]
            for piece in pieces:
                fp = fold(piece).strip().upper()
                if entities and (re.match(rf"(?:{LEVELS})\b", fp) or not _HEAD_RE.match(fp)):
                    entities[-1] += " " + piece.strip()
                else:
                    entities.append(piece.strip())
        return format_entity(entities[-1]) if entities else None

    def issuer_body(self, place: str | None) -> str | None:
        f = self.folded
        named = re.compile(
            rf"(?i:uy ban nhan dan|ubnd)\s+(?i:({LEVELS}))\s+"
            rf"([A-Z][A-Za-z]*(?:[ \t]+[A-Z][A-Za-z]*){{0,3}})(?![A-Za-z])"
        )
        bare = re.compile(rf"(?i:uy ban nhan dan|ubnd)\s+(?i:({LEVELS}))\b(?!\s+[A-Z])")
        lo = self.lines[self.start].start if self.start < self.n else 0
        hi = self.lines[self.body_end].start if self.body_end < self.n else len(f)
        for m in named.finditer(f, lo, hi):
            before = f[max(0, m.start() - 30) : m.start()].lower()
            if re.search(r"\b(cua|voi|ve|cho|den|toi|gui|thuoc|tai)\s+(?:chu tich\s+)?$", before):
                continue
            name = _name_case(self.text[m.start(2) : m.end(2)])
            return f"UBND {self.text[m.start(1) : m.end(1)].lower()} {name}"
        for m in bare.finditer(f, lo, hi):
            before = f[max(0, m.start() - 30) : m.start()].lower()
            if re.search(r"\b(cua|voi|ve|cho|den|toi|gui|thuoc|tai)\s+(?:chu tich\s+)?$", before):
                continue
            flevel = fold(self.text[m.start(1) : m.end(1)]).lower()
            counts: Counter[str] = Counter()
            mention = re.compile(rf"(?i:\b{flevel})\s+([A-Z][a-z]*(?:\s+[A-Z][a-z]*){{0,3}})")
            for mm in mention.finditer(f, lo, hi):
                counts[_name_case(self.text[mm.start(1) : mm.end(1)])] += 1
            level_text = self.text[m.start(1) : m.end(1)].lower()
            if place and (not counts or fold_key(place) in {fold_key(k) for k in counts}):
                return f"UBND {level_text} {place}"
            if counts:
                return f"UBND {level_text} {counts.most_common(1)[0][0]}"
            return None
        return None

    def subject(self) -> tuple[str | None, bool]:
        he = max(self.header_end(), self.kind_line + 2)
        for i in range(self.start, min(he, self.n)):
            m = re.match(r"(?i)\s*(V\s*/\s*v|Ve viec)\b\s*[:.]?\s*", self.lines[i].folded)
            if m and (m.group(1).lower().startswith("v") and "/" in m.group(1)):
                first = self.lines[i].text[m.end() :]
                return self._continue_subject(first, i), True
        if self.kind_line >= 0:
            ln = self.lines[self.kind_line]
            word = self._is_kind_line(ln) or ""
            rest = ln.text[len(ln.text) - len(ln.folded.lstrip(" #*:.-")) + len(word) :].strip()
            if rest:
                return self._continue_subject(rest, self.kind_line), False
            for j in range(self.kind_line + 1, min(self.kind_line + 4, self.n)):
                t = self.lines[j].text.strip()
                if not t:
                    continue
                if self._subject_stop(self.lines[j]):
                    break
                return self._continue_subject(t, j), False
        return None, False

    @staticmethod
    def _subject_stop(ln: Line) -> bool:
        f = ln.folded.strip()
        return bool(
            re.match(
                r"(?i)(kinh gui|can cu|thuc hien|so\s*:|noi nhan|\d{1,2}[.)]\s|[IVX]+[.)]\s)", f
            )
            or re.search(r",\s*ngay\s+\d", f)
            or _MOTTO_RE.search(f)
        )

    def _continue_subject(self, first: str, i: int) -> str | None:
        out = [first.strip()]
        upper = _is_upper_line(first)
        for j in range(i + 1, min(i + 6, self.n)):
            ln = self.lines[j]
            t = ln.text.strip()
            if not t:
                continue
            if self._subject_stop(ln) or len(" ".join(out)) > 400:
                break
            if t[0] in _L or t[0].isdigit() or (upper and _is_upper_line(t) and len(t) < 150):
                out.append(t)
                continue
            break
        s = _squash(" ".join(out)).strip(" .;:-_")
        s = re.sub(r"\s*[-_]{3,}.*$", "", s)
        return s or None

    # ---- lists -------------------------------------------------------------------------
    _BULLET = re.compile(r"^\s*[-–—•+]\s*")

    def _items_after(self, idx: int, prefix_re: str, stop_on_plain: bool) -> list[str]:
        ln = self.lines[idx]
        m = re.match(prefix_re, ln.folded)
        rest = ln.text[m.end() :].strip() if m else ""
        items: list[str] = []
        if rest:
            items.extend(p for p in re.split(r";\s*(?=[-–•+]?\s*\S)", rest) if p.strip())
        seen_bullet = False
        for j in range(idx + 1, min(idx + 60, self.n)):
            t = self.lines[j].text.strip()
            if not t:
                continue
            if self._BULLET.match(t):
                seen_bullet = True
                items.append(self._BULLET.sub("", t, count=1))
                continue
            prev = items[-1].rstrip() if items else ""
            if items and t[0] in _L and not prev.endswith((";", ".")):
                items[-1] = prev + " " + t
                continue
            if not items and not seen_bullet and not stop_on_plain and len(t) < 200:
                items.append(t)
                continue
            break
        out = []
        for it in items:
            it = _squash(it)
            it = re.sub(r"\s*\.?\s*(?:\(?(?:[Đđ]ã ký|ký)\)?)$", "", it) if "ký" in it else it
            it = it.rstrip(" ;,")
            if it and not re.fullmatch(r"[-–.;,\s]*", it):
                out.append(it)
        return out

    def recipients(self) -> list[str]:
        if self.greet < 0:
            return []
        items = self._items_after(self.greet, r"(?i)\s*-?\s*kinh gui\s*:?\s*", stop_on_plain=False)
        out = []
        for it in items:
            fit = fold(it)
            m = re.search(
                rf"(?:\.\s+|\s+)(?=(?:Can cu|Thuc hien|De |Nham|Theo|Trong|Ngay)\b)"
                rf"|\.\s+(?=[{_U}])",
                fit,
            )
            if m:
                it = it[: m.start()]
            it = it.rstrip(" .;,")
            if it:
                out.append(it)
        return out[:30]

    def copies_to(self) -> list[str]:
        if self.copies < 0:
            return []
        items = self._items_after(self.copies, r"(?i)\s*noi nhan\s*:?\s*", stop_on_plain=True)
        return items[:40]

    # ---- signer ------------------------------------------------------------------------
    @staticmethod
    def _name_in(text: str, titled: bool) -> str | None:
        t = _squash(text)
        t = re.sub(r"(?i)^(?:người ký|ký bởi|ký tên)\s*:\s*", "", t)
        t = re.sub(r"(?i)[(\[]?\s*(?:đã ký|ký|đã ký và đóng dấu)[^)\]]*[)\]]?", " ", t)
        t = _squash(t).strip(" .,;:")
        f = fold(t)
        m = re.search(r"(?<![A-Za-z])((?:[A-Z][a-z]*)(?: [A-Z][a-z]*){1,4})$", f)
        if not m:
            return None
        head = f[: m.start()].strip()
        if head and not (_is_upper_line(t[: m.start()]) or head.endswith(")")):
            return None
        words = m.group(1).split(" ")
        if words[0].lower() in SURNAMES or (titled and not head and len(words) <= 4):
            name = t[m.start() : m.end()]
            if not _is_upper_line(name):
                return name
        return None

    def signer(self, search_from: int) -> tuple[str | None, int]:
        best: tuple[int, int, str] | None = None
        last_title = -10
        for i in range(max(search_from, self.start), self.n):
            ln = self.lines[i]
            t = ln.text.strip()
            if not t or self._BULLET.match(t):
                continue
            f = ln.folded.strip().upper()
            if len(t) < 80 and _SIG_TITLE_RE.match(f):
                last_title = i
                name = self._name_in(t, True)
                if name and fold(name).upper() != f:
                    cand = (2, i, name)
                    best = cand if best is None or cand[:2] >= best[:2] else best
                continue
            if len(t) > 60:
                continue
            titled = i - last_title <= 5
            name = self._name_in(t, titled)
            if name:
                cand = (2 if titled else 1, i, name)
                if best is None or cand[0] >= best[0]:
                    best = cand
        if best is None:
            return None, -1
        return best[2], best[1]

    # ---- tasks -------------------------------------------------------------------------
    _ARABIC = re.compile(r"^\s*(\d{1,2})\s?[.)](?!\d)\s*(?=\S)")
    _ROMAN = re.compile(r"^\s*(X{0,1}(?:IX|IV|V?I{0,3}))[.)]\s*(?=\S)")
    _LETTER = re.compile(r"^\s*([a-zđ])\s?[)]\s*(?=\S)|^\s*([a-zđ])\.\s+(?=[A-ZĐ" + _U + "])")

    def task_spans(self, lo: int, hi: int) -> list[tuple[str, int, int]]:
        """(ref, first line, end line) for each top-level numbered item in lines [lo, hi)."""
        romans: list[tuple[int, str, str]] = []
        arabics: list[tuple[int, int]] = []
        for i in range(lo, hi):
            ln = self.lines[i]
            t = ln.folded
            m = self._ROMAN.match(t)
            if m and m.group(1):
                romans.append((i, m.group(1), t[m.end() :]))
                continue
            m = self._ARABIC.match(t)
            if m:
                arabics.append((i, int(m.group(1))))
        skip_sections = [(i, name) for i, name, title in romans if _NOT_TASK_SECTION.match(title)]
        section_of: dict[int, str] = {}
        cur = ""
        r_idx = 0
        for i in range(lo, hi):
            if r_idx < len(romans) and romans[r_idx][0] == i:
                cur = romans[r_idx][1]
                r_idx += 1
            section_of[i] = cur
        skipped = {name for _, name in skip_sections}
        seq: list[tuple[int, int]] = []
        last = 0
        last_section: str | None = None
        for i, num in arabics:
            sec = section_of.get(i, "")
            if sec in skipped:
                continue
            if (
                (num == 1 and (not seq or sec != last_section))
                or (seq and sec == last_section and last < num <= last + 2)
                or (not seq and num == 1)
            ):
                seq.append((i, num))
            else:
                continue
            last, last_section = num, sec
        spans: list[tuple[str, int, int]] = []
        if seq:
            sections_used = {section_of.get(i, "") for i, _ in seq}
            composite = len(sections_used) > 1
            boundaries = sorted({i for i, _ in seq} | {i for i, _, _ in romans})
            for i, num in seq:
                nxt = [b for b in boundaries if b > i]
                end = nxt[0] if nxt else hi
                sec = section_of.get(i, "")
                ref = f"{sec}.{num}" if composite and sec else str(num)
                spans.append((ref, i, end))
            return spans
        if romans:
            kept = [(i, name) for i, name, _ in romans if name not in skipped]
            all_starts = sorted(i for i, _, _ in romans)
            for i, name in kept:
                nxt = [b for b in all_starts if b > i]
                spans.append((name, i, nxt[0] if nxt else hi))
            return spans
        letters = [
            (i, (m.group(1) or m.group(2)))
            for i in range(lo, hi)
            if (m := self._LETTER.match(self.lines[i].folded))
        ]
        if len(letters) >= 2 and letters[0][1] == "a":
            for k, (i, name) in enumerate(letters):
                end = letters[k + 1][0] if k + 1 < len(letters) else hi
                spans.append((name, i, end))
        return spans


# ---- deadlines -------------------------------------------------------------------------------
_REC_PATTERNS: list[tuple[str, str]] = [
    (r"\b(?:hang|moi|trong) nam,? theo (?:tung |moi )?thang\b", "month"),
    (r"\b(?:hang|moi|trong) nam,? theo (?:tung |moi )?quy\b", "quarter"),
    (
        r"\b(?:dinh ky|hang|moi|tung)\s+(?:06|6|sau)\s+thang\b|\b(?:06|6|sau) thang (?:mot|1) lan\b"
        r"|\bdinh ky nua nam\b",
        "half_year",
    ),
    (
        r"\b(?:hang|moi|tung) quy\b|\bdinh ky(?: hang)? quy\b|\btheo quy\b"
        r"(?!\s+(?:dinh|che|trinh|mo|hoach|pham|cach|luat|tac|doi|trach|uoc))"
        r"|\b(?:dinh ky|hang|moi) (?:03|3|ba) thang\b|\b(?:03|3|ba) thang (?:mot|1) lan\b",
        "quarter",
    ),
    (r"\b(?:hang|moi|tung) thang\b|\bdinh ky(?: hang)? thang\b|\btheo thang\b", "month"),
    (r"\b(?:hang|moi|tung) nam\b|\bdinh ky(?: hang)? nam\b", "year"),
]
_REC_RES = [(re.compile(p, re.I), e) for p, e in _REC_PATTERNS]
_TRIG = r"(?:truoc|cham nhat(?: la)?|han chot(?: la)?|han cuoi|khong muon hon|xong truoc|den)"
_TRIG_WORDS = ("truoc", "cham nhat", "han ", "khong muon", "den ")
_D_FULL = r"(\d{1,2})\s*[/.\-–]\s*(\d{1,2})\s*[/.\-–]\s*(\d{4})"
_D_WORDS = r"(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})"
_D_DM = r"(\d{1,2})\s*[/\-]\s*(\d{1,2})(?![\d/\-])(?:\s+(nam sau|nam toi|nam ke tiep))?"
_D_DAY = r"(\d{1,2})(?=\s+(?:hang|moi|cua|trong)\s+thang|\s+cua thang cuoi|\s+thang cuoi)"
_DEADLINE_DATE = re.compile(
    rf"\b{_TRIG}\s+(?:ngay\s+)?(?:{_D_FULL}|{_D_WORDS}|{_D_DM}|{_D_DAY})", re.I
)
_RANGE = re.compile(
    rf"\btu\s+ngay\s+(?:{_D_FULL}|{_D_WORDS})\s*(?:den|-|–)\s*(?:het\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})",
    re.I,
)
_TARGET_YEAR = re.compile(
    r"\b(?:phan dau|hoan thanh|dat chuan)\s+(?:den|toi|trong|truoc|den het|den cuoi|het)\s+"
    r"(?:nam\s+)?(\d{4})\b",
    re.I,
)
_IN_MONTH = re.compile(
    r"\b(trong|truoc|cham nhat(?: trong)?)\s+thang\s+(\d{1,2})\s*(?:/|\s+nam\s+)\s*(\d{4})\b", re.I
)


def _clauses(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in re.finditer(rf"[;!?]\s+|\.\s+(?=[{_U}\d\-+])|\n", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _deadline(
    text: str, due: date | None, every: str | None, month: int | None, day: int | None
) -> dict[str, object]:
    return {
        "text": _squash(text).strip(" ,;."),
        "due": due.isoformat() if due else None,
        "every": every,
        "month": month,
        "day": day,
    }


def _span_text(text: str, spans: list[tuple[int, int]]) -> str:
    a, b = min(s for s, _ in spans), max(e for _, e in spans)
    if b - a <= 110:
        return text[a:b]
    return " ... ".join(text[s:e] for s, e in sorted(spans))


def find_deadlines(text: str, issued: date | None) -> list[dict[str, object]]:
    """Deadlines stated in a task's text, in order, without duplicates."""
    text = _squash(text)
    f = fold(text)
    out: list[dict[str, object]] = []
    seen: set[tuple[object, ...]] = set()

    def add(d: dict[str, object]) -> None:
        key = (d["due"], d["every"], d["month"], d["day"])
        if key not in seen and (d["due"] or d["every"]):
            seen.add(key)
            out.append(d)

    low = f.lower()
    rec_res = [(rx, every) for rx, every in _REC_RES if rx.search(f)]
    use_range = "tu ngay" in low and bool(_RANGE.search(f))
    use_date = any(w in low for w in _TRIG_WORDS) and bool(_DEADLINE_DATE.search(f))
    use_target = bool(_TARGET_YEAR.search(f))
    use_month = "thang" in low and bool(_IN_MONTH.search(f))
    if not (rec_res or use_range or use_date or use_target or use_month):
        return []
    for a, b in _clauses(f):
        used: list[tuple[int, int]] = []

        def free(s: int, e: int, used: list[tuple[int, int]] = used) -> bool:
            return all(e <= us or s >= ue for us, ue in used)

        recs: list[tuple[int, int, str]] = []
        for rx, every in rec_res:
            for m in rx.finditer(f, a, b):
                if free(m.start(), m.end()):
                    used.append(m.span())
                    recs.append((m.start(), m.end(), every))
        dates: list[tuple[int, int, str, date | None, int | None, int | None]] = []
        for m in _RANGE.finditer(f, a, b) if use_range else ():
            g = m.groups()
            when = make_date(g[8], g[7], g[6]) if g[6] else make_date(g[11], g[10], g[9])
            used.append(m.span())
            dates.append((m.start(), m.end(), "full", when, None, None))
        for m in _DEADLINE_DATE.finditer(f, a, b) if use_date else ():
            if not free(m.start(), m.end()):
                continue
            g = m.groups()
            if g[0]:
                dates.append((m.start(), m.end(), "full", make_date(g[2], g[1], g[0]), None, None))
            elif g[3]:
                dates.append((m.start(), m.end(), "full", make_date(g[5], g[4], g[3]), None, None))
            elif g[6]:
                dd, mo = int(g[6]), int(g[7])
                if not (1 <= mo <= 12 and 1 <= dd <= 31):
                    continue
                if g[8] and issued:
                    dates.append(
                        (m.start(), m.end(), "full", make_date(issued.year + 1, mo, dd), None, None)
                    )
                elif g[8]:
                    continue
                else:
                    dates.append((m.start(), m.end(), "dm", None, mo, dd))
            elif g[9]:
                dd = int(g[9])
                if 1 <= dd <= 31:
                    dates.append((m.start(), m.end(), "d", None, None, dd))
            used.append(m.span())
        for m in _TARGET_YEAR.finditer(f, a, b) if use_target else ():
            if free(m.start(), m.end()):
                used.append(m.span())
                when = make_date(m.group(1), 12, 31)
                dates.append((m.start(), m.end(), "full", when, None, None))
        for m in _IN_MONTH.finditer(f, a, b) if use_month else ():
            if not free(m.start(), m.end()):
                continue
            mo, yr = int(m.group(2)), int(m.group(3))
            if not (1 <= mo <= 12 and 1900 <= yr <= 2200):
                continue
            used.append(m.span())
            if m.group(1).lower() == "truoc":
                month_due = date.fromordinal(date(yr, mo, 1).toordinal() - 1)
            else:
                month_due = month_end(yr, mo)
            dates.append((m.start(), m.end(), "full", month_due, None, None))

        items: list[tuple[int, dict[str, object]]] = []
        free_recs = list(recs)
        for s, e, kind, when, dmo, ddd in sorted(dates, key=lambda x: (x[0], x[1])):
            if kind == "full":
                if when:
                    items.append((s, _deadline(text[s:e], when, None, None, None)))
                continue
            wanted = ("month",) if kind == "d" else ("year", "half_year", "quarter")
            cands = [r for r in free_recs if r[2] in wanted]
            if cands:
                end = e
                r = min(cands, key=lambda rec: abs(rec[0] - end))
                free_recs.remove(r)
                items.append(
                    (
                        min(s, r[0]),
                        _deadline(_span_text(text, [(s, e), (r[0], r[1])]), None, r[2], dmo, ddd),
                    )
                )
            elif kind == "dm" and issued:
                when = make_date(issued.year, dmo or 0, ddd or 0)
                if when and when < issued:
                    when = make_date(issued.year + 1, dmo or 0, ddd or 0)
                if when:
                    items.append((s, _deadline(text[s:e], when, None, None, None)))
        for s, e, every in free_recs:
            items.append((s, _deadline(text[s:e], None, every, None, None)))
        for _, d in sorted(items, key=lambda x: x[0]):
            add(d)
    # "hằng tháng, trước ngày 5 hằng tháng" is one schedule: the bare recurrence goes.
    detailed = {d["every"] for d in out if d["every"] and (d["day"] or d["month"])}
    return [d for d in out if not (d["every"] in detailed and not d["day"] and not d["month"])]


# ---- assignees ---------------------------------------------------------------------------
_VERBS = [
    v.split(" ")
    for v in (
        "chu tri",
        "phoi hop",
        "huong dan",
        "theo doi",
        "don doc",
        "tham muu",
        "thuc hien",
        "trien khai",
        "to chuc",
        "xay dung",
        "co ke hoach",
        "co trach nhiem",
        "chiu trach nhiem",
        "can cu",
        "day manh",
        "tang cuong",
        "kiem tra",
        "tong hop",
        "bao cao",
        "ra soat",
        "phu trach",
        "quan triet",
        "tuyen truyen",
        "lua chon",
        "chi dao",
        "giup",
        "nghien cuu",
        "de xuat",
        "tiep tuc",
        "can",
        "phai",
        "khan truong",
        "chu dong",
        "quan tam",
        "hoan thanh",
        "gui",
        "lap",
        "phat dong",
        "van dong",
        "cap nhat",
        "bo tri",
        "dam bao",
        "dang tai",
        "mo",
        "duy tri",
        "phan cong",
        "huong ung",
        "nam",
        "thong bao",
        "tiep nhan",
        "tham dinh",
        "giam sat",
        "xet",
        "binh xet",
        "de nghi",
        "cung cap",
        "ho tro",
        "nang cao",
        "chuan bi",
        "dieu tra",
        "thong ke",
        "phat hien",
        "cu",
        "dang ky",
        "ban hanh",
        "soan thao",
        "lam",
        "la",
        "se",
        "duoc",
        "thuong xuyen",
        "kip thoi",
        "sap xep",
        "tap trung",
        "rut kinh nghiem",
    )
]
_NOUN_BEFORE = {"cac", "nhung", "cua", "cho", "va", "ve", "voi", "tai", "viec", "cong"}
_UNIT_HEAD = re.compile(
    r"(?i:uy ban|ubnd|ubmttq|mttq|hoi dong|thuong truc|van phong|cong an|trung tam|hieu truong|"
    r"pho hieu truong|truong thon|truong ban|truong phong|truong tram|truong khu|truong ap|"
    r"truong ban|cong chuc|chu tich|pho chu tich|bi thu|giam doc|thu truong|lanh dao|"
    r"doan thanh nien|chi doan|ban chi huy|mat tran|dang uy|chi bo|bo phan|can bo|"
    r"to truong|cum truong|khoi truong)\b"
    r"|(?:Phong|Ph[oi]ng|So|Ban|Dai|Tram|Truong|Hoi|To|Doan|Bao|Cong thong tin|Chi cuc|Cuc|"
    r"Ban)\s+(?=[A-Z])"
)
_BAD_START = re.compile(r"(?i)(cac|tung|moi|toan the|nhung|tat ca|toan|co quan|don vi)\b")


def _unit_prefix(text: str) -> str | None:
    words = text.split(" ")
    fwords = fold(text).split(" ")
    for i in range(min(len(words), 24)):
        w = words[i]
        if i > 0 and w[:1] in _L:
            lw = [x.lower().strip(",.;:") for x in fwords[i : i + 3]]
            prev = fwords[i - 1].lower().strip(",")
            for verb in _VERBS:
                if lw[: len(verb)] == verb and prev not in _NOUN_BEFORE:
                    unit = " ".join(words[:i]).strip(" ,;:-")
                    return unit or None
        if w.endswith(":") and i < 20:
            return " ".join(words[: i + 1]).strip(" ,;:-") or None
    return None


def find_assignees(sentences: list[str]) -> list[str]:
    out: list[str] = []
    keys: set[str] = set()
    for s in sentences:
        s = _squash(s).lstrip("-–+•* ").strip()
        if not s:
            continue
        f = fold(s)
        m = re.match(
            r"(?i)(?:giao\s+(?:cho\s+|nhiem vu cho\s+)?|de nghi\s+|yeu cau\s+|phan cong\s+)", f
        )
        unit: str | None = None
        if m:
            rest = s[m.end() :]
            if rest[:1] in _U and not _BAD_START.match(fold(rest)):
                unit = _unit_prefix(rest)
        elif _UNIT_HEAD.match(f) and not _BAD_START.match(f):
            unit = _unit_prefix(s)
        if not unit or len(unit) > 160 or unit[:1] not in _U:
            continue
        key = fold_key(unit)
        if key not in keys:
            keys.add(key)
            out.append(unit)
    return out


# ---- references, movements, events ----------------------------------------------------------
_DOC_KINDS = (
    r"Chi thi|Cong van|Ke hoach|Huong dan|Thong bao|Quyet dinh|Bao cao|Nghi quyet|Nghi dinh|"
    r"Thong tu lien tich|Thong tu|Thong tri|Luat|Phap lenh|Quy dinh|Ket luan|To trinh|"
    r"Chuong trinh|Cong dien|Van ban|Quy che|Phuong an|De an"
)
_NUM = r"\d+[A-Za-z]*(?:\s*[/\-–]\s*[A-Za-z0-9&]+)*"
_REF_RE = re.compile(
    rf"\b(?i:({_DOC_KINDS}))\s+(?:(?i:so)\s*:?\s*({_NUM})|(\d+[A-Za-z]*\s*/\s*[A-Za-z0-9&/\-–]+))"
    rf"(?:\s*,?\s*(?i:ngay)\s+({DATE_RE.pattern}))?"
)


def find_references(doc: _Doc, lo: int, hi: int, own_number: str | None) -> list[str]:
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    own = re.sub(r"\W", "", fold(own_number or "").lower())
    t, f = doc.text, doc.folded
    for m in _REF_RE.finditer(f, lo, hi):
        kind_s, kind_e = m.span(1)
        num_span = m.span(2) if m.group(2) else m.span(3)
        number = re.sub(r"\s+", "", t[num_span[0] : num_span[1]]).strip(".-–")
        if not re.search(r"\d", number):
            continue
        nkey = re.sub(r"\W", "", fold(number).lower())
        if own and nkey == own:
            continue
        key = (fold(t[kind_s:kind_e]).lower(), nkey)
        if key in seen:
            continue
        seen.add(key)
        kind = t[kind_s:kind_e]
        kind = kind[:1].upper() + kind[1:]
        ref = f"{kind} số {number}"
        if m.group(4):
            ref += " ngày " + _squash(t[m.start(4) : m.end(4)])
        out.append(ref)
    return out


_QUOTE_RE = re.compile(
    r"[“«]([^“”«»]{3,250}?)[”»\"]"
    r"|(?<![\w\"])\"(?=\w)((?:(?!\n\s*\n)[^\"“”]){3,250}?)[\"”](?!\w)"
)
_NOT_MOVEMENT_BEFORE = re.compile(
    r"(?i)(danh hieu|hinh thuc|bang khen|giay khen|cum tu|chuyen muc|chuyen trang|ten goi|"
    r"ky hieu|muc|tieu de|khau hieu|giai thuong|huy hieu|huan chuong|ky niem chuong)\s*$"
)


def find_movements(doc: _Doc, lo: int, hi: int) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    t, f = doc.text, doc.folded
    rejected_end = -1
    for m in _QUOTE_RE.finditer(t, lo, hi):
        g = 1 if m.group(1) is not None else 2
        s, e = m.span(g)
        inner = _squash(t[s:e]).strip(" .,;:")
        if not inner or (inner[0] not in _U and not inner[0].isdigit()):
            continue
        words = inner.split(" ")
        if not 2 <= len(words) <= 35:
            continue
        before = f[max(0, s - 40) : s - 1]
        gap = f[rejected_end : s - 1] if rejected_end >= 0 else "x"
        chained = re.fullmatch(r"\s*(?:,|va|hoac)?\s*", gap)
        if _NOT_MOVEMENT_BEFORE.search(before.rstrip(' “"«:')) or chained:
            rejected_end = m.end()
            continue
        if re.match(r"(?i)ve\s", fold(inner)):
            continue
        key = fold_key(inner)
        if key in seen:
            continue
        seen.add(key)
        out.append(inner)
    return out


_ANNIV = re.compile(
    rf"((?:ky niem\s+)?(\d{{1,4}})\s+nam\s+[^()]{{3,160}}?)\s*\(\s*(?:tu\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})\s*[-–—]\s*(?:ngay\s+)?(?:{_D_FULL}|{_D_WORDS})\s*\)",
    re.I,
)
_CONGRESS = re.compile(
    rf"(Dai hoi[^.;,()]{{3,140}}?)\s*(?:\(\s*|,?\s*(?:du kien\s+)?(?:se\s+)?(?:duoc\s+)?"
    rf"(?:to chuc|dien ra|khai mac|hop)\s*(?:vao|trong|tu)?\s*)(?:cac\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})",
)


def find_events(doc: _Doc, lo: int, hi: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    t, f = doc.text, doc.folded
    for m in _ANNIV.finditer(f, lo, hi):
        g = m.groups()
        start = make_date(g[4], g[3], g[2]) if g[2] else make_date(g[7], g[6], g[5])
        end = make_date(g[10], g[9], g[8]) if g[8] else make_date(g[13], g[12], g[11])
        if not start or not end or end.year - start.year != int(g[1]):
            continue
        text_start = m.start(1)
        inner = f[m.start(1) : m.end(1)]
        k = inner.lower().rfind("ky niem ")
        if k > 0:
            text_start += k
        iso = end.isoformat()
        if iso not in seen:
            seen.add(iso)
            out.append({"text": _squash(t[text_start : m.end(1)]), "date": iso})
    for m in _CONGRESS.finditer(f, lo, hi):
        g = m.groups()
        when = make_date(g[3], g[2], g[1]) if g[1] else make_date(g[6], g[5], g[4])
        if when is None:
            continue
        iso = when.isoformat()
        if iso not in seen:
            seen.add(iso)
            out.append({"text": _squash(t[m.start(1) : m.end(1)]), "date": iso})
    return out


# ---- tasks assembly --------------------------------------------------------------------------
_CLOSING = re.compile(
    r"(?i)\s*(tren day|nhan duoc|yeu cau|de nghi|uy ban nhan dan|ubnd|chu tich|de thuc hien|"
    r"trong qua trinh|qua trinh thuc hien|noi nhan)\b"
)


def _task(
    doc: _Doc, ref: str, a: int, b: int, last: bool, issued: date | None, arabic_subs: bool
) -> dict[str, object]:
    lines = doc.lines[a:b]
    marker_re = re.compile(r"^\s*(?:[#*]+\s*)?(?:\d{1,2}|[IVX]{1,5}|[a-zđ])\s?[.)]\s*")
    lead = marker_re.sub("", lines[0].text, count=1) if lines else ""
    paras: list[tuple[str, str]] = [("lead", lead)]
    for ln in lines[1:]:
        t = ln.text.strip()
        if not t:
            continue
        if (
            doc._LETTER.match(ln.folded)
            or re.match(r"^\s*\d{1,2}\.\d", ln.folded)
            or (arabic_subs and doc._ARABIC.match(ln.folded))
        ):
            paras.append(("sub", t))
        elif doc._BULLET.match(t):
            paras.append(("bullet", t))
        else:
            prev_kind, prev = paras[-1]
            if prev.rstrip().endswith((".", ":", ";", "!", "?", "./.")) or (
                t[0] in _U and (prev_kind == "lead" and len(prev) > 150)
            ):
                paras.append(("plain" if prev_kind in ("lead", "plain") else prev_kind + "+", t))
            else:
                paras[-1] = (prev_kind, prev + " " + t)
    if last:
        for k in range(1, len(paras)):
            kind, t = paras[k]
            if kind not in ("lead", "bullet", "sub") and _CLOSING.match(fold(t)):
                paras = paras[:k]
                break
    full = " ".join(t for _, t in paras)
    sentences: list[str] = []
    for kind, t in paras:
        if kind == "sub" or (kind.endswith("+") and kind.startswith("sub")):
            break
        parts = re.split(rf"(?<=[.!?])\s+(?=[{_U}])", _squash(t))
        sentences.extend(parts)
    return {
        "ref": ref,
        "text": _squash(full),
        "assignees": find_assignees(sentences),
        "deadlines": find_deadlines(full, issued),
    }


def _parse(text: str) -> dict[str, object]:
    result = empty_result()
    doc = _Doc(text)
    if not doc.text.strip():
        return result
    number = _safe(doc.number, None)
    no_subject: tuple[str | None, bool] = (None, False)
    subject, by_vv = _safe(doc.subject, no_subject)
    no_place: tuple[str | None, date | None] = (None, None)
    place, issued = _safe(doc.place_date, no_place)
    result["number"] = number
    result["subject"] = subject
    result["place"] = place
    result["issued_on"] = issued.isoformat() if issued else None
    result["kind"] = _safe(lambda: doc.kind(number, by_vv), "other")
    issuer: str | None = _safe(doc.issuer_header, None)
    if not issuer:
        issuer = _safe(lambda: doc.issuer_body(place), None)
    result["issuer"] = issuer
    no_strs: list[str] = []
    result["recipients"] = _safe(doc.recipients, no_strs)
    result["copies_to"] = _safe(doc.copies_to, no_strs)

    lo_line = max(doc.greet, doc.start)
    hi_line = doc.body_end
    sig_line = doc._first(
        lambda ln: bool(re.match(r"\s*(?:KT|TM|TL|TUQ)\.\s", ln.folded)), lo_line, hi_line
    )
    if sig_line >= 0:
        hi_line = sig_line
    no_spans: list[tuple[str, int, int]] = []
    spans = _safe(lambda: doc.task_spans(lo_line, hi_line), no_spans)
    tasks: list[dict[str, object]] = []
    for k, (ref, a, b) in enumerate(spans):
        arabic_subs = not ref[:1].isdigit() and "." not in ref and ref[:1] in "IVX"
        try:
            tasks.append(_task(doc, ref, a, b, k == len(spans) - 1, issued, arabic_subs))
        except Exception:  # one odd item must not lose the others
            continue
    result["tasks"] = tasks

    search_from = spans[-1][1] if spans else doc.start + (doc.n - doc.start) // 2
    no_signer: tuple[str | None, int] = (None, -1)
    signer, _sig_at = _safe(lambda: doc.signer(search_from), no_signer)
    result["signer"] = signer

    lo = doc.lines[doc.start].start if doc.start < doc.n else 0
    hi = doc.lines[doc.body_end].start if doc.body_end < doc.n else len(doc.text)
    no_events: list[dict[str, object]] = []
    result["references"] = _safe(lambda: find_references(doc, lo, hi, number), no_strs)
    result["movements"] = _safe(lambda: find_movements(doc, lo, hi), no_strs)
    result["events"] = _safe(lambda: find_events(doc, lo, hi), no_events)
    return result


def parse_text(text: str) -> dict[str, object]:
    """The SPEC §4 object for a directive's text.

    Never raises: any input (empty, binary junk, a megabyte of text) gives at worst the empty
    shape, with `kind` "other" and every other value null or [].
    """
    try:
        if not isinstance(text, str):
            return empty_result()
        return _parse(text)
    except Exception:
        return empty_result()
