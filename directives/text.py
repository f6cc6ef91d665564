"""Cleaning and folding of directive text.

`clean` turns text as people have it (Markdown marks, HTML leftovers, tables, OCR slips, a header
flattened onto one line) into plain lines in the national document layout. `fold` maps every
character to one character (diacritics removed, đ → d, case kept), so a regex run on the folded
text gives spans that slice the cleaned text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

MAX_CHARS = 400_000


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x1F00):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch:
            table[code] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    table[ord("ð")] = "d"
    table[ord("Ð")] = "D"
    return table


_FOLD_MAP = _build_fold_table()
# A tuple indexed by code point translates about twice as fast as a dict; code points past its
# end raise IndexError, which str.translate reads as "leave unchanged".
_FOLD = tuple(_FOLD_MAP.get(i, chr(i)) for i in range(0x1F00))
UPPER_CHARS = "".join(
    sorted({chr(c) for c in range(0x41, 0x1F00) if chr(c).isupper() and chr(c).isalpha()})
)
LOWER_CHARS = "".join(
    sorted({chr(c) for c in range(0x61, 0x1F00) if chr(c).islower() and chr(c).isalpha()})
)


def fold(text: str) -> str:
    """Same length as `text`: diacritics removed, đ → d, case kept."""
    return text.translate(_FOLD)


def lower_same(text: str) -> str:
    """Lower case of the same length (a character whose lower case is longer keeps its case),
    so spans found in it slice the original."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def fold_key(text: str) -> str:
    """A comparison key: folded, lower case, spacing and outer punctuation aside."""
    s = fold(text).lower().replace("ủy", "uy")
    s = re.sub(r"\s*[-–—]\s*", "-", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip(" .;:,-*_")


# No Vietnamese rhyme has "ơng" after anything but "ư"; PDF/OCR font slips write it for "ông".
_ONG_TONES = {"ơ": "ô", "ờ": "ồ", "ớ": "ố", "ở": "ổ", "ỡ": "ỗ", "ợ": "ộ"}
_ONG_TONES.update({k.upper(): v.upper() for k, v in list(_ONG_TONES.items())})
_ONG_RE = re.compile(r"([ơờớởỡợƠỜỚỞỠỢ])(?<![ưƯừứửữựỪỨỬỮỰ].)(ng)(?![a-zA-Z])")
# "ịng" is no Vietnamese rhyme either; font slips produce it for "òng" (Phịng → Phòng).
_ING_RE = re.compile(r"([ịỊ])(?<=[A-Za-zĐđ].)(ng)(?![a-zA-Z])")


def _repair_ocr(text: str) -> str:
    text = _ONG_RE.sub(lambda m: _ONG_TONES[m.group(1)] + m.group(2), text)
    return _ING_RE.sub(lambda m: ("ò" if m.group(1) == "ị" else "Ò") + m.group(2), text)


_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE_LINE = re.compile(r"^[\s_\-=*~.•·]{3,}$")


def _table_row(line: str) -> str:
    """A Markdown table row becomes its cells, one after the other, each on its own lines."""
    if _TABLE_SEP.match(line):
        return ""
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count("|") >= 2:
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        return "\n".join(c for c in cells if c)
    return line


_SIG_TITLES = (
    r"PHÓ CHỦ TỊCH|CHỦ TỊCH|PHÓ GIÁM ĐỐC|GIÁM ĐỐC|PHÓ TRƯỞNG BAN|TRƯỞNG BAN|PHÓ TRƯỞNG PHÒNG|"
    r"TRƯỞNG PHÒNG|PHÓ HIỆU TRƯỞNG|HIỆU TRƯỞNG|CHÁNH VĂN PHÒNG|PHÓ BÍ THƯ|BÍ THƯ"
)

_KIND_TITLES_UP = (
    r"CHỈ THỊ|CÔNG VĂN|KẾ HOẠCH|HƯỚNG DẪN|THÔNG BÁO|QUYẾT ĐỊNH|BÁO CÁO|NGHỊ QUYẾT|TỜ TRÌNH|"
    r"CHƯƠNG TRÌNH|THÔNG TRI|CÔNG ĐIỆN|GIẤY MỜI|QUY CHẾ|QUY ĐỊNH|PHƯƠNG ÁN|ĐỀ ÁN"
)


_U, _LO = UPPER_CHARS, LOWER_CHARS
# (needles, pattern, replacement, count): a rule runs only on lines holding one of its needles
# (or on the whole text when it has none), which keeps cleaning fast on long documents.
_UNFLATTEN: list[tuple[tuple[str, ...], re.Pattern[str], str, int]] = [
    (("CỘNG H",), re.compile(r"[ \t]+(CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI)"), r"\n\1", 0),
    (("Hạnh ",), re.compile(r"(Hạnh [pP]húc)[ \t]*[-_.]*[ \t]+(?=\S)"), r"\1\n", 0),
    (("Độc lập",), re.compile(r"[ \t]+(Độc lập\s*[-–]\s*Tự do)"), r"\n\1", 0),
    (("Số",), re.compile(r"(?<=\S)[ \t]+(Số\s*:)"), r"\n\1", 0),
    (
        ("Số",),
        re.compile(
            rf"^(Số\s*:[^\n]*?\d[^\s,]*(?:\s*/\s*[{_U}\d][^\s,]*)?)[ \t]+"
            rf"(?=[{_U}][{_LO}]+(?:\s+[{_U}][{_LO}]*)*\s*,\s*ngày)",
        ),
        r"\1\n",
        0,
    ),
    (("V/",), re.compile(r"(?<=\S)[ \t]+(V/[vV]\b)"), r"\n\1", 0),
    (("Kính gửi",), re.compile(r"(?<=\S)[ \t]+(Kính gửi\s*:)"), r"\n\1", 0),
    (("Nơi nhận",), re.compile(r"(?<=\S)[ \t]+(Nơi nhận\s*:)"), r"\n\1", 0),
    ((), re.compile(rf"(năm \d{{4}})[ \t]+((?:{_KIND_TITLES_UP})\b)"), r"\1\n\2", 0),
    ((), re.compile(rf"^((?:{_KIND_TITLES_UP}))[ \t]+(?=[{_U}{_LO}])", re.M), r"\1\n", 1),
    # Bullets run into one line after "Kính gửi:" / "Nơi nhận:" or after an item's ";".
    (
        tuple(f"{p} {b}" for p in ":;" for b in "-–•+"),
        re.compile(r"(?<=[:;])[ \t]+([-–•+])[ \t]+(?=\S)"),
        r"\n\1 ",
        0,
    ),
    # Signature block run into the last copies item.
    (
        ("KT.", "TM.", "TL.", "TUQ.", "Q."),
        re.compile(rf"(?<=[.;)])[ \t]+((?:KT|TM|TL|TUQ|Q)\.[ \t]*[{_U}])"),
        r"\n\1",
        0,
    ),
    (
        ("CHỦ TỊCH", "GIÁM ĐỐC", "TRƯỞNG", "BÍ THƯ", "CHÁNH VĂN PHÒNG"),
        re.compile(rf"(?<=[.;)a-z{_LO}])[ \t]+((?:{_SIG_TITLES})\b)"),
        r"\n\1",
        0,
    ),
]


@functools.cache
def _needle_re(needles: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, needles)))


