"""A directive as lines and as body blocks (the paragraphs of Nghị định 30/2020/NĐ-CP layout).

Copies come with hard line breaks in the middle of sentences; `blocks` joins them back into
paragraphs, each opened by its structural marker (I., 1., 1.1., a), -, Điều 1.) or by none.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from directives.text import LOWER_CHARS, UPPER_CHARS, clean, fold, lower_same

_U, _L = UPPER_CHARS, LOWER_CHARS

ROMAN_RE = re.compile(r"^\s*(?:PHAN\s+)?(X{0,2}(?:IX|IV|V?I{0,3}))\s*[.)/:]\s*(?=\S)")
ARTICLE_RE = re.compile(r"^\s*Dieu\s+(\d{1,3})\s*[.:]?(?:\s|$)")
DECIMAL_RE = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?=\S)")
ARABIC_RE = re.compile(r"^\s*(\d{1,2})\s?[.)](?![\d/])\s*(?=\S)")
LETTER_RE = re.compile(
    rf"^\s*([a-zđ])\s?\)\s*(?=\S)|^\s*([a-zđ])\.\s+(?=[A-ZĐ{_U}])|^\s*\(([a-zđ])\)\s*(?=\S)"
)
# Every marker opens with one of these (after spaces): a digit, a Roman numeral, a letter
# before ")" or ".", "(", "Điều", "Phần" or a bullet.
_MARKER_START = re.compile(r"\s*(?:[\dIVXivx(]|[a-zđ][.)]|[a-z]\s\)|Dieu|PHAN|[-–—•+*])")
BULLET_RE = re.compile(r"^\s*[-–—•+*]\s*(?=\S)")


@dataclass
class Line:
    text: str
    folded: str
    start: int


@dataclass
class Block:
    """One paragraph of the body: `kind` is roman, article, arabic, decimal, letter, bullet or
    plain; `marker` the number or letter ("II", "3", "1.2", "b"); `text` without the marker."""

    kind: str
    marker: str
    text: str
    line: int
    end: int

    @property
    def folded(self) -> str:
        return fold(self.text)


def squash(text: str) -> str:
    """Runs of white space as one space, none at the ends."""
    return " ".join(text.split())


def is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _roman_ok(marker: str, rest: str) -> bool:
    # "I. MỤC ĐÍCH" is a section; "V. Tổ chức" too, but a lone capital letter in prose is not.
    return bool(marker) and bool(rest) and (rest[0] in _U or rest[0].isdigit())


def marker_of(line: str, folded: str | None = None) -> tuple[str, str, int]:
    """(kind, marker, length of the marker) of a line's leading structural marker; `folded`
    is the line folded, when the caller has it."""
    f = fold(line) if folded is None else folded
    if not _MARKER_START.match(f):
        return "plain", "", 0
    m = ARTICLE_RE.match(f)
    if m:
        return "article", m.group(1), m.end()
    m = ROMAN_RE.match(f)
    if m and _roman_ok(m.group(1), line[m.end() :]):
        return "roman", m.group(1), m.end()
    m = DECIMAL_RE.match(f)
    if m:
        return "decimal", m.group(1), m.end()
    m = ARABIC_RE.match(f)
    if m:
        return "arabic", m.group(1), m.end()
    m = LETTER_RE.match(f)
    if m:
        return "letter", m.group(1) or m.group(2) or m.group(3), m.end()
    m = BULLET_RE.match(f)
    if m:
        return "bullet", "-", m.end()
    return "plain", "", 0


def _within_lines(pattern: str) -> str:
    """`pattern` with "\\s" and "\\W" outside character classes kept off line breaks: on a
    line they match the same, and a scan of the whole text cannot run across blank lines
    (which made it quadratic on a text of empty lines)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if not in_class and pair == "\\s":
                pair = "[ \\t]"
            elif not in_class and pair == "\\W":
                pair = "[^\\w\\n]"
            out.append(pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


@functools.cache
def _line_starts(rx: re.Pattern[str], at: bool) -> re.Pattern[str]:
    """`rx` for a scan of the whole text: tried only where a line starts (`at`), and with "^"
    meaning a line's start."""
    pattern = _within_lines(rx.pattern.removeprefix("(?i)"))
    if at:
        pattern = rf"^(?:{pattern})"
    return re.compile(pattern, rx.flags | re.M)


_TERMINAL = re.compile(r"[.;:!?…](?:\s*[)\"”’*_])*\s*$")


class Document:
    """Cleaned text, its folded twin (same length), and its lines."""

    def __init__(self, text: str) -> None:
        self.text = clean(text)
        self.folded = fold(self.text)
        self.lines: list[Line] = []
        pos = 0
        for raw, fraw in zip(self.text.split("\n"), self.folded.split("\n"), strict=True):
            self.lines.append(Line(raw, fraw, pos))
            pos += len(raw) + 1
        self.n = len(self.lines)
        self._starts = [ln.start for ln in self.lines]

    @functools.cached_property
    def lower(self) -> str:
        """The folded text in lower case, same length (a character whose lower case is longer
        keeps its case)."""
        return lower_same(self.folded)

    def find(self, rx: re.Pattern[str], lo: int = 0, hi: int | None = None, at: bool = True) -> int:
        """Index of the first line in [lo, hi) whose folded text `rx` matches at its start (or
        anywhere, with `at=False`), or -1; one scan of the text instead of one per line."""
        hi = self.n if hi is None else min(hi, self.n)
        lo = max(lo, 0)
        if lo >= hi:
            return -1
        scan = _line_starts(rx, at)
        end = self.offset(hi)
        pos = self.offset(lo)
        while (m := scan.search(self.folded, pos, end)) is not None:
            i = bisect.bisect_right(self._starts, m.start()) - 1
            if i >= hi:
                return -1
            line = self.lines[i].folded
            if (rx.match(line) if at else rx.search(line)) is not None:
                return i
            pos = self.offset(i + 1)
        return -1

    def first(self, pred: Callable[[Line], bool], lo: int = 0, hi: int | None = None) -> int:
        """Index of the first line in [lo, hi) for which `pred` holds, or -1."""
        for i in range(max(lo, 0), self.n if hi is None else min(hi, self.n)):
            if pred(self.lines[i]):
                return i
        return -1

    def offset(self, line: int) -> int:
        return self.lines[line].start if line < self.n else len(self.text)

    def blocks(self, lo: int, hi: int) -> list[Block]:
        """The paragraphs of lines [lo, hi), hard line breaks joined back."""
        out: list[Block] = []
        parts: list[str] = []
        kind, marker, first = "", "", lo

        def flush(end: int) -> None:
            if parts:
                out.append(Block(kind, marker, squash(" ".join(parts)), first, end))
            parts.clear()

        blank = False
        for i in range(lo, min(hi, self.n)):
            raw = self.lines[i].text.strip()
            if not raw:
                blank = True
                continue
            k, mk, length = marker_of(raw, self.lines[i].folded.strip())
            # A copy typed double-spaced leaves a blank line inside a sentence: the paragraph
            # goes on when the line after it carries on in lower case.
            if (
                parts
                and k == "plain"
                and (
                    (not blank and self._continues(kind, parts[-1], raw))
                    or (blank and raw[0] in _L and not _TERMINAL.search(parts[-1]))
                )
            ):
                parts.append(raw)
                blank = False
                continue
            if blank:
                flush(i)
                kind = ""
                blank = False
            flush(i)
            kind, marker, first = k, mk, i
            parts.append(raw[length:].strip() if k != "plain" else raw)
        flush(min(hi, self.n))
        return out

    @staticmethod
    def _continues(kind: str, prev: str, nxt: str) -> bool:
        if nxt[0] in _L or nxt[0] in "(,;&%":
            return True
        if kind == "roman" and is_upper(prev) and not is_upper(nxt):
            return False
        return not _TERMINAL.search(prev)
