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
    r"Chi thi|Cong van|Ke hoach|Huong dan|Thong bao|Quyet dinh|Bao cao|Nghi quyet|Nghi dinh|"
    r"Thong tu lien tich|Thong tu|Thong tri|Luat|Phap lenh|Quy dinh|Ket luan|To trinh|"
    r"Chuong trinh|Cong dien|Van ban|Quy che|Phuong an|De an"
)
_NUM = r"\d+[A-Za-z]*(?:\s*[/\-–]\s*[A-Za-z0-9&]+)*"
_REF_RE = re.compile(
    rf"\b(?i:({_DOC_KINDS}))\s+(?:(?i:so)\s*:?\s*({_NUM})|(\d+[A-Za-z]*\s*/\s*[A-Za-z0-9&/\-–]+))"
    rf"(?:\s*,?\s*(?i:ngay)\s+({DATE_RE.pattern}))?"
)


def find_references(doc: Document, lo: int, hi: int, own_number: str | None) -> list[str]:
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
    rf"((?:ky niem\s+)?(\d{{1,4}})\s+nam\s+[^()]{{3,160}}?)\s*\(\s*(?:tu\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})\s*[-–—]\s*(?:ngay\s+)?(?:{_D_FULL}|{_D_WORDS})\s*\)",
    re.I,
)
_CONGRESS = re.compile(
    rf"(Dai hoi[^.;,()]{{3,140}}?)\s*(?:\(\s*|,?\s*(?:du kien\s+)?(?:se\s+)?(?:duoc\s+)?"
    rf"(?:to chuc|dien ra|khai mac|hop)\s*(?:vao|trong|tu)?\s*)(?:cac\s+)?(?:ngay\s+)?"
    rf"(?:{_D_FULL}|{_D_WORDS})",
)


def find_events(doc: Document, lo: int, hi: int) -> list[dict[str, object]]:
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