def _per_line(text: str, needles: tuple[str, ...], fn: Callable[[str], str]) -> str:
    """`fn` applied to the lines holding one of `needles` (found in one scan of the text)."""
    out: list[str] = []
    pos = 0
    needle = _needle_re(needles)
    while (m := needle.search(text, pos)) is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        out.append(text[pos:start])
        out.append(fn(text[start:end]))
        pos = end
        if end == len(text):
            break
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _sub(pattern: re.Pattern[str], repl: str, count: int, line: str) -> str:
    return pattern.sub(repl, line, count=count)


def _unflatten(text: str) -> str:
    """Puts back the line breaks of the national layout where a copy ran them together."""
    for needles, pattern, repl, count in _UNFLATTEN:
        if needles:
            text = _per_line(text, needles, functools.partial(_sub, pattern, repl, count))
        else:
            text = pattern.sub(repl, text, count=count)
    return text


_LINE_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}|[IVX]{1,5})[.)]\s", re.M)
_INLINE_ITEM = re.compile(rf"(?<=[.:;])[ \t]+((?:\d{{1,2}}|[IVX]{{1,5}})\.[ \t]+[{_U}])")


def _split_inline_items(text: str) -> str:
    if len(_LINE_ITEM.findall(text)) >= 2:
        return text
    return _INLINE_ITEM.sub(r"\n\1", text)


