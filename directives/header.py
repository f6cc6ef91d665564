"""The header block (Nghị định 30/2020/NĐ-CP): cơ quan ban hành, số và ký hiệu, địa danh và ngày,
tên loại và trích yếu; Kính gửi; Nơi nhận; the signature block.

Patterns run on folded text (no diacritics, case kept); values are sliced from the cleaned text.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import ClassVar

from directives.dates import make_date
from directives.document import Document, Line
from directives.document import is_upper as _is_upper_line
from directives.document import squash as _squash
from directives.structure import GREETING, Layout
from directives.structure import is_kind_line as _kind_line_of
from directives.text import LOWER_CHARS, UPPER_CHARS, fold, fold_key

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
KIND_ALT = "|".join([*KINDS, *OTHER_KINDS])
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
_LEVEL_RE = re.compile(rf"\b(?:{LEVELS}|TRUNG UONG)\b", re.I)
_HEAD_RE = re.compile(
    r"\b(?:UY BAN NHAN DAN|HOI DONG NHAN DAN|UBND|HDND|HOI DONG|UY BAN MAT TRAN|MAT TRAN|"
    r"VAN PHONG|SO|PHONG|TIEU BAN|BAN|TRUONG|CONG AN|DANG UY|TRUNG TAM|CHI CUC|TONG CUC|CUC|BO|"
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
# The line naming who decides, between a decision's subject and its "Căn cứ" (Nghị định 30/2020,
# Phụ lục I): "THỦ TƯỚNG CHÍNH PHỦ", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "BỘ TRƯỞNG BỘ …".
_AUTHORITY_LINE = re.compile(
    r"^(?:THU TUONG|CHU TICH|BO TRUONG|GIAM DOC|TRUONG BAN|UY BAN NHAN DAN|HOI DONG|"
    r"BAN THUONG TRUC|BAN THUONG VU|HIEU TRUONG|CHANH VAN PHONG)\b"
)
_MOTTO_LINE = re.compile(r"(?i)cong ho?a xa hoi chu nghia")
# The standing organs of the body named above them in a header ("ỦY BAN MTTQ VIỆT NAM PHƯỜNG X /
# BAN THƯỜNG TRỰC" is the Ban Thường trực of that committee).
# The national motto and the Party's line, on the folded text, however broken over lines.
_NATIONAL_LINE = re.compile(
    r"(?i)CONG\s+HO?A\s+XA\s+HOI\s+CHU\s+NGHIA(?:\s+VIET\s+NAM)?"
    r"|DANG\s+CONG\s+SAN\s+VIET\s+NAM"
    r"|DOC\s+LAP\s*[-–—]*\s*TU\s+DO\s*[-–—]*\s*HANH\s+PHUC"
)
_NATIONAL_WORDS = re.compile(r"\bCHU NGHIA\b|\bDOC LAP\b|\bHANH PHUC\b|\bCONG SAN\b|^VIET NAM$")
_STANDING_ORGAN = re.compile(
    r"(?:BAN THUONG TRUC|THUONG TRUC|BAN THUONG VU|BAN CHAP HANH|DANG DOAN|BAN CAN SU)\s*$"
)
_NUMBER_CODE = re.compile(r"(\d+[A-Za-z]*)((?:\s*[/\-–]\s*[A-Za-z0-9&]+(?:\.[A-Za-z0-9]+)*)*)")


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
    # "BỘ NỘI VỤ" → "Bộ Nội vụ": the name after a body's kind starts with a capital.
    head = re.match(r"(?i)(?:tong cuc|chi cuc|van phong|trung tam|bo|so|cuc|ban|phong)\b", f)
    if head and not after_level:
        k = len(head.group(0).split())
        if len(out) > k and out[k].islower():
            out[k] = out[k][:1].upper() + out[k][1:]
    school = _SCHOOL.match(fold(text))
    if school:  # "TRƯỜNG THCS NGUYỄN DU" → "Trường THCS Nguyễn Du": a school bears a name
        k = len(school.group(0).split())
        tail = [w if _is_abbrev(w) else _titlecase(w) for w in words[k:]]
        level = [w if _is_abbrev(w) else w.lower() for w in words[1:k]]
        if level and not _is_abbrev(level[0]):
            level[0] = _titlecase(level[0])
        out = ["Trường", *level, *tail]
    return re.sub(
        r"(?i)\bvi[eệ]t nam\b", lambda m: _titlecase(m.group(0).split()[0]) + " Nam", " ".join(out)
    )


# A school's name: its level, then a proper name ("Trường Tiểu học Lam Sơn").
_SCHOOL = re.compile(
    r"(?i)truong\s+(?:mam non|mau giao|tieu hoc|trung hoc co so|trung hoc pho thong|"
    r"pho thong dan toc noi tru|pho thong dan toc ban tru|thcs|thpt|th|mn|ptdtnt|ptdtbt|"
    r"trung cap|cao dang|dai hoc|lien cap|tieu hoc va trung hoc co so|th va thcs|th&thcs)\b"
)


class Header:
    """Reads the header fields of one document, given its layout."""

    def __init__(self, doc: Document, lay: Layout) -> None:
        self.doc = doc
        self.lines = doc.lines
        self.n = doc.n
        self.start = lay.start
        self.greet = lay.greet
        self.kind_line = lay.kind_line
        self.copies = lay.copies
        self.body_end = lay.copies if lay.copies >= 0 else doc.n
        self.text = doc.text
        self.folded = doc.folded
        self._header_end: int | None = None

    def _first(self, pred, lo: int = 0, hi: int | None = None) -> int:  # type: ignore[no-untyped-def]
        return self.doc.first(pred, lo, hi)

    def _is_kind_line(self, ln: Line) -> str | None:
        return _kind_line_of(ln, KIND_ALT)

    _FIRST_ITEM = re.compile(r"\s*(?:1|I)[.)]\s")
    _BODY_OPENS = re.compile(r"(?i)\s*(can cu|thuc hien|nham|de\s|trong|thoi gian qua)")

    def header_end(self) -> int:
        """The line the header ends before: "Kính gửi", the first item or the first paragraph
        of the body, at most 40 lines after the start."""
        if self._header_end is not None:
            return self._header_end
        hi = self.start + 41
        stops = [self.greet] if self.greet >= 0 else []
        first_task = self.doc.find(self._FIRST_ITEM, self.start, hi)
        if first_task >= 0:
            stops.append(first_task)
        body = self._first(
            lambda ln: bool(self._BODY_OPENS.match(ln.folded)) and len(ln.text) > 40,
            self.start,
            hi,
        )
        if body >= 0:
            stops.append(body)
        end = min(stops) if stops else self.n
        self._header_end = min(end, self.start + 40, self.n)
        return self._header_end

    def kind(self, number: str | None, subject_by_vv: bool) -> str:
        he = self.header_end()
        first = self.kind_line if self.kind_line >= 0 else self.start
        for i in range(first, max(he, self.kind_line + 1)):
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
            text, at = ln.text, m.end()
            if not ln.folded[at:].strip(" |*_"):
                # "Số:" alone, the number on the next line with text (a PDF's table cell).
                nxt = next((x for x in self.lines[i + 1 : i + 4] if x.text.strip(" |*_")), None)
                if nxt is None:
                    return None
                text, at = nxt.text, len(nxt.text) - len(nxt.text.lstrip(" |*_"))
            mm = _NUMBER_CODE.match(fold(text[at:]))
            if not mm:
                return None
            raw = text[at : at + mm.end()]
            return re.sub(r"\s+", "", raw).strip(".-")
        return None

    _PLACE_DATE = re.compile(
        r"(?<![A-Za-z0-9/\-])((?:(?:TP|Tp|T\.P)\.?\s*)?[A-Z][a-z]*"
        r"(?:[ .]+(?:[A-Z][a-z]*|pho|xa|tran))"
        r"{0,5})?\s*,\s*ngay\s+(?:(\d{1,2})\s+thang\s+(\d{1,2})\s*,?\s+nam\s+(\d{4})|"
        r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}))"
    )
    # A draft leaves the day blank ("Bắc Cam Ranh, ngày    tháng 11 năm 2025"): the place stands.
    _PLACE_BLANK_DAY = re.compile(
        r"(?<![A-Za-z0-9/\-])([A-Z][a-z]*(?:[ .]+(?:[A-Z][a-z]*|pho|xa|tran)){0,5})\s*,\s*"
        r"ngay\s*[ ._…]*\s+thang\b"
    )
    _DATE_ALONE = re.compile(r"(?:^|\s)ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})", re.I)
    _META_DATE = re.compile(r"(?i)ngay ban hanh\s*:?\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")

    def _joined(self, lo: int, hi: int) -> tuple[str, str]:
        """Lines [lo, hi) as one line (a header split over lines or table cells)."""
        texts = [ln.text.strip(" |") for ln in self.lines[lo:hi]]
        text = " ".join(t for t in texts if t)
        return text, fold(text)

    def place_date(self) -> tuple[str | None, date | None]:
        hi = max(self.header_end(), self.kind_line if self.kind_line >= 0 else 0)
        text, f = self._joined(self.start, min(hi + 1, self.n))
        m = self._PLACE_DATE.search(f)
        if m:
            g = m.groups()
            when = make_date(g[3], g[2], g[1]) if g[1] else make_date(g[6], g[5], g[4])
            place = None
            if m.group(1):
                place = _squash(text[m.start(1) : m.end(1)]).strip(" ,.")
                if re.search(r"(?i)hanh phuc|viet nam|^(?:so|ngay)$", fold(place)):
                    place = None
            if when:
                return place or None, when
        m2 = self._DATE_ALONE.search(f)
        if m2:
            return None, make_date(m2.group(3), m2.group(2), m2.group(1))
        mb = self._PLACE_BLANK_DAY.search(f)
        if mb and not re.search(r"(?i)hanh phuc|viet nam", mb.group(1)):
            return _squash(text[mb.start(1) : mb.end(1)]), None
        m3 = self._META_DATE.search(self.folded[: self.lines[self.start].start + 1])
        if m3:
            return None, make_date(m3.group(3), m3.group(2), m3.group(1))
        return None, None

    _MOTTO_PART = re.compile(
        r"^(?:CONG HO?A|(?:XA )?HOI CHU NGHIA|CHU NGHIA VIET NAM|DANG CONG SAN|VIET NAM$|DOC LAP|"
        r"TU DO|HANH PHUC)"
    )

    def _header_parts(self) -> list[str]:
        """The header's upper-case pieces before its number, the national motto cut out
        wherever it stands (its own lines, broken over several, or beside the issuer's name
        on the rows of a two-column header read row by row)."""
        lines: list[str] = []
        for i in range(self.start, self.header_end()):
            ln = self.lines[i]
            s = ln.text.strip(" |*_")
            if not s:
                continue
            f = fold(s).strip().upper()
            if re.match(r"SO\s*(?::|[.]?\s*\d|$)", f) or re.match(r"V\s*/\s*V\b", f) or "NGAY" in f:
                break
            kind_here = i == self.kind_line or (self.kind_line < 0 and self._is_kind_line(ln))
            if kind_here or GREETING.match(fold(s)):
                break
            lines.append(s)
        joined = "\n".join(lines)
        cuts = [m.span() for m in _NATIONAL_LINE.finditer(fold(joined))]
        for a, b in reversed(cuts):
            joined = joined[:a] + "\n" + joined[b:]
        parts: list[str] = []
        for piece in joined.split("\n"):
            s = piece.strip(" |*_-–")
            f = fold(s).strip().upper()
            if not s or _MOTTO_RE.search(f) or self._MOTTO_PART.match(f):
                continue
            if _is_upper_line(s) and len(s) < 160 and not re.fullmatch(r"[-_=.*\s]+", s):
                parts.append(s)
        return parts

    def issuer_header(self) -> str | None:
        issuer = self._issuer_of(self._header_parts())
        if issuer and _NATIONAL_WORDS.search(fold(issuer).upper()):
            return None  # what is left of a motto is nobody's name
        return issuer

    def _issuer_of(self, parts: list[str]) -> str | None:
        if not parts:
            return None
        part = " ".join(parts)
        fpart = fold(part).upper()
        # A header line opening with a body's kind names another body (the managing one
        # above, the issuing one below: "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO / TRƯỜNG THCS NGUYỄN DU").
        line_starts: set[int] = set()
        pos = 0
        for p in parts:
            line_starts.add(pos)
            pos += len(p) + 1
        cuts = [0]
        for m in _HEAD_RE.finditer(fpart):
            if m.start() > 0 and (
                _LEVEL_RE.search(fpart[cuts[-1] : m.start()])
                or (m.start() in line_starts and not _STANDING_ORGAN.match(fpart[m.start() :]))
            ):
                cuts.append(m.start())
        entities = [part[a:b].strip() for a, b in zip(cuts, [*cuts[1:], len(part)], strict=True)]
        entities = [e for e in entities if e]
        if not entities:
            return None
        last = format_entity(entities[-1])
        if len(entities) > 1:
            flast, fprev = fold(entities[-1]).upper(), fold(entities[-2]).upper()
            if not _LEVEL_RE.search(flast) and _STANDING_ORGAN.match(flast):
                return f"{last} {format_entity(entities[-2])}"
            if not _LEVEL_RE.search(flast) and re.match(r"TIEU BAN|TO\b", flast):
                return f"{last} - {format_entity(entities[-2])}"
            if "TRUNG UONG" in fprev and "TRUNG UONG" not in flast:
                return f"{last} Trung ương"
        return last

    _META_LABEL = re.compile(
        r"(?i)\s*(so hieu|loai van ban|noi ban hanh|co quan ban hanh|nguoi ky|ngay ban hanh)"
        r"\s*:\s*"
    )
    _META_KEYS: ClassVar[dict[str, str]] = {
        "so hieu": "number",
        "loai van ban": "kind",
        "noi ban hanh": "issuer",
        "co quan ban hanh": "issuer",
        "nguoi ky": "signer",
        "ngay ban hanh": "issued_on",
    }

    def metadata(self) -> dict[str, str]:
        """The data block a legal-documents web page puts before the copy ("Số hiệu:",
        "Nơi ban hành:", "Người ký:", "Ngày ban hành:"), each value on the label's line or the
        next line with text."""
        out: dict[str, str] = {}
        for i in range(0, min(self.start, self.n)):
            ln = self.lines[i]
            m = self._META_LABEL.match(ln.folded.strip(" |#"))
            if not m:
                continue
            key = self._META_KEYS[m.group(1).lower()]
            offset = len(ln.folded) - len(ln.folded.lstrip(" |#"))
            value = ln.text[offset + m.end() :].strip(" |")
            j = i + 1
            while not value and j < min(i + 4, self.n):
                value = self.lines[j].text.strip(" |")
                j += 1
            if value and key not in out and not self._META_LABEL.match(fold(value)):
                out[key] = _squash(value)
        return out

    # "…, Bộ Văn hóa, Thể thao và Du lịch yêu cầu:" — who speaks in the opening of the body.
    _SPEAKS = re.compile(
        r"\s+(?:(?:yeu cau|de nghi)(?:\s*:|\s+(?:cac|nhung|dong chi|Thu truong|Chu tich|"
        r"Giam doc|Bo truong)\b)|co y kien chi dao|chi dao nhu sau)"
    )
    _SPEAKER = re.compile(
        r"(?:Bo|Ban|So|Phong|Uy ban|UBND|Van phong|Thu tuong|Hoi dong|Hoi|Tong cuc|Chi cuc|Cuc|"
        r"Tinh uy|Thanh uy|Dang uy|Tieu ban|Truong|Trung tam|Cong an|Doan)\s+[A-Za-z]"
    )

    def issuer_statement(self, lo: int, hi: int) -> str | None:
        """The body that speaks in the opening paragraphs of a copy without its header, named
        before "yêu cầu" / "đề nghị" / "chỉ đạo" (a shared name like "Bộ Văn hóa, Thể thao và
        Du lịch" keeps its commas)."""
        lines = self.lines[max(lo, 0) : min(hi, self.n)]
        text = " ".join(ln.text.strip() for ln in lines)
        f = fold(text)
        for m in self._SPEAKS.finditer(f):
            start = max(f.rfind(". ", 0, m.start()), f.rfind(";", 0, m.start()), -1) + 1
            head = f[start : m.start()]
            cut = None
            for seg in re.finditer(r"(?:^|,\s*)(?=\S)", head):
                if self._SPEAKER.match(head, seg.end()):
                    cut = seg.end()
            if cut is None:
                continue
            name = _squash(text[start + cut : m.start()]).strip(" ,")
            # A people's committee is named by `issuer_body`, which completes "UBND tỉnh".
            if re.match(r"(?i)(?:uy ban nhan dan|ubnd)\b", fold(name)):
                return None
            if 2 <= len(name.split()) <= 30:
                return name
        return None

    _CONCLUSIONS = re.compile(
        r"(?i)(?:y kien\s+)?(?:ket luan|chi dao)(?:\s+va\s+chi dao)?\s+cua\s+(?:dong chi\s+)?"
        r"(?:(pho thu tuong|thu tuong)|(?:pho\s+)?chu tich\s+(?:uy ban nhan dan|ubnd)\s+"
        r"(tinh|thanh pho)\s+([a-z]+(?:\s+[a-z]+){0,3}?)\s+(?:tai|ve|phan|pham|nguyen|tran|le)\b)"
    )

    @classmethod
    def issuer_of_notice(cls, kind: str, subject: str | None) -> str | None:
        """A notice of a leader's conclusions is issued by that leader's office: the Prime
        Minister's by Văn phòng Chính phủ, a provincial chair's by the Văn phòng UBND."""
        if kind != "thong_bao" or not subject:
            return None
        m = cls._CONCLUSIONS.match(fold(subject).lower())
        if not m:
            return None
        if m.group(1):
            return "Văn phòng Chính phủ"
        level = subject[m.start(2) : m.end(2)].lower()
        return f"Văn phòng UBND {level} {_name_case(subject[m.start(3) : m.end(3)])}"

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
        # "Căn cứ…" / "Thực hiện…" open the body; in capitals they belong to the subject.
        opens_body = re.match(r"(?i)(can cu|thuc hien)\b", f) and not _is_upper_line(ln.text)
        return bool(
            opens_body
            or re.match(r"(?i)(kinh gui|so\s*:|noi nhan|\d{1,2}[.)]\s|[IVX]+[.)]\s)", f)
            or re.search(r",\s*ngay\s+\d", f)
            or _MOTTO_RE.search(f)
        )

    def _continue_subject(self, first: str, i: int) -> str | None:
        out = [first.strip()]
        upper = _is_upper_line(first)
        blank = False
        for j in range(i + 1, min(i + 6, self.n)):
            ln = self.lines[j]
            t = ln.text.strip()
            if not t:
                blank = True
                continue
            if self._subject_stop(ln) or len(" ".join(out)) > 400:
                break
            # A decision names its authority on a line of its own below the subject.
            if blank and _AUTHORITY_LINE.match(ln.folded.strip()):
                break
            if (
                t[0] in _L
                or t[0].isdigit()
                or t[0] in '“"«('
                or (upper and _is_upper_line(t) and len(t) < 150)
            ):
                out.append(t)
                continue
            break
        s = _squash(" ".join(out)).strip(" .;:-_")
        s = re.sub(r"\s*[-_]{3,}.*$", "", s)
        return s or None

    # ---- lists -------------------------------------------------------------------------
    _BULLET = re.compile(r"^\s*[-–—•+]\s*")

    @staticmethod
    def _continues_item(prev: str, line: str) -> bool:
        """A wrapped list item: the line goes on a lower-case word, or the item before it has
        not ended (no ";" or "."), unless the line is a signature block or a heading."""
        if prev.endswith((";", ".")):
            return False
        if line[0] in _L or prev.endswith((",", ":")):
            return True
        f = fold(line)
        return not (
            _is_upper_line(line)
            or re.match(r"(?i)\s*(?:KT|TM|TL|TUQ|Q)\s*\.|\s*luu\b", f)
            or re.match(r"(?i)\s*luu\b", fold(prev))
            or not re.match(r"[A-Z][a-z]*[,;.]?(?:\s|$)", f)
        )

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
            prev = items[-1].rstrip() if items else ""
            if self._BULLET.match(t):
                seen_bullet = True
                item = self._BULLET.sub("", t, count=1)
                if prev.endswith(":"):  # "VPUB:" then its first sub-item
                    items[-1] = prev + " " + item
                else:
                    items.append(item)
                continue
            if items and self._continues_item(prev, t):
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
        items = self._items_after(
            self.greet, r"(?i)\s*-?\s*kinh gui\s*:?\s*|.*?\bdien\s*:\s*", stop_on_plain=False
        )
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
        """The name under the signature block, looked for in the 60 lines after the body or
        the "Nơi nhận" list (a web page's text after the copy is not read)."""
        best: tuple[int, int, str] | None = None
        last_title = -10
        lo = max(search_from, self.start)
        for i in range(lo, min(self.n, max(lo, self.copies) + 60)):
            ln = self.lines[i]
            t = ln.text.strip()
            if not t or self._BULLET.match(t):
                continue
            f = ln.folded.strip().upper()
            if len(t) < 80 and _is_upper_line(t) and _SIG_TITLE_RE.match(f):
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
