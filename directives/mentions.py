"""What a directive cites and asks to mark: referenced documents, quoted movements, dated events."""

from __future__ import annotations

import re

from directives.dates import DATE_RE, make_date
from directives.deadlines import _FULL as _D_FULL
from directives.deadlines import _WORDS as _D_WORDS
from directives.document import Document
from directives.document import squash as _squash
from directives.text import UPPER_CHARS, fold, fold_key

_U = UPPER_CHARS

# ---- references, movements, events ----------------------------------------------------------
_DOC_KINDS = (
    r"Chi thi|Cong van|Ke hoach|Huong dan|Thong bao|Quyet dinh lien tich|Quyet dinh|Bao cao|"
    r"Nghi quyet lien tich|Nghi quyet|Nghi dinh|Thong tu lien tich|Thong tu|Thong tri|Luat|"
    r"Phap lenh|Quy dinh|Ket luan|To trinh|Chuong trinh|Cong dien|Van ban|Quy che|Phuong an|De an"
)
_NUM = r"\d+(?:\.\d+)*[A-Za-z]*(?:\s*[/\-–]\s*[A-Za-z0-9&]+)*"
_DATED = rf"(?:\s*,?\s*(?i:ngay)\s+({DATE_RE.pattern}))?"
# Run on the lower-cased folded text, where the engine can skip ahead on the literal kinds.
_REF_RE = re.compile(
    rf"\b({_DOC_KINDS.lower()})\s+(?:so\s*:?\s*({_NUM})|(\d+[A-Za-z]*\s*/\s*[A-Za-z0-9&/\-–]+))"
    + _DATED
)
# "các Quyết định: số 36/QĐ-TTg ngày …; số 1569/QĐ-TTg … và số 1668/QĐ-TTg …" — one kind, a list.
_SHARED_KIND = re.compile(
    rf"\bcac\s+({_DOC_KINDS.lower()})(?:\s+cua\s+[^:;.\n]{{1,60}}?)?\s*:\s*(?=so\s)"
)
_LISTED = re.compile(rf"so\s+({_NUM}){_DATED}")
_LISTED_GAP = re.compile(r"[^.;]{0,200}?(?:[;,]\s*|\s+va\s+)(?=so\s)")
# "Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16/6/2025".
_NAMED_LAW = re.compile(
    rf"\b(?=[LBP])(Luat|Bo luat|Phap lenh)\s+((?:[A-Za-z]+,?\s+){{1,14}}?)(?i:so)\s+"
    rf"({_NUM}){_DATED}"
)


def _kind_case(kind: str) -> str:
    kind = kind.lower() if kind.isupper() else kind
    return kind[:1].upper() + kind[1:]


def find_references(doc: Document, lo: int, hi: int, own_number: str | None) -> list[str]:
    """Documents cited by number, once each, in the text's order; a later citation with its
    date completes an earlier one without."""
    t, f = doc.text, doc.folded
    own = re.sub(r"\W", "", fold(own_number or "").lower())
    found: list[tuple[int, str, str, str, str]] = []  # (at, kind key, number key, text, date)

    def cite(at: int, kind: str, num: tuple[int, int], dated: tuple[int, int] | None) -> None:
        number = re.sub(r"\s+", "", t[num[0] : num[1]]).strip(".-–")
        if not re.search(r"\d", number):
            return
        nkey = re.sub(r"\W", "", fold(number).lower())
        if own and nkey == own:
            return
        when = _squash(t[dated[0] : dated[1]]) if dated and dated[0] >= 0 else ""
        found.append((at, fold(kind).lower(), nkey, f"{_kind_case(kind)} số {number}", when))

    for m in _REF_RE.finditer(doc.lower, lo, hi):
        num = m.span(2) if m.group(2) else m.span(3)
        cite(m.start(), t[m.start(1) : m.end(1)], num, m.span(4))
    # Patterns run only where the words they need occur at all.
    low = doc.lower
    for m in _SHARED_KIND.finditer(low, lo, hi) if ":" in f else ():
        kind = t[m.start(1) : m.end(1)]
        pos = m.end()
        while True:
            item = _LISTED.match(low, pos, hi)
            if not item:
                break
            cite(item.start(), kind, item.span(1), item.span(2))
            gap = _LISTED_GAP.match(low, item.end(), hi)
            if not gap:
                break
            pos = gap.end()
    for m in _NAMED_LAW.finditer(f, lo, hi) if " so " in f else ():
        kind = f"{t[m.start(1) : m.end(1)]} {_squash(t[m.start(2) : m.end(2)])}"
        cite(m.start(), kind, m.span(3), m.span(4))

    out: list[str] = []
    index: dict[tuple[str, str], int] = {}
    for _at, kkey, nkey, text, when in sorted(found):
        key = (kkey.split()[0] if kkey.startswith(("luat", "bo luat")) else kkey, nkey)
        full = f"{text} ngày {when}" if when else text
        if key not in index:
            index[key] = len(out)
            out.append(full)
        elif when and " ngày " not in out[index[key]]:
            out[index[key]] = full
    return out