_COMBINING = re.compile("[\u0300-\u036f\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_MD_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
_MD_BULLET = re.compile(r"^([ \t]*)[*•●▪◦·][ \t]+", re.M)
_TYPIST = re.compile(r"[ \t]+\*[A-Za-zĐđ.]{1,6}\*[ \t]*$", re.M)
_EMPHASIS = re.compile(r"(?<![\w*])[*_](?=\S)|(?<=\S)[*_](?![\w*])")
_RULE_LINES = re.compile(r"^[ \t_\-=*~.•·]{3,}$", re.M)
_SPACES = re.compile(r"[ ]{2,}")
_LONE_MARKER = re.compile(
    r"^([ \t]*(?:\d{1,2}(?:\.\d{1,2}){0,3}\.|\d{1,2}\)|[a-zđ]\)|[IVX]{1,5}\.|[-+•–]))[ \t]*\n"
    r"(?=[ \t]*[^\s\d])",
    re.M,
)
_TRAILING = re.compile(r"[ \t]+$", re.M)


# A bold run: converters of .docx wrap its lines, never across a blank line.
_BOLD = re.compile(r"\*\*((?:(?!\*\*)[^\n]|\n(?![ \t]*\n)){1,600}?)\*\*")
_ITEM_MARK = re.compile(r"\s*(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5}|[a-zđ])[.)]\s")
_ENDS_SENTENCE = re.compile(r"[.:;!?…]\s*$")


def _bold_runs(text: str) -> str:
    """Bold runs on one line each; a run filling its lines is a heading, so the text after it
    starts a paragraph of its own ("**1. Vụ\nPháp chế**\nKhẩn trương…"). A numbered heading
    cut into two runs by a blank line is put back together."""
    out: list[str] = []
    pos = 0
    merge_next = False
    for m in _BOLD.finditer(text):
        inner = m.group(1)
        between = text[pos : m.start()]
        start_of_line = m.start() == 0 or text[: m.start()].rstrip(" \t").endswith("\n")
        end = text.find("\n", m.end())
        rest = text[m.end() : end if end >= 0 else len(text)]
        heading = start_of_line and not rest.strip() and bool(inner.strip())
        joined = " ".join(inner.split("\n"))
        if merge_next and heading and not between.strip() and not _ITEM_MARK.match(joined):
            out[-1] = out[-1].rstrip("\n") + " " + joined.strip() + "\n"
        else:
            out.append(between)
            out.append(joined + ("\n" if heading else ""))
        merge_next = (
            heading and bool(_ITEM_MARK.match(joined)) and not _ENDS_SENTENCE.search(joined)
        )
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def clean(text: str) -> str:
    """Plain lines: Markdown/HTML marks removed, tables to lines, OCR slips repaired.

    Never raises; input longer than MAX_CHARS is cut there.
    """
    text = unicodedata.normalize("NFC", text[:MAX_CHARS])
    text = _COMBINING.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = re.sub("[\u00a0\u2007\u202f\u2002\u2003\u2009]", " ", text)
    text = re.sub("[\u200b\u200c\u200d\ufeff\u00ad]", "", text)
    if "|" in text or "--" in text:
        text = "\n".join(
            _table_row(line) if "|" in line or "--" in line else line for line in text.split("\n")
        )
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</?(p|div|tr|li|h\d)[^>]*>", "\n", text)
    text = re.sub(r"(?i)</?(td|th)[^>]*>", " | ", text)
    text = re.sub(r"<[^<>\n]{1,200}>", "", text)
    text = (
        text.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~])", r"\1", text)
    text = re.sub(r"!?\[([^\]\n]{0,300})\]\([^)\n]{0,500}\)", r"\1", text)
    text = _MD_HEADING.sub("", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_BULLET.sub(r"\1- ", text)
    if "**" in text:
        text = _bold_runs(text)
    text = text.replace("**", "").replace("__", "")
    # Single * or _ as emphasis marks; typist initials like *lsp* at a line's end go.
    text = _per_line(text, ("*",), lambda line: _TYPIST.sub("", line))
    text = _per_line(text, ("*", "_"), lambda line: _EMPHASIS.sub("", line).replace("*", ""))
    text = _RULE_LINES.sub("", text)
    # A marker left alone on its line ("1.1.", "a)", "-") heads the line after it.
    text = _LONE_MARKER.sub(r"\1 ", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _repair_ocr(text)
    text = _unflatten(text)
    text = _split_inline_items(text)
    return text