_QUOTE_RE = re.compile(
    r"[“«]([^“”«»]{3,250}?)[”»\"]"
    r"|(?<![\w\"])\"(?=\w)((?:(?!\n\s*\n)[^\"“”]){3,250}?)[\"”](?!\w)"
)
_NOT_MOVEMENT_BEFORE = re.compile(
    r"(?i)(danh hieu|hinh thuc|bang khen|giay khen|cum tu|chuyen muc|chuyen trang|ten goi|"
    r"ky hieu|muc|tieu de|khau hieu|giai thuong|huy hieu|huan chuong|ky niem chuong)\s*$"
)


# A quoted name is a movement's when the sentence before it speaks of one ("phong trào thi đua
# “…”", "chủ đề “…”", "gương “Người tốt, việc tốt”", "Chiến dịch “…”"); quoted names of
# programmes, strategies, slogans or stamps are not.
_MOVEMENT_CUE = re.compile(
    r"(?i)phong trao|thi dua|chien dich|cuoc van dong|chu de|dien hinh tien tien|\bguong\b"
)
_MOVEMENT_NAME = re.compile(r"(?i)(?:phong trao|chien dich|cuoc van dong)\b")


def _movement_context(f: str, s: int, inner: str) -> bool:
    if _MOVEMENT_NAME.match(fold(inner)):
        return True
    window = f[max(0, s - 150) : s]
    cut = max(window.rfind(". "), window.rfind(";"), window.rfind("\n\n"))
    return bool(_MOVEMENT_CUE.search(window[cut + 1 :]))


def find_movements(doc: Document, lo: int, hi: int) -> list[str]:
    """Names quoted as movements (phong trào, chiến dịch, cuộc vận động), once each."""
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
        if re.match(r"(?i)ve\s", fold(inner)) or not _movement_context(f, s, inner):
            continue
        key = fold_key(inner)
        if key in seen:
            continue
        seen.add(key)
        out.append(inner)
    return out


_ANNIV = re.compile(
    rf"(?=[k\d])((?:ky niem\s+)?(\d{{1,4}})\s+nam\s+[^()]{{3,160}}?)\s*\(\s*(?:tu\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})\s*[-–—]\s*(?:ngay\s+)?(?:{_D_FULL}|{_D_WORDS})\s*\)",
)  # run on the lower-cased folded text
_CONGRESS = re.compile(
    rf"(Dai hoi[^.;,()]{{3,140}}?)\s*(?:\(\s*|,?\s*(?:du kien\s+)?(?:se\s+)?(?:duoc\s+)?"
    rf"(?:to chuc|dien ra|khai mac|hop)\s*(?:vao|trong|tu)?\s*)(?:cac\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})",
)


# A named day with its date in brackets: "“Ngày Quốc tế xóa bỏ … trẻ em gái” (ngày 25/11)",
# "Ngày hội Đại đoàn kết toàn dân tộc (18/11)"; the year, when not written, is the document's.
_OBSERVANCE = re.compile(
    r"(?<![\w])(?=N)(Ngay\s+(?:[A-Z][a-z]*|hoi|bau cu|truyen thong|thanh lap)\b"
    r"(?:[^()\n.;:“”\"]|\n(?!\s*\n)){0,160}?)"
    r"[”\"]?\s*\(\s*(?:ngay\s+)?(\d{1,2})\s*[/.\-]\s*(\d{1,2})(?:\s*[/.\-]\s*(\d{4}))?\s*\)"
)
# "… đến ngày bầu cử 15/3/2026": election day, the occasion every election plan works towards.
_ELECTION = re.compile(
    rf"\b(?=[nN])((?i:ngay)\s+bau cu\b[^\d.;()]{{0,140}}?)(?:\(\s*)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})"
)


def find_events(
    doc: Document, lo: int, hi: int, year: int | None = None
) -> list[dict[str, object]]:
    """Dated occasions: anniversaries with their span, congresses, named days, election day."""
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    t, f = doc.text, doc.folded
    for m in _ANNIV.finditer(doc.lower, lo, hi) if "(" in f else ():
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
    for m in _OBSERVANCE.finditer(f, lo, hi) if "Ngay " in f else ():
        yr = m.group(4) or year
        when = make_date(yr, m.group(3), m.group(2)) if yr else None
        if when and when.isoformat() not in seen:
            seen.add(when.isoformat())
            out.append({"text": _squash(t[m.start(1) : m.end(1)]).strip(" ,"), "date": str(when)})
    for m in _ELECTION.finditer(f, lo, hi) if "bau cu" in f else ():
        g = m.groups()
        when = make_date(g[3], g[2], g[1]) if g[1] else make_date(g[6], g[5], g[4])
        if when and when.isoformat() not in seen:
            seen.add(when.isoformat())
            out.append({"text": _squash(t[m.start(1) : m.end(1)]).strip(" ,("), "date": str(when)})
    return out
